"""Pay in seconds (issue 15, part 4): a structured reference, a payment QR code the client's
banking app reads back, a pay link, and a receipt that says what arrived and when.

The QR codes are decoded from the PNG the mail carries (``zxing-cpp``), not from the
payload we meant to draw, so a code a bank cannot read fails here.
"""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

import pytest
import zxingcpp
from conftest import BASE_CONFIG, write_config
from PIL import Image
from samples.make_samples import CLIENTS, STORIES, Sample, build, number

from mailbot.cli.main import main
from mailbot.config.settings import ConfigError, load_settings
from mailbot.ledger.read import load_ledger
from mailbot.ledger.references import fi_reference, grouped, references_in, rf_reference, valid_rf
from mailbot.outbound.i18n import formatter_for
from mailbot.outbound.mails import Mailer
from mailbot.outbound.payqr import Transfer, epc_payload, ips_payload, qr_png
from mailbot.outbound.transfer import qr_payload

NOW = datetime(2026, 12, 7, 10, tzinfo=UTC)
STORY = {story.name: story for story in STORIES}
# A valid Serbian account: bank 160, account 5100, check digits 05 (mod 97-10).
ACCOUNT_RS = "160-5100-05"


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[tuple[str, str], Sample]:
    workdir = tmp_path_factory.mktemp("pay")
    names = ("invoice", "statement", "claim_check", "ack_payment_claimed", "receipt", "reminder_final")
    return {(lang, name): build(STORY[name], lang, workdir) for lang in CLIENTS for name in names}


def _qr_parts(msg: EmailMessage) -> list[EmailMessage]:
    return [p for p in msg.walk() if (p["Content-ID"] or "").startswith("<payqr-")]


def _decoded(png: bytes) -> zxingcpp.Result:
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1, found
    return found[0]


# --- The reference -------------------------------------------------------------------------------


def test_references_are_grouped_as_banks_print_them_and_read_back():
    assert grouped("RF18539007547034") == "RF18 5390 0754 7034"
    assert grouped(rf_reference("2026-101")) == "RF76 2026 101"
    assert fi_reference("2026-101") == "120261017" and grouped("120261017") == "1202 61017"
    assert grouped("1234561") == "12 34561"  # fives from the right
    assert grouped("2026-101") == "2026-101"  # not a reference: as it is
    for reference in (rf_reference("2026-101"), fi_reference("2026-101")):
        assert references_in(f"Viite {grouped(reference)} kiitos") == [reference]


def test_the_invoice_mail_asks_for_the_rf_reference_by_default(samples):
    text = samples["en", "invoice"].text
    rf = grouped(rf_reference(number("acme", 1)))
    assert f"  Payment reference: {rf}\n" in text
    assert "By transfer to our bank account, with this reference:" in text
    assert f"<strong>{rf}</strong>" in samples["en", "invoice"].html


@pytest.mark.parametrize(
    ("business", "client", "line"),
    [
        ("fi", None, f"  Payment reference: {grouped(fi_reference('2026-001'))}\n"),
        ("rf", "fi", f"  Payment reference: {grouped(fi_reference('2026-001'))}\n"),
        ("fi", "rf", f"  Payment reference: {grouped(rf_reference('2026-001'))}\n"),
        ("invoice", None, "  Reference: 2026-001\n"),
    ],
)
def test_the_reference_kind_is_the_owners_choice_and_a_client_may_differ(tmp_path, business, client, line):
    base = BASE_CONFIG.replace('bic = "COBADEFFXXX"', f'bic = "COBADEFFXXX"\nreference = "{business}"')
    if client:
        base = base.replace('language = "en"', f'language = "en"\nreference = "{client}"')
    settings = load_settings(write_config(tmp_path, base=base))
    invoice = load_ledger(settings).invoices["2026-001"]
    text = _text(Mailer(settings).build(invoice, "invoice", "<x@muster-design.example>", NOW))
    assert line in text
    if business == "invoice":  # the words of before: the number is the reference
        assert "By transfer to our bank account, with the invoice number as the reference:" in text


def test_a_client_reference_other_than_rf_fi_or_invoice_is_a_problem(tmp_path):
    base = BASE_CONFIG.replace('language = "en"', 'language = "en"\nreference = "iso"')
    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(tmp_path, base=base))
    assert any("reference" in str(p) for p in caught.value.problems)


# --- The GiroCode ----------------------------------------------------------------------------------


