"""``[business.sr-Cyrl]``: a client who reads Cyrillic gets the business's own data in Cyrillic.

A Cyrillic mail naming its sender in Latin letters looks careless, and SpamAssassin's
``MIXED_ES`` reads such a mix of alphabets as a filter trick.  The owner writes the name,
address and bank once more for those clients; everyone else, and the e-invoice XML, keep
the registered data (``mailbot.outbound.scripts``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from conftest import write_config
from lxml import etree
from pdf_text import pdf_text

from mailbot.config.settings import ConfigError, load_settings
from mailbot.ledger.read import load_ledger
from mailbot.outbound import parties
from mailbot.outbound.context import subject_amount
from mailbot.outbound.einvoice import NSMAP, cii_xml
from mailbot.outbound.i18n import formatter_for
from mailbot.outbound.mails import Mailer
from mailbot.outbound.scripts import seller_for
from mailbot.outbound.sef import CAC, CBC, sef_xml
from mailbot.outbound.transfer import qr_payload

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
SEF_NS = {"cac": CAC, "cbc": CBC}
CYRILLIC_TABLE = """
[business.sr-Cyrl]
name = "Мустер Дизајн"
address = "Линденштрасе 12\\n10115 Берлин\\nНемачка"
bank = "Комерцбанк"
legal_note = "Мустер Дизајн ГмбХ, Окружни суд Шарлотенбург"
"""
CLIENTS = """
[clients.jovanovic]
name = "Јовановић д.о.о."
email = "finansije@jovanovic.example"
address = "Булевар ослобођења 20\\n21000 Нови Сад\\nСрбија"
language = "sr-Cyrl"
timezone = "Europe/Belgrade"

