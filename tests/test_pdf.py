"""The invoice's PDF: PDF/A-3 with its e-invoice inside, in the client's language, on the invoice mail."""

from __future__ import annotations

import io
import socket
from datetime import UTC, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from babel.messages.extract import extract as babel_extract
from babel.messages.pofile import read_po
from conftest import ROOT, write_config
from einvoice_check import all_errors, schematron_errors, xsd_errors
from lxml import etree
from pypdf import PdfReader

from mailbot.cli.main import main
from mailbot.config.settings import load_settings
from mailbot.ledger.read import load_ledger
from mailbot.ledger.references import rf_reference
from mailbot.outbound import pdf
from mailbot.outbound.compose import Envelope, Extras, FileAttachment, Rendered, Threading, compose
from mailbot.outbound.einvoice import NSMAP, amounts
from mailbot.outbound.i18n import formatter_for
from mailbot.outbound.mails import Mailer
from mailbot.outbound.sources import default_templates

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
CLIENTS = """
[clients.amt]
name = "Stadt Musterhausen"
email = "rechnung@musterhausen.example"
address = "Rathausplatz 1\\n12345 Musterhausen"
language = "de"
timezone = "Europe/Berlin"
einvoice = "xrechnung"
buyer_reference = "04011000-12345-67"

[clients.plain]
name = "Plain Ltd"
email = "ap@plain.example"
language = "en"
timezone = "Europe/Berlin"
einvoice = "none"

[clients.nopdf]
name = "No Paper GmbH"
email = "ap@nopaper.example"
language = "de"
timezone = "Europe/Berlin"
attach_pdf = false
"""
LEDGER = """\
invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,discount
2026-004,kaiser,2026-11-09,2026-11-30,Geschäftsausstattung,1,Pauschale,850.00,19,
2026-004,kaiser,,,Fachbuch Typografie,3,Stk.,39.90,7,
2026-004,kaiser,,,Beratung,2.5,Std.,120.00,19,5
2026-040,amt,2026-11-09,2026-12-09,Plakatgestaltung,1,Pauschale,640.00,19,
2026-050,plain,2026-11-09,2026-11-23,Illustration,2,pcs,180.00,19,
2026-060,nopdf,2026-11-09,2026-11-23,Illustration,2,Stk.,180.00,19,
""" + "".join(f"2026-070,acme,2026-11-09,2026-11-23,Task {i}: a longer description of the work done,1,h,95.00,19,\n"
              for i in range(60))  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    (folder / "logo.png").write_bytes((ROOT / "config" / "logo.png").read_bytes())
    config = write_config(folder, CLIENTS, LEDGER)
    own = 'tax_id = "DE123456789"\nlogo = "logo.png"\nphone = "+49 30 1234567"'
    config.write_text(config.read_text().replace('tax_id = "DE123456789"', own, 1))
    settings = load_settings(config)
    return settings, load_ledger(settings), Mailer(settings)


@pytest.fixture(scope="module")
def kaiser_mail(world):
    _settings, ledger, mailer = world
    return mailer.build(ledger.invoices["2026-004"], "invoice", "<pdf.test@muster-design.example>", NOW)


def _files(raw: bytes) -> dict[str, bytes]:
    msg = message_from_bytes(raw, policy=policy.default)
    return {
        p.get_filename(): p.get_content() for p in msg.walk() if p.get_content_disposition() == "attachment"
    }


def _embedded(document: bytes) -> tuple[PdfReader, dict]:
    reader = PdfReader(io.BytesIO(document))
    root = reader.trailer["/Root"]
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    specs = {names[i]: names[i + 1].get_object() for i in range(0, len(names), 2)}
    return reader, specs


def test_the_invoice_mail_carries_its_pdf_named_in_the_clients_language(kaiser_mail):
    files = _files(kaiser_mail)
    assert list(files) == ["Rechnung-2026-004.pdf"]
    assert files["Rechnung-2026-004.pdf"].startswith(b"%PDF-")