def test_the_invoice_mail_carries_a_girocode_a_banking_app_reads(samples):
    sample = samples["en", "invoice"]
    (part,) = _qr_parts(sample.msg)
    png = part.get_payload(decode=True)
    assert png.startswith(b"\x89PNG") and len(png) < 10_000
    code = _decoded(png)
    assert code.format == zxingcpp.BarcodeFormat.QRCode and code.ec_level == "M"
    lines = code.text.split("\n")
    invoice = number("acme", 1)
    assert lines == [
        "BCD", "002", "1", "SCT", "COBADEFFXXX", "Muster Design GmbH", "DE89370400440532013000",
        "EUR940.10", "", rf_reference(invoice),
    ]  # fmt: skip
    assert valid_rf(lines[9]) and len(code.text.encode()) <= 331
    cid = part["Content-ID"].strip("<>")
    assert part.get_content_type() == "image/png" and part.get_content_disposition() == "inline"
    assert f'src="cid:{cid}"' in sample.html
    assert 'alt="QR code for paying from your banking app"' in sample.html
    assert "Scan with your banking app" in sample.html_words
    assert "The HTML version of this email has a QR code to scan with your banking app." in sample.text


def test_a_reminder_of_two_invoices_asks_their_sum_with_both_numbers_as_german_text(samples):
    (part,) = _qr_parts(samples["de", "statement"].msg)
    lines = _decoded(part.get_payload(decode=True)).text.split("\n")
    first, second = number("kaiser", 10), number("kaiser", 11)
    # 1,190.00 + 571.20 (the invoice not yet due is not asked for)
    assert lines[7] == "EUR1761.20" and lines[9] == ""
    assert lines[10] == f"Rechnungen {first}, {second}"


@pytest.mark.parametrize(("language", "words"), [
    ("de", "Rechnung 2026-101"), ("de-AT", "Rechnung 2026-101"), ("fi", "Lasku 2026-101"),
    ("fr", "Facture 2026-101"), ("sr", "Faktura 2026-101"), ("sr-Cyrl", "Faktura 2026-101"),
    ("en", "Invoice 2026-101"), ("nl", "Invoice 2026-101"),
])  # fmt: skip
def test_the_girocodes_text_is_in_the_clients_language_in_the_sepa_character_set(tmp_path, language, words):
    """Without an RF reference (``reference = "invoice"``) the code says which invoice in the
    client's words; a Cyrillic client gets Latin letters, which every SEPA transfer carries."""
    settings = load_settings(write_config(tmp_path))
    payload = qr_payload(settings, "invoice", ["2026-101"], "EUR", Decimal("10.00"), language=language)
    text = payload.split("\n")[10]
    assert text == words
    assert re.fullmatch(r"[A-Za-z0-9/\-?:().,'+ ]{1,140}", text)


@pytest.mark.parametrize("name", ["claim_check", "ack_payment_claimed", "receipt"])
def test_no_qr_code_where_the_mail_asks_for_no_transfer(samples, name):
    for lang in CLIENTS:
        sample = samples[lang, name]
        assert not _qr_parts(sample.msg) and "payqr-" not in sample.html, (lang, name)


def test_the_final_notice_carries_a_girocode_in_every_language(samples):
    for lang in CLIENTS:
        sample = samples[lang, "reminder_final"]
        (part,) = _qr_parts(sample.msg)
        assert _decoded(part.get_payload(decode=True)).text.startswith("BCD\n002\n1\nSCT\n")
        assert f"cid:{part['Content-ID'].strip('<>')}" in sample.html


def test_no_girocode_without_an_iban_or_for_another_currency(tmp_path):
    settings = load_settings(write_config(tmp_path))
    no_iban = settings.model_copy(update={"payment": settings.payment.model_copy(update={"iban": ""})})
    assert qr_payload(settings, "rf", ["2026-001"], "EUR", Decimal("10.00")).startswith("BCD\n")
    assert qr_payload(no_iban, "rf", ["2026-001"], "EUR", Decimal("10.00")) == ""
    assert qr_payload(settings, "rf", ["2026-001"], "USD", Decimal("10.00")) == ""
    assert qr_payload(settings, "rf", ["2026-001"], "RSD", Decimal("10.00")) == ""  # no dinar account


def test_the_girocode_payload_keeps_the_epc_limits():
    long_name = "Ä" * 100
    payload = epc_payload(Transfer(long_name, "DE89370400440532013000", Decimal("5"), text="Invoice 7"))
    assert payload.split("\n")[5] == "Ä" * 70 and payload.split("\n")[7] == "EUR5.00"
    assert payload.split("\n")[9:] == ["", "Invoice 7"]  # unstructured, when no RF reference
    assert payload.split("\n")[4] == ""  # no BIC: allowed in version 002
    assert epc_payload(Transfer("A", "DE89370400440532013000", Decimal("0"))) == ""
    assert epc_payload(Transfer("A", "DE89370400440532013000", Decimal("1000000000"))) == ""
    # 70 two-byte letters and 140 of text, with a BIC: over 331 bytes, so no code at all
    over = Transfer(long_name, "DE89370400440532013000", Decimal("5"), text="ß" * 140, bic="COBADEFFXXX")
    assert epc_payload(over) == ""


# --- The NBS IPS code for dinars ---------------------------------------------------------------------


