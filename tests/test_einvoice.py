"""The EN 16931 e-invoice: valid by the official XSD and schematron, and saying what the mail says."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from conftest import write_config
from einvoice_check import all_errors, schematron_errors, xsd_errors
from lxml import etree

from mailbot.config.settings import load_settings
from mailbot.ledger.read import load_ledger
from mailbot.ledger.references import rf_reference
from mailbot.outbound import parties
from mailbot.outbound.einvoice import NSMAP, amounts, cii_xml
from mailbot.outbound.units import unit_code

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
CLIENTS = """
[clients.wien]
name = "Donau Werbung GmbH"
email = "office@donau-werbung.example"
address = "Mariahilfer Straße 1\\n1060 Wien\\nÖsterreich"
country = "AT"
tax_id = "ATU12345678"
language = "de-AT"
timezone = "Europe/Vienna"

[clients.helsinki]
name = "Saimaa Design Oy"
email = "laskut@saimaa.example"
address = "Mannerheimintie 10\\n00100 Helsinki\\nFinland"
country = "FI"
language = "fi"
timezone = "Europe/Helsinki"

[clients.boston]
name = "Harbor Studio Inc."
email = "ap@harbor.example"
address = "1 Main Street\\nBoston MA 02110\\nUnited States"
country = "US"
language = "en"
timezone = "America/New_York"

[clients.toronto]
name = "Maple Print Ltd."
email = "ap@maple.example"
address = "1 King Street\\nToronto ON M5H 1A1\\nCanada"
country = "CA"
language = "en"
timezone = "America/Toronto"
vat_note = "export_goods"

[clients.graz]
name = "Mur Druck GmbH"
email = "office@murdruck.example"
address = "Hauptplatz 1\\n8010 Graz\\nÖsterreich"
country = "AT"
tax_id = "ATU87654321"
language = "de-AT"
timezone = "Europe/Vienna"
vat_note = "intra_eu_goods"

