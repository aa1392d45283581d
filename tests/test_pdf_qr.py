"""The payment QR code on the invoice PDF (issue 15, part 4): the same code the mail carries,
printed in the payment area big enough to scan from paper, with a caption in the client's
language.

The code is read back from the PDF itself: the image is taken out of the page (``pypdf``)
and decoded (``zxing-cpp``), and its printed size is the transformation in force where the
page draws it, so a code drawn too small or with another payload fails here.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from email import message_from_bytes
from email import policy as email_policy

import pytest
import zxingcpp
from conftest import BASE_CONFIG, write_config
from pdf_text import pdf_of, pdf_text
from PIL import Image
from pypdf import PdfReader

from mailbot.config.settings import load_settings
from mailbot.ledger.read import load_ledger
from mailbot.ledger.references import rf_reference
from mailbot.outbound.mails import Mailer

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
MM = 72 / 25.4  # points a millimetre
ACCOUNT_RS = "160-5100-05"  # bank 160, account 5100, check digits 05 (mod 97-10)
CLIENTS = """
[clients.beograd]
name = "Beogradska Štamparija d.o.o."
email = "racuni@stamparija.example"
language = "sr"
timezone = "Europe/Belgrade"
einvoice = "none"

[clients.helsinki]
name = "Helsingin Paino Oy"
email = "laskut@paino.example"
language = "fi"
timezone = "Europe/Helsinki"
"""
LEDGER = """\
invoice,client,issue_date,due_date,currency,description,quantity,unit,unit_price,tax_rate,discount
2026-004,kaiser,2026-11-09,2026-11-30,EUR,Geschäftsausstattung,1,Pauschale,850.00,19,
2026-004,kaiser,,,,Fachbuch Typografie,3,Stk.,39.90,7,
2026-005,helsinki,2026-11-09,2026-11-30,EUR,Taitto,4,h,85.50,25.5,
2026-006,beograd,2026-11-09,2026-11-30,RSD,Dizajn plakata,1,kom,120000.00,20,
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdfqr")
    base = BASE_CONFIG.replace('bic = "COBADEFFXXX"', f'bic = "COBADEFFXXX"\naccount_rs = "{ACCOUNT_RS}"')
    settings = load_settings(write_config(folder, CLIENTS, LEDGER, base=base))
    return load_ledger(settings), Mailer(settings)


def _mail_qr(raw: bytes) -> str:
    """The payload of the QR code the mail carries inline (decoded from its PNG)."""
    msg = message_from_bytes(raw, policy=email_policy.default)
    parts = [p for p in msg.walk() if (p["Content-ID"] or "").startswith("<payqr-")]
    assert len(parts) == 1
    return _decode(Image.open(io.BytesIO(parts[0].get_content())))


def _decode(image: Image.Image) -> str:
    found = zxingcpp.read_barcodes(image.convert("L"))
    assert len(found) == 1, found
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    return found[0].text


def _pdf_qr(document: bytes) -> tuple[str, float]:
    """The payload of the one QR code on the PDF's first page and its printed width in mm."""
    page = PdfReader(io.BytesIO(document)).pages[0]
    decoded = []
    for image in page.images:
        found = zxingcpp.read_barcodes(image.image.convert("L"))
        decoded += [(image.name, f.text) for f in found]
    assert len(decoded) == 1, decoded
    name, text = decoded[0]
    return text, _drawn_width(page, name.rsplit(".", 1)[0]) / MM


def _drawn_width(page, name: str) -> float:
    """The width in points at which the page draws image XObject ``name`` (``Do`` under the
    current transformation matrix: an image is a unit square scaled by it)."""
    widths: list[float] = []

    def visit(operator, operands, cm, _tm):
        if operator == b"Do" and operands and str(operands[0]).lstrip("/") == name.lstrip("/"):
            widths.append(abs(cm[0]) or abs(cm[1]))

    page.extract_text(visitor_operand_before=visit)
    assert len(widths) == 1, widths
    return widths[0]


@pytest.mark.parametrize("number", ["2026-004", "2026-005"])
def test_the_pdf_prints_the_girocode_the_mail_carries_big_enough_for_paper(world, number):
    ledger, mailer = world
    raw = mailer.build(ledger.invoices[number], "invoice", f"<qr.{number}@muster-design.example>", NOW)
    in_mail = _mail_qr(raw)
    on_paper, width_mm = _pdf_qr(pdf_of(raw))
    assert on_paper == in_mail
    lines = on_paper.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]
    assert lines[6] == "DE89370400440532013000"  # the IBAN
    assert lines[7] == f"EUR{ledger.invoices[number].totals.gross}"  # the exact amount
    assert lines[9] == rf_reference(number)  # the structured reference
    assert 30 <= width_mm <= 45, width_mm


def test_a_dinar_invoice_pdf_prints_the_nbs_ips_code_the_mail_carries(world):
    ledger, mailer = world
    invoice = ledger.invoices["2026-006"]
    raw = mailer.build(invoice, "invoice", "<qr.rsd@muster-design.example>", NOW)
    on_paper, width_mm = _pdf_qr(pdf_of(raw))
    assert on_paper == _mail_qr(raw)
    assert on_paper.startswith("K:PR|V:01|C:1|R:160000000000510005|")
    assert f"|I:RSD{invoice.totals.gross}|".replace(".", ",") in on_paper
    assert on_paper.endswith("|RO:002026-006")
    assert width_mm >= 30


@pytest.mark.parametrize(
    ("number", "caption"),
    [("2026-004", "Mit Ihrer Banking-App scannen"), ("2026-005", "Koodin voi skannata pankkisovelluksella"),
     ("2026-006", "Skenirajte aplikacijom za mobilno bankarstvo")],
)  # fmt: skip
def test_the_pdf_says_under_the_code_what_to_do_in_the_clients_language(world, number, caption):
    ledger, mailer = world
    page = PdfReader(io.BytesIO(mailer.invoice_pdf(ledger.invoices[number], NOW))).pages[0]
    assert caption in " ".join(page.extract_text().split())


def test_no_code_on_the_pdf_where_the_mail_asks_for_no_transfer(tmp_path):
    base = BASE_CONFIG.replace('iban = "DE89 3704 0044 0532 0130 00"\n', "")
    settings = load_settings(write_config(tmp_path, base=base))
    invoice = next(iter(load_ledger(settings).valid()))
    document = Mailer(settings).invoice_pdf(invoice, NOW)
    images = PdfReader(io.BytesIO(document)).pages[0].images
    assert not [f for i in images for f in zxingcpp.read_barcodes(i.image.convert("L"))]
    assert "Scan with your banking app" not in PdfReader(io.BytesIO(document)).pages[0].extract_text()


def test_a_dinar_invoice_names_the_dinar_account_its_code_pays_into_not_the_eur_iban(world):
    ledger, mailer = world
    raw = mailer.build(ledger.invoices["2026-006"], "invoice", "<rsd.acct@muster-design.example>", NOW)
    msg = message_from_bytes(raw, policy=email_policy.default)
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    paper = pdf_text(raw)
    for shown in (text, html, paper):
        assert "160-0000000005100-05" in shown
        assert "DE89" not in shown and "COBADEFFXXX" not in shown
        assert "2026-006 (model 00)" in shown
    assert "Račun primaoca" in text and "Poziv na broj" in text