def test_a_dinar_invoice_gets_an_nbs_ips_code_when_a_dinar_account_is_set(tmp_path):
    base = BASE_CONFIG.replace('bic = "COBADEFFXXX"', f'bic = "COBADEFFXXX"\naccount_rs = "{ACCOUNT_RS}"')
    settings = load_settings(write_config(tmp_path, base=base))
    assert settings.payment.account_rs == "160000000000510005"
    payload = qr_payload(settings, "rf", ["2026-001"], "RSD", Decimal("12345.5"))
    assert payload == (
        "K:PR|V:01|C:1|R:160000000000510005|N:Muster Design|I:RSD12345,50|SF:289"
        "|S:Faktura 2026-001|RO:002026-001"
    )
    assert _decoded(qr_png(payload)).text == payload


def test_a_company_pays_a_dinar_invoice_under_the_goods_and_services_code(tmp_path):
    base = BASE_CONFIG.replace('bic = "COBADEFFXXX"', f'bic = "COBADEFFXXX"\naccount_rs = "{ACCOUNT_RS}"')
    settings = load_settings(write_config(tmp_path, base=base))
    company = qr_payload(settings, "rf", ["2026-001"], "RSD", Decimal("100"), business=True)
    person = qr_payload(settings, "rf", ["2026-001"], "RSD", Decimal("100"))
    assert "|SF:221|" in company and "|SF:289|" in person


def test_an_ips_value_cannot_open_a_field_of_its_own():
    payload = ips_payload(Transfer("A|B", "160000000000510005", Decimal("1"), text="x|RO:99"))
    assert payload == "K:PR|V:01|C:1|R:160000000000510005|N:A B|I:RSD1,00|SF:289|S:x RO:99"


def test_a_dinar_account_with_wrong_check_digits_is_a_problem(tmp_path):
    base = BASE_CONFIG.replace('bic = "COBADEFFXXX"', 'bic = "COBADEFFXXX"\naccount_rs = "160-5100-06"')
    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(tmp_path, base=base))
    assert any("account_rs" in str(p) and "check digits" in str(p) for p in caught.value.problems)


# --- The pay link ----------------------------------------------------------------------------------


def test_the_pay_link_is_a_button_in_html_and_a_line_in_text(samples):
    sample = samples["en", "invoice"]
    link = f"https://pay.muster-design.example/{number('acme', 1)}"
    assert f"Or pay online in a few clicks: {link}\n" in sample.text
    buttons = [re.sub(r"<[^>]+>|\s+", " ", b).strip()
               for b in re.findall(rf'<a href="{re.escape(link)}"[^>]*>(.*?)</a>', sample.html, re.S)]  # fmt: skip
    assert buttons == [
        "Pay now",
        f"Pay invoice {number('acme', 1)}",
    ]  # under the amount, and with the bank details
    final = samples["en", "reminder_final"]
    assert f"https://pay.muster-design.example/{number('acme', 7)}" in final.text
    assert f'<a href="https://pay.muster-design.example/{number("acme", 7)}"' in final.html


# --- The receipt ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(CLIENTS))
def test_the_receipt_states_the_amount_and_the_day_received(samples, lang):
    sample = samples[lang, "receipt"]
    fmt = formatter_for(lang)
    day, amount = fmt.date(date(2026, 12, 4), "full"), fmt.money(Decimal("1231.73"), "EUR")
    for words in (sample.text, sample.html_words):
        assert day in words and amount in words, (lang, words)


# --- The preview in a browser --------------------------------------------------------------------------


def test_a_preview_written_as_html_shows_the_logo_and_the_qr_code_inline(tmp_path):
    logo = qr_png("logo")  # any PNG will do
    config = write_config(
        tmp_path, base=BASE_CONFIG.replace('tax_id = "DE', 'logo = "logo.png"\ntax_id = "DE')
    )
    (tmp_path / "logo.png").write_bytes(logo)
    out = tmp_path / "x.html"
    assert main(["--config", str(config), "preview", "2026-004", "--out", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    assert "cid:" not in html
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == 2
    assert base64.b64decode(images[0]) == logo
    assert _decoded(base64.b64decode(images[1])).text.startswith("BCD\n002\n")
    eml = tmp_path / "x.eml"
    assert main(["--config", str(config), "preview", "2026-004", "--out", str(eml)]) == 0
    assert "cid:" in _html_part(eml.read_bytes())  # the mail itself keeps Content-IDs


def _html_part(raw: bytes) -> str:
    msg = message_from_bytes(raw, policy=email_policy.default)
    part = msg.get_body(("html",))
    assert part is not None
    return part.get_content()


def _text(raw: bytes) -> str:
    msg = message_from_bytes(raw, policy=email_policy.default)
    part = msg.get_body(("plain",))
    assert part is not None
    return part.get_content().replace("\r\n", "\n")