[clients.amt]
name = "Stadt Musterhausen"
email = "rechnung@musterhausen.example"
address = "Rathausplatz 1\\n12345 Musterhausen"
language = "de"
timezone = "Europe/Berlin"
einvoice = "xrechnung"
buyer_reference = "04011000-12345-67"
"""
LEDGER = """\
invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,discount
2026-004,kaiser,2026-11-09,2026-11-30,Geschäftsausstattung,1,Pauschale,850.00,19,
2026-010,kaiser,2026-11-09,2026-11-30,Gestaltung,7.5,Std.,95.00,19,
2026-001,acme,2026-11-02,2026-11-16,Brand workshop,1,day,1200.00,19,
2026-001,acme,,,Logo design,3,pcs,49.90,19,3
2026-011,kaiser,2026-11-09,2026-11-30,Gestaltung,1,Pauschale,850.00,19,
2026-011,kaiser,,,Fachbuch Typografie,3,Stk.,39.90,7,
2026-011,kaiser,,,Fachbuch Farbe,1,Stk.,12.34,7,
2026-020,wien,2026-11-09,2026-11-30,Markenstrategie,2,Tage,1100.00,0,
2026-030,helsinki,2026-11-09,2026-11-23,Logo redesign,12,h,88.50,25.5,
2026-040,amt,2026-11-09,2026-12-09,Plakatgestaltung,1,Pauschale,640.00,19,
2026-050,boston,2026-11-09,2026-11-30,Brand strategy,2,day,1100.00,0,
2026-060,toronto,2026-11-09,2026-11-30,Printed posters,200,pcs,2.50,0,
2026-070,graz,2026-11-09,2026-11-30,Gedruckte Plakate,200,Stk.,2.50,0,
"""
CASES = {
    "2026-010": "a German domestic invoice",
    "2026-001": "a discounted line",
    "2026-011": "two VAT rates, 19 % and 7 %",
    "2026-020": "reverse charge to an Austrian business",
    "2026-030": "a Finnish client in EUR",
    "2026-050": "a service to a business outside the EU",
    "2026-060": "an export of goods outside the EU",
    "2026-070": "an intra-Community supply of goods",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    settings = load_settings(write_config(tmp_path_factory.mktemp("einvoice"), CLIENTS, LEDGER))
    return settings, load_ledger(settings)


def _xml(world, number: str, profile: str = "en16931") -> bytes:
    settings, ledger = world
    invoice = ledger.invoices[number]
    assert invoice.valid, invoice.problems
    return cii_xml(settings, invoice, settings.clients[invoice.client_id], profile)  # type: ignore[arg-type]


@pytest.mark.parametrize("number", sorted(CASES))
def test_every_case_passes_the_xsd_and_every_en16931_rule(world, number):
    xml = _xml(world, number)
    assert all_errors(xml) == [], CASES[number]


def test_the_xrechnung_passes_the_xsd_and_the_en16931_rules_and_names_its_specification(world):
    xml = _xml(world, "2026-040", "xrechnung")
    assert xsd_errors(xml) + schematron_errors(xml) == []  # (Factur-X's own rules want its profile ids)
    root = etree.fromstring(xml)
    guideline = root.findtext(".//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", None, NSMAP)
    assert guideline == "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    assert root.findtext(".//ram:BuyerReference", None, NSMAP) == "04011000-12345-67"
    contact = root.find(".//ram:SellerTradeParty/ram:DefinedTradeContact", NSMAP)
    assert (
        contact is not None
        and contact.findtext(".//ram:URIID", None, NSMAP) == "billing@muster-design.example"
    )


def test_the_validators_catch_a_broken_invoice(world):
    """The checks above could fail: a wrong total breaks a rule, a missing number the XSD."""
    xml = _xml(world, "2026-011")
    wrong_total = xml.replace(b"<ram:GrandTotalAmount>", b"<ram:GrandTotalAmount>1")
    assert any(e.startswith("BR-CO-15") for e in schematron_errors(wrong_total))
    no_number = xml.replace(b"<ram:TypeCode>380</ram:TypeCode>", b"")
    assert xsd_errors(no_number) or schematron_errors(no_number)


@pytest.mark.parametrize("number", sorted(CASES))
def test_the_xml_totals_tax_and_reference_are_the_ledgers(world, number):
    _settings, ledger = world
    invoice = ledger.invoices[number]
    root = etree.fromstring(_xml(world, number))
    totals = invoice.totals
    found = amounts(root)
    assert Decimal(found["LineTotalAmount"]) == totals.net
    assert Decimal(found["TaxTotalAmount"]) == totals.tax
    assert Decimal(found["GrandTotalAmount"]) == Decimal(found["DuePayableAmount"]) == invoice.gross
    breakdown = root.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NSMAP)
    per_rate = {Decimal(b.findtext("ram:RateApplicablePercent", "", NSMAP)):
                (Decimal(b.findtext("ram:BasisAmount", "", NSMAP)), Decimal(b.findtext("ram:CalculatedAmount", "", NSMAP)))
                for b in breakdown}  # fmt: skip
    assert per_rate == {g.rate: (g.base, g.tax) for g in totals.taxes}
    assert root.findtext(".//ram:PaymentReference", None, NSMAP) == rf_reference(number)
    assert root.findtext(".//ram:IBANID", None, NSMAP) == "DE89370400440532013000"
    assert root.findtext(
        ".//ram:DueDateDateTime/udt:DateTimeString", None, NSMAP
    ) == invoice.due_date.strftime("%Y%m%d")


def test_two_rates_make_two_breakdowns_with_tax_on_each_sum(world):
    root = etree.fromstring(_xml(world, "2026-011"))
    rates = [b.findtext("ram:RateApplicablePercent", "", NSMAP)
             for b in root.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NSMAP)]  # fmt: skip
    assert rates == ["19", "7"]
    # 3 x 39.90 + 12.34 = 132.04 at 7 %: 9.2428 -> 9.24 (on the sum, not per line)
    assert b"<ram:CalculatedAmount>9.24</ram:CalculatedAmount>" in _xml(world, "2026-011")


def test_reverse_charge_to_an_austrian_business_is_ae_at_zero_with_the_reason(world):
    root = etree.fromstring(_xml(world, "2026-020"))
    tax = root.find(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NSMAP)
    assert tax.findtext("ram:CategoryCode", None, NSMAP) == "AE"
    assert tax.findtext("ram:ExemptionReason", None, NSMAP) == (
        "Steuerschuldnerschaft des Leistungsempfängers (Reverse charge)"
    )
    assert tax.findtext("ram:ExemptionReasonCode", None, NSMAP) == "VATEX-EU-AE"
    assert root.findtext(".//ram:BuyerTradeParty//ram:ID[@schemeID='VA']", None, NSMAP) == "ATU12345678"
    assert root.findtext(".//ram:BuyerTradeParty//ram:CountryID", None, NSMAP) == "AT"
    assert root.findtext(".//ram:BuyerTradeParty//ram:CityName", None, NSMAP) == "Wien"
    assert root.find(".//ram:BilledQuantity", NSMAP).get("unitCode") == "DAY"


@pytest.mark.parametrize(("number", "category", "code", "reason"), [
    ("2026-020", "AE", "VATEX-EU-AE", "Steuerschuldnerschaft des Leistungsempfängers (Reverse charge)"),
    ("2026-050", "G", None, "Nicht im Inland steuerbare Leistung (§ 3a Abs. 2 UStG)"),
    ("2026-060", "G", "VATEX-EU-G", "Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1 Buchst. a, § 6 UStG)"),
    ("2026-070", "K", "VATEX-EU-IC", "Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1 Buchst. b, "
                                     "§ 6a UStG)"),
])  # fmt: skip
def test_the_category_reason_and_code_follow_the_invoices_vat_note(world, number, category, code, reason):
    root = etree.fromstring(_xml(world, number))
    for tax in (
        root.find(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NSMAP),
        root.find(".//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax", NSMAP),
    ):
        assert tax.findtext("ram:CategoryCode", None, NSMAP) == category
    header = root.find(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NSMAP)
    assert header.findtext("ram:ExemptionReasonCode", None, NSMAP) == code
    assert header.findtext("ram:ExemptionReason", None, NSMAP) == reason


def test_an_intra_community_supply_names_where_the_goods_go_and_when(world):
    root = etree.fromstring(_xml(world, "2026-070"))
    delivery = root.find(".//ram:ApplicableHeaderTradeDelivery", NSMAP)
    assert delivery.findtext("ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID", None, NSMAP) == "AT"
    when = delivery.findtext(".//ram:OccurrenceDateTime/udt:DateTimeString", None, NSMAP)
    assert when == "20261109"  # no service date in the ledger: the invoice date, as the PDF says
    assert root.findtext(".//ram:BuyerTradeParty//ram:ID[@schemeID='VA']", None, NSMAP) == "ATU87654321"


def test_a_discounted_line_is_an_allowance_that_leaves_the_ledger_net(world):
    _settings, ledger = world
    item = ledger.invoices["2026-001"].items[1]
    root = etree.fromstring(_xml(world, "2026-001"))
    allowance = root.find(".//ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge", NSMAP)
    basis = Decimal(allowance.findtext("ram:BasisAmount", "", NSMAP))
    actual = Decimal(allowance.findtext("ram:ActualAmount", "", NSMAP))
    assert basis - actual == item.net == Decimal("145.21")  # 3 x 49.90 = 149.70, less 3 %


def test_a_small_business_writes_exempt_lines_with_its_note(tmp_path):
    extra = "[invoice]\nsmall_business = true\n"
    ledger = "invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate\n" \
             "2026-050,kaiser,2026-11-09,2026-11-30,Gestaltung,1,,500.00,0\n"  # fmt: skip
    config = write_config(tmp_path, extra, ledger)
    text = config.read_text().replace(
        'tax_id = "DE123456789"',
        'tax_id = "DE123456789"\nlegal_note = "Gemäß § 19 UStG wird keine Umsatzsteuer berechnet."',
    )
    config.write_text(text)
    settings = load_settings(config)
    invoice = load_ledger(settings).invoices["2026-050"]
    xml = cii_xml(settings, invoice, settings.clients["kaiser"])
    assert all_errors(xml) == []
    assert b"<ram:CategoryCode>E</ram:CategoryCode>" in xml
    assert "Gemäß § 19 UStG".encode() in xml


@pytest.mark.parametrize(("unit", "code"), [("day", "DAY"), ("Std.", "HUR"), ("h", "HUR"), ("Stk.", "H87"),
                                            ("pcs", "H87"), ("Pauschale", "C62"), ("", "C62"), ("widgets", "C62")])  # fmt: skip
def test_ledger_units_become_unece_codes(unit, code):
    assert unit_code(unit) == code


@pytest.mark.parametrize(("text", "lines", "postcode", "city", "country"), [
    ("Lindenstraße 12\n10115 Berlin\nGermany", ("Lindenstraße 12",), "10115", "Berlin", "DE"),
    ("Mariahilfer Straße 1\n1060 Wien\nÖsterreich", ("Mariahilfer Straße 1",), "1060", "Wien", "AT"),
    ("Knez Mihailova 5\n11000 Beograd", ("Knez Mihailova 5",), "11000", "Beograd", ""),
    ("10 Downing Street\nLondon SW1A 2AA\nUnited Kingdom", ("10 Downing Street",), "", "London SW1A 2AA", "GB"),
])  # fmt: skip
def test_an_address_written_as_on_a_letter_splits_into_its_parts(text, lines, postcode, city, country):
    address = parties.address_of(text, "")
    assert (address.lines, address.postcode, address.city, address.country) == (
        lines,
        postcode,
        city,
        country,
    )


def test_an_xrechnung_client_without_a_buyer_reference_is_a_config_error(tmp_path):
    from mailbot.config.settings import ConfigError

    extra = '\n[clients.amt]\nname = "Amt"\nemail = "a@amt.example"\neinvoice = "xrechnung"\n'
    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(tmp_path, extra))
    assert "[clients.amt] buyer_reference" in str(caught.value) and "Leitweg-ID" in str(caught.value)