def test_the_pdf_is_pdfa3_shaped_with_the_einvoice_embedded_as_factur_x_xml(kaiser_mail):
    reader, specs = _embedded(_files(kaiser_mail)["Rechnung-2026-004.pdf"])
    root = reader.trailer["/Root"]
    assert list(specs) == ["factur-x.xml"]
    spec = specs["factur-x.xml"]
    assert spec["/AFRelationship"] == "/Alternative"
    assert [a.get_object() for a in root["/AF"]] == [spec]
    assert spec["/EF"]["/F"].get_object()["/Subtype"] == "/text/xml"
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert "<pdfaid:part>3</pdfaid:part>" in xmp and "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" in xmp  # the Factur-X extension schema
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"  # sRGB, as PDF/A wants


def test_the_embedded_xml_is_valid_and_says_what_the_mail_says(world, kaiser_mail):
    _settings, ledger, _mailer = world
    _reader, specs = _embedded(_files(kaiser_mail)["Rechnung-2026-004.pdf"])
    xml = specs["factur-x.xml"]["/EF"]["/F"].get_object().get_data()
    assert all_errors(xml) == []
    text = message_from_bytes(kaiser_mail, policy=policy.default).get_body(("plain",)).get_content()
    fmt = formatter_for("de")
    root = etree.fromstring(xml)
    found = amounts(root)
    invoice = ledger.invoices["2026-004"]
    for key in ("LineTotalAmount", "GrandTotalAmount"):  # (and the tax of each rate, below)
        assert fmt.money(Decimal(found[key]), "EUR") in text, key
    for tax in root.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NSMAP):
        line = "USt. {} auf {}: {}".format(
            fmt.percent(Decimal(tax.findtext("ram:RateApplicablePercent", "", NSMAP))),
            fmt.money(Decimal(tax.findtext("ram:BasisAmount", "", NSMAP)), "EUR"),
            fmt.money(Decimal(tax.findtext("ram:CalculatedAmount", "", NSMAP)), "EUR"),
        )
        assert line in text
    assert Decimal(found["DuePayableAmount"]) == invoice.gross
    assert root.findtext(".//ram:PaymentReference", None, NSMAP) == rf_reference("2026-004")


def test_the_pdf_text_shows_the_totals_the_reference_and_its_page_numbers(world, kaiser_mail):
    _settings, ledger, _mailer = world
    reader = PdfReader(io.BytesIO(_files(kaiser_mail)["Rechnung-2026-004.pdf"]))
    text = _spaced("\n".join(page.extract_text() for page in reader.pages))
    totals = ledger.invoices["2026-004"].totals
    fmt = formatter_for("de")
    for amount in (totals.net, totals.gross, *(g.tax for g in totals.taxes), *(g.base for g in totals.taxes)):
        assert _spaced(fmt.money(amount, "EUR")) in text
    assert "Gesamtbetrag" in text and "RF" in text and "Seite 1 von 1" in text
    assert "DE89 3704 0044 0532 0130 00" in text