[clients.petrovic]
name = "Petrović d.o.o."
email = "racunovodstvo@petrovic.example"
address = "Knez Mihailova 10\\n11000 Beograd\\nSrbija"
language = "sr"
timezone = "Europe/Belgrade"
"""
LEDGER = """\
invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate
2026-501,jovanovic,2026-11-09,2026-11-23,Одржавање веб-сајта,8,h,95.00,19
2026-401,petrovic,2026-11-09,2026-11-23,Održavanje veb-sajta,8,h,95.00,19
2026-201,kaiser,2026-11-09,2026-11-23,Website-Wartung,8,Std.,95.00,19
"""
REGISTERED = ("Muster Design", "Lindenstraße", "Berlin", "Commerzbank", "Amtsgericht")
CYRILLIC = ("Мустер Дизајн", "Линденштрасе 12", "Берлин", "Немачка", "Комерцбанк", "Окружни суд")
OWN = {
    "tax_id": 'tax_id = "DE123456789"\ncountry = "DE"\nlegal_note = "Muster Design GmbH, Amtsgericht Charlottenburg"',
    "iban": 'iban = "DE89 3704 0044 0532 0130 00"\nbank = "Commerzbank"\naccount_holder = "Muster Design GmbH"',
}


def _config(folder, extra: str = CYRILLIC_TABLE):
    config = write_config(folder, CLIENTS + extra, LEDGER)
    text = config.read_text(encoding="utf-8")
    for key, more in OWN.items():
        text = re.sub(rf"^{key} = .*$", more, text, count=1, flags=re.M)
    config.write_text(text, encoding="utf-8")
    return config


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    settings = load_settings(_config(tmp_path_factory.mktemp("cyrl")))
    return settings, load_ledger(settings), Mailer(settings)


def _mail(world, number: str, kind: str = "invoice") -> EmailMessage:
    _settings, ledger, mailer = world
    raw = mailer.build(ledger.invoices[number], kind, f"<{kind}-{number}@muster-design.example>", NOW)
    return message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def _read(msg: EmailMessage) -> str:
    """What the client reads: the subject, the From name, the text and the HTML part."""
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return "\n".join((str(msg["Subject"]), msg["From"].addresses[0].display_name, text, html))


def _pdf_text(msg: EmailMessage) -> str:
    return pdf_text(msg).replace("\xa0", " ")


# --- The config ---------------------------------------------------------------------------------------


def test_the_cyrillic_table_is_read_and_leaves_out_what_it_does_not_say(tmp_path):
    business = load_settings(_config(tmp_path)).business
    assert business.name == "Muster Design"  # the registered name stays the registered name
    assert business.sr_cyrl.name == "Мустер Дизајн"
    assert business.sr_cyrl.address.splitlines() == ["Линденштрасе 12", "10115 Берлин", "Немачка"]
    assert business.sr_cyrl.account_holder == ""


def test_an_unknown_key_in_the_cyrillic_table_is_an_error_naming_its_line(tmp_path):
    config = _config(tmp_path, CYRILLIC_TABLE.replace("bank =", "bnak ="))
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    line = config.read_text(encoding="utf-8").splitlines().index('bnak = "Комерцбанк"') + 1
    assert str(caught.value) == f"{config}:{line}: [business.sr-Cyrl] bnak: unknown key (a typo?)"


def test_a_line_break_in_the_cyrillic_name_is_an_error_naming_its_line(tmp_path):
    config = _config(tmp_path, CYRILLIC_TABLE.replace('"Мустер Дизајн"', '"Мустер\\nДизајн"'))
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    line = config.read_text(encoding="utf-8").splitlines().index('name = "Мустер\\nДизајн"') + 1
    assert (
        str(caught.value) == f"{config}:{line}: [business.sr-Cyrl] name: must be on one line (no line breaks)"
    )


@pytest.mark.parametrize("variable", ["MAILBOT_BUSINESS__SR_CYRL__NAME", "MAILBOT_BUSINESS__SR-CYRL__NAME"])
def test_the_environment_overrides_one_key_of_the_cyrillic_table(tmp_path, monkeypatch, variable):
    monkeypatch.setenv(variable, "Мустер Студио")
    cyrillic = load_settings(_config(tmp_path)).business.sr_cyrl
    assert (cyrillic.name, cyrillic.bank) == ("Мустер Студио", "Комерцбанк")


def test_an_unknown_key_from_the_environment_is_the_environments_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILBOT_BUSINESS__SR_CYRL__NMAE", "Мустер")
    with pytest.raises(ConfigError) as caught:
        load_settings(_config(tmp_path))
    assert str(caught.value) == "environment:0: MAILBOT_BUSINESS__SR_CYRL__NMAE: unknown key (a typo?)"


# --- The mails and the PDF -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["invoice", "reminder", "final", "ack", "receipt"])
def test_a_cyrillic_clients_mail_names_the_business_in_cyrillic(world, kind):
    read = _read(_mail(world, "2026-501", kind))
    assert "Мустер Дизајн" in read and "Линденштрасе 12" in read and "Окружни суд" in read
    found = [word for word in REGISTERED if word in read.replace("Muster Design GmbH", "")]
    assert not found, found  # (the payee stays as the bank holds the account: below)


@pytest.mark.parametrize(
    ("language", "currency", "shown"),
    [
        ("sr-Cyrl", "RSD", "1.234,50 дин."),
        ("sr-Cyrl", "EUR", "1.234,50\u00a0€"),
        ("sr", "RSD", "1.234,50 RSD"),
    ],
)
def test_a_cyrillic_subject_names_the_amount_without_a_latin_currency_code(language, currency, shown):
    # (a lone "RSD" among Cyrillic scores SpamAssassin's SUBJ_ALL_CAPS, 0.5 points: measured)
    assert subject_amount(formatter_for(language), Decimal("1234.50"), currency, language) == shown


def test_a_cyrillic_clients_invoice_names_the_bank_in_cyrillic_and_the_payee_as_the_bank_does(world):
    msg = _mail(world, "2026-501")
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Банка: Комерцбанк" in text
    assert "Прималац: Muster Design GmbH" in text  # as the bank holds the account
    assert "Мустер Дизајн" in str(msg["Subject"]) and msg["From"].addresses[0].display_name == "Мустер Дизајн"


def test_the_payee_falls_back_to_the_registered_name_never_to_the_cyrillic_one(world):
    settings, _ledger, _mailer = world
    payment = settings.payment.model_copy(update={"account_holder": ""})
    seller = seller_for(settings.model_copy(update={"payment": payment}), "sr-Cyrl")
    assert (seller.name, seller.account_holder) == ("Мустер Дизајн", "Muster Design")


@pytest.mark.parametrize("number", ["2026-401", "2026-201"])
def test_latin_serbian_and_german_clients_get_the_registered_data(world, number):
    read = _read(_mail(world, number))
    assert all(word in read for word in REGISTERED), number
    assert not re.search("[\u0400-\u04ff]", read), number


def test_a_cyrillic_clients_pdf_names_the_business_in_cyrillic(world):
    text = _pdf_text(_mail(world, "2026-501"))
    assert all(word in text for word in CYRILLIC), text
    assert "Lindenstraße" not in text and "Commerzbank" not in text


def test_a_german_clients_pdf_names_the_registered_business(world):
    text = _pdf_text(_mail(world, "2026-201"))
    assert all(word in text for word in REGISTERED), text
    assert not re.search("[\u0400-\u04ff]", text)


# --- What stays registered -----------------------------------------------------------------------------


def test_the_einvoice_of_a_cyrillic_client_names_the_registered_seller(world):
    settings, ledger, _mailer = world
    client = settings.clients["jovanovic"]
    root = etree.fromstring(cii_xml(settings, ledger.invoices["2026-501"], client))
    seller = root.find(".//ram:SellerTradeParty", NSMAP)
    assert seller is not None
    assert seller.findtext("ram:Name", None, NSMAP) == "Muster Design"
    assert seller.findtext(".//ram:LineOne", None, NSMAP) == "Lindenstraße 12"
    assert seller.findtext(".//ram:CityName", None, NSMAP) == "Berlin"
    assert root.findtext(".//ram:BuyerTradeParty/ram:Name", None, NSMAP) == "Јовановић д.о.о."
    assert root.findtext(".//ram:BuyerTradeParty//ram:CountryID", None, NSMAP) == "RS"  # from "Србија"


def test_the_sef_file_of_a_cyrillic_client_names_the_registered_seller(world):
    """SEF wants the seller's registered name (PartyLegalEntity/RegistrationName, BT-27)."""
    settings, ledger, _mailer = world
    root = etree.fromstring(sef_xml(settings, ledger.invoices["2026-501"], settings.clients["jovanovic"]))
    seller = root.find("cac:AccountingSupplierParty/cac:Party", SEF_NS)
    assert seller is not None
    assert seller.findtext("cac:PartyLegalEntity/cbc:RegistrationName", None, SEF_NS) == "Muster Design"
    assert seller.findtext("cac:PartyName/cbc:Name", None, SEF_NS) == "Muster Design"
    assert seller.findtext("cac:PostalAddress/cbc:StreetName", None, SEF_NS) == "Lindenstraße 12"


def test_the_payment_qr_code_of_a_cyrillic_client_names_the_registered_payee(world):
    settings, ledger, _mailer = world
    payload = qr_payload(settings, "rf", ["2026-501"], "EUR", ledger.invoices["2026-501"].gross)
    assert "\nMuster Design GmbH\n" in payload and "Мустер" not in payload


def test_a_country_named_in_cyrillic_ends_an_address():
    address = parties.address_of("Булевар ослобођења 20\n21000 Нови Сад\nСрбија", "")
    assert (address.lines, address.postcode, address.city, address.country) == (
        ("Булевар ослобођења 20",), "21000", "Нови Сад", "RS")  # fmt: skip