def _spaced(text: str) -> str:
    """No-break spaces as plain ones: whether a PDF's text extraction keeps them depends on
    the font the system gave WeasyPrint (Chromium's Debian package brings other fonts)."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def test_a_long_invoice_numbers_its_pages(world):
    _settings, ledger, mailer = world
    reader = PdfReader(io.BytesIO(mailer.invoice_pdf(ledger.invoices["2026-070"], NOW)))
    pages = len(reader.pages)
    assert pages >= 2
    assert f"Page {pages} of {pages}" in reader.pages[-1].extract_text()
    assert f"Page 1 of {pages}" in reader.pages[0].extract_text()


def test_an_xrechnung_client_also_gets_the_xml_beside_the_pdf(world):
    _settings, ledger, mailer = world
    files = _files(mailer.build(ledger.invoices["2026-040"], "invoice", "<x@muster-design.example>", NOW))
    assert list(files) == ["Rechnung-2026-040.pdf", "2026-040.xml"]
    xml = files["2026-040.xml"]
    assert xsd_errors(xml) + schematron_errors(xml) == []
    assert b"urn:xeinkauf.de:kosit:xrechnung_3.0" in xml
    _reader, specs = _embedded(files["Rechnung-2026-040.pdf"])
    assert b"urn:cen.eu:en16931:2017<" in specs["factur-x.xml"]["/EF"]["/F"].get_object().get_data()


def test_einvoice_none_sends_a_plain_pdf_and_attach_pdf_false_sends_none(world):
    _settings, ledger, mailer = world
    files = _files(mailer.build(ledger.invoices["2026-050"], "invoice", "<y@muster-design.example>", NOW))
    assert list(files) == ["Invoice-2026-050.pdf"]
    assert "/Names" not in PdfReader(io.BytesIO(files["Invoice-2026-050.pdf"])).trailer["/Root"]
    assert (
        _files(mailer.build(ledger.invoices["2026-060"], "invoice", "<z@muster-design.example>", NOW)) == {}
    )


def test_a_reminder_carries_no_pdf(world):
    _settings, ledger, mailer = world
    raw = mailer.build(
        ledger.invoices["2026-004"], "reminder", "<r@muster-design.example>", NOW, tone="friendly"
    )
    assert _files(raw) == {}


def test_a_three_line_invoice_mail_with_the_shipped_logo_stays_under_300_kb(kaiser_mail):
    assert b"image/png" in kaiser_mail
    assert len(kaiser_mail) < 300 * 1024, len(kaiser_mail)


def test_the_pdf_fetches_nothing_from_outside(caplog):
    with socket.socket() as server:  # a listener that would see any request
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        server.settimeout(0.5)
        port = server.getsockname()[1]
        html = f'<p>Hi</p><img src="http://127.0.0.1:{port}/x.png"><img src="file:///etc/hostname">'
        document = pdf.html_to_pdf(html)
        with pytest.raises(TimeoutError):
            server.accept()
    assert document.startswith(b"%PDF-")
    assert "disallowed protocol" in caplog.text


def test_a_file_name_that_is_not_ascii_reads_back_whole():
    envelope = Envelope("Shop", "a@shop.example", ["c@client.example"])
    extras = Extras(files=[FileAttachment("Račun-2026-1.pdf", b"%PDF-1.7 x", "application", "pdf")])
    raw = compose(Rendered("S", "<p>x</p>", "x"), envelope, Threading("<m@shop.example>"), NOW, extras)
    assert raw.isascii()
    assert _files(raw) == {"Račun-2026-1.pdf": b"%PDF-1.7 x"}


def test_preview_out_pdf_writes_the_invoice_pdf(tmp_path):
    config = write_config(tmp_path)
    target = tmp_path / "x.pdf"
    assert main(["--config", str(config), "preview", "2026-004", "--out", str(target)]) == 0
    reader, specs = _embedded(target.read_bytes())
    assert "Rechnung 2026-004" in reader.pages[0].extract_text() and "factur-x.xml" in specs


def _pdf_msgids() -> set[str]:
    found = set()
    for path in (default_templates() / "pdf").rglob("*.html"):
        with path.open("rb") as handle:
            for _line, message, _comments, _context in babel_extract("jinja2", handle, {"_": None, "gettext": None}, [],
                                                     {"extensions": "jinja2.ext.i18n"}):  # fmt: skip
                found.add(message if isinstance(message, str) else message[0])
    return found | {"Invoice-%(number)s.pdf", "Page %(page)s of %(pages)s"}


@pytest.mark.parametrize("language", ["de", "fi", "sr", "sr_Cyrl", "fr"])
def test_every_pdf_word_has_a_translation(language):
    po = default_templates() / "locale" / language / "LC_MESSAGES" / "mailbot.po"
    with po.open("rb") as handle:
        translated = {
            m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id and m.string
        }
    assert len(_pdf_msgids()) > 20
    assert _pdf_msgids() - translated == set()


def test_example_logo_is_shipped_beside_the_example_config():
    assert Path(ROOT / "config" / "logo.png").read_bytes().startswith(b"\x89PNG")


def test_without_a_seller_tax_id_the_pdf_goes_alone_and_check_says_what_is_missing(tmp_path, caplog, capsys):
    config = write_config(tmp_path, '\n[invoice]\neinvoice = "zugferd"\n')
    config.write_text(config.read_text().replace('tax_id = "DE123456789"\n', "", 1))
    settings = load_settings(config)
    mailer = Mailer(settings)
    files = _files(mailer.build(load_ledger(settings).invoices["2026-004"], "invoice", "<t@m.example>", NOW))
    assert list(files) == ["Rechnung-2026-004.pdf"]
    assert "/Names" not in PdfReader(io.BytesIO(files["Rechnung-2026-004.pdf"])).trailer["/Root"]
    assert "no e-invoice, the config lacks [business] tax_id" in caplog.text
    main(["--config", str(config), "check"])
    assert "[clients.kaiser]: no e-invoice until the config has [business] tax_id" in capsys.readouterr().out


def test_an_xrechnung_buyer_without_a_post_code_is_named(world):
    from mailbot.outbound.documents import einvoice_gaps

    settings, _ledger, _mailer = world
    amt = settings.clients["amt"]
    assert einvoice_gaps(settings, amt) == []
    moved = amt.model_copy(update={"address": "Rathausplatz 1"})
    settings = settings.model_copy(update={"clients": {**settings.clients, "amt": moved}})
    assert einvoice_gaps(settings, moved) == [
        "[clients.amt] address: a post code and city (XRechnung: BR-DE-3/4, BR-DE-8/9)"
    ]
    assert einvoice_gaps(settings, moved.model_copy(update={"einvoice": "zugferd"})) == []


def test_without_the_pdf_libraries_the_invoice_still_goes_and_check_says_why(
    world, monkeypatch, tmp_path, capsys
):
    """A fresh machine without Pango: every command works and invoices go without their PDF
    (a held invoice would cost the owner more than a missing attachment); `check` says why."""
    _settings, ledger, mailer = world
    reason = "WeasyPrint cannot load its libraries (no libpango); on Debian: apt-get install ..."
    monkeypatch.setattr(pdf, "missing", lambda: reason)
    raw = mailer.build(ledger.invoices["2026-004"], "invoice", "<nopango@muster-design.example>", NOW)
    assert _files(raw) == {}
    assert b"2026-004" in raw
    config = write_config(tmp_path, CLIENTS, LEDGER)
    main(["--config", str(config), "check"])
    out = capsys.readouterr()
    assert "invoice mails go without their PDF and e-invoice: " + reason in out.out + out.err


def test_a_run_that_mails_pdfs_logs_one_line_per_outcome_not_the_libraries_steps(tmp_path):
    import subprocess
    import sys

    config = write_config(
        tmp_path, CLIENTS, LEDGER.splitlines()[0] + "\n" + "\n".join(LEDGER.splitlines()[1:4])
    )
    done = subprocess.run(
        [sys.executable, "-m", "mailbot", "--config", str(config), "run", "--once"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    lines = [line for line in done.stderr.splitlines() if " INFO " in line or " WARNING " in line]
    assert any("invoice sent to" in line for line in lines), done.stderr
    assert not [line for line in lines if "weasyprint" in line or "factur-x" in line], done.stderr


@pytest.mark.parametrize(("kind", "label"), [("rf", "Zahlungsreferenz"), ("fi", "Zahlungsreferenz"),
                                             ("invoice", "Verwendungszweck")])  # fmt: skip
def test_the_pdf_asks_for_the_reference_the_mail_asks_for(tmp_path, kind, label):
    config = write_config(tmp_path, CLIENTS, LEDGER)
    config.write_text(config.read_text().replace("[payment]\n", f'[payment]\nreference = "{kind}"\n', 1))
    settings = load_settings(config)
    raw = Mailer(settings).build(load_ledger(settings).invoices["2026-004"], "invoice", "<r@m.example>", NOW)
    text = _spaced(
        "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(_files(raw)["Rechnung-2026-004.pdf"])).pages)
    )
    body = message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()
    shown = {"rf": "RF76 2026 004", "fi": None, "invoice": "2026-004"}[kind]
    line = next(line for line in text.splitlines() if line.startswith(label))
    reference = line.removeprefix(label).strip()
    assert reference in body  # the same reference as the mail's
    assert shown is None or reference == shown
    assert kind == "rf" or "RF76" not in text
