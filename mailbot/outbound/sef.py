"""Pure: the invoice as the UBL 2.1 file a Serbian business uploads to SEF (Sistem e-faktura).

Serbian B2B invoices between VAT payers are legally issued through SEF (the Ministry of
Finance's platform); the mailed invoice is a copy (``legal.tax_note``: ``sef``). SEF takes
UBL 2.1 under its EN 16931 CIUS for domestic trade (``urn:mfin.gov.rs:srbdt:2022``): parties by PIB (endpoint
scheme 9948) and matični broj, the tax point as a code (3: the issue date, 35: the date of
supply), and a reason code for each line without VAT. ``mailbot preview INVOICE --out
FILE.xml`` writes it when a Serbian business bills a Serbian client with a PIB
(``parties.through_sef``; for a client abroad it writes the EN 16931 CII XML).

The amounts are the ledger's (``ledger/money.py``), as in the mail and the CII XML. The
file is checked against the UBL 2.1 XSD, the EN 16931 UBL rules and a community
implementation of the Serbian CIUS's rules (tests/einvoice/README.md); the Ministry publishes
its rules as a document, not as a file to check offline, so SEF has the last word.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from mailbot.config.settings import Client, Settings
from mailbot.ledger.money import round_money
from mailbot.ledger.read import Invoice, LineItem
from mailbot.outbound.parties import Category, Party, buyer, seller
from mailbot.outbound.units import unit_code

UBL = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
NSMAP = {None: UBL, "cac": CAC, "cbc": CBC}
# The 2022 CIUS (the 2021 one is superseded); "#conformant#...srbdtext:2022" only with its extensions.
SRBDT = "urn:cen.eu:en16931:2017#compliant#urn:mfin.gov.rs:srbdt:2022"
VAT_STATUS = "RS-VAT-STATUS"  # the Serbian CIUS's scheme for a PIB outside the VAT system (BT-32)
PIB_SCHEME = "9948"  # SEF: an endpoint named by its PIB
ISSUE_DATE, SUPPLY_DATE = "3", "35"  # UNTDID 2005: when VAT falls due (BT-8)
CREDIT_TRANSFER = "30"
# EN 16931 allows VATEX reason codes only (BR-CL-22); SEF's national codes (PDV-RS-...) are not used.
NOT_REGISTERED = Category("O", "Obveznik nije u sistemu PDV-a (član 33. Zakona o PDV-u)", "VATEX-EU-O")
ABROAD = Category("G", "Promet inostranom primaocu, nije predmet oporezivanja PDV-om u Republici Srbiji",
                  "VATEX-EU-G")  # fmt: skip


def category(rate: Decimal, small_business: bool, foreign: bool) -> Category:
    """SEF's VAT category of a line: ``S`` with VAT, else ``O`` (outside the scope) for a
    business outside the VAT system, ``G`` for a buyer abroad, else ``Z``."""
    if rate > 0:
        return Category("S")
    if small_business:
        return NOT_REGISTERED
    return ABROAD if foreign else Category("Z")


def sef_xml(settings: Settings, invoice: Invoice, client: Client) -> bytes:
    """The UBL 2.1 invoice bytes (UTF-8, with declaration) for upload to SEF."""
    assert invoice.issue_date is not None
    us, them = seller(settings), buyer(settings, client)
    foreign = them.address.country != "RS"
    small = settings.invoice.small_business
    root = etree.Element(f"{{{UBL}}}Invoice", nsmap=NSMAP)
    _cbc(root, "CustomizationID", SRBDT)  # BT-24
    _cbc(root, "ID", invoice.number)  # BT-1
    _cbc(root, "IssueDate", _day(invoice.issue_date))  # BT-2
    if invoice.due_date is not None:
        _cbc(root, "DueDate", _day(invoice.due_date))  # BT-9
    _cbc(root, "InvoiceTypeCode", "380")  # BT-3
    for note in (invoice.note.strip(), settings.business.legal_note.strip()):
        if note:
            _cbc(root, "Note", note)  # BT-22
    _cbc(root, "DocumentCurrencyCode", invoice.currency)  # BT-5
    _cbc(root, "BuyerReference", client.buyer_reference or invoice.po_number or invoice.number)  # BT-10
    period = _cac(root, "InvoicePeriod")
    _cbc(period, "DescriptionCode", SUPPLY_DATE if invoice.service_date else ISSUE_DATE)  # BT-8
    if invoice.po_number:
        _cbc(_cac(root, "OrderReference"), "ID", invoice.po_number)  # BT-13
    # Outside the VAT system (O) no VAT id may be given (BR-O-02): the PIB is a tax number.
    _party(_cac(root, "AccountingSupplierParty"), us, settings.business.registration_id, not small)  # BG-4
    _party(_cac(root, "AccountingCustomerParty"), them, "", not small)  # BG-7
    if invoice.service_date is not None:
        _cbc(_cac(root, "Delivery"), "ActualDeliveryDate", _day(invoice.service_date))  # BT-72
    _payment(root, settings, invoice)
    _tax_total(root, invoice, small, foreign)
    _totals(root, invoice)
    for number, item in enumerate(invoice.items, 1):
        _line(root, number, item, category(item.tax_rate, small, foreign), invoice.currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _party(parent: etree._Element, party: Party, registration_id: str, vat: bool) -> None:
    element = _cac(parent, "Party")
    pib = party.tax_id.replace(" ", "").upper().removeprefix("RS")
    if party.address.country == "RS" and pib:
        _cbc(element, "EndpointID", pib).set("schemeID", PIB_SCHEME)  # BT-34, BT-49
    elif party.email:
        _cbc(element, "EndpointID", party.email).set("schemeID", "EM")
    _cbc(_cac(element, "PartyName"), "Name", party.name)  # BT-28, BT-45
    address = _cac(element, "PostalAddress")  # BG-5, BG-8
    a = party.address
    if a.lines:
        _cbc(address, "StreetName", a.lines[0])
    if a.city:
        _cbc(address, "CityName", a.city)
    if a.postcode:
        _cbc(address, "PostalZone", a.postcode)
    _cbc(_cac(address, "Country"), "IdentificationCode", a.country)
    vat_id = f"RS{pib}" if party.address.country == "RS" and pib else party.vat_id
    if vat_id and vat:  # BT-31, BT-48
        scheme = _cac(element, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", vat_id)
        _cbc(_cac(scheme, "TaxScheme"), "ID", "VAT")
    elif pib and registration_id:  # BT-32: the seller's PIB as a tax number
        scheme = _cac(element, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", pib)
        _cbc(_cac(scheme, "TaxScheme"), "ID", VAT_STATUS)
    legal = _cac(element, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", party.name)  # BT-27, BT-44
    if registration_id.strip():
        _cbc(legal, "CompanyID", registration_id.strip())  # BT-30: the matični broj
    if party.email:
        _cbc(_cac(element, "Contact"), "ElectronicMail", party.email)


def _payment(root: etree._Element, settings: Settings, invoice: Invoice) -> None:
    p = settings.payment
    account = p.account_rs if invoice.currency == "RSD" and p.account_rs else p.iban.replace(" ", "")
    if not account:
        return
    means = _cac(root, "PaymentMeans")  # BG-16
    _cbc(means, "PaymentMeansCode", CREDIT_TRANSFER)  # BT-81
    _cbc(means, "PaymentID", invoice.number)  # BT-83
    _cbc(_cac(means, "PayeeFinancialAccount"), "ID", account)  # BT-84


def _tax_total(root: etree._Element, invoice: Invoice, small: bool, foreign: bool) -> None:
    totals = invoice.totals
    total = _cac(root, "TaxTotal")
    _money(total, "TaxAmount", totals.tax, invoice.currency)  # BT-110
    for group in totals.taxes:  # BG-23
        sub = _cac(total, "TaxSubtotal")
        _money(sub, "TaxableAmount", group.base, invoice.currency)  # BT-116
        _money(sub, "TaxAmount", group.tax, invoice.currency)  # BT-117
        _tax_category(sub, "TaxCategory", category(group.rate, small, foreign), group.rate, reasons=True)


def _tax_category(parent: etree._Element, tag: str, cat: Category, rate: Decimal, reasons: bool) -> None:
    element = _cac(parent, tag)
    _cbc(element, "ID", cat.code)  # BT-118, BT-151
    if cat.code != "O":  # outside the scope of VAT: no rate (BR-O-05, BR-O-10)
        _cbc(element, "Percent", _number(rate))  # BT-119, BT-152
    if reasons and cat.reason_code:
        _cbc(element, "TaxExemptionReasonCode", cat.reason_code)  # BT-121
    if reasons and cat.reason:
        _cbc(element, "TaxExemptionReason", cat.reason)  # BT-120
    _cbc(_cac(element, "TaxScheme"), "ID", "VAT")


def _totals(root: etree._Element, invoice: Invoice) -> None:
    totals, cur = invoice.totals, invoice.currency
    element = _cac(root, "LegalMonetaryTotal")  # BG-22
    _money(element, "LineExtensionAmount", totals.net, cur)  # BT-106
    _money(element, "TaxExclusiveAmount", totals.net, cur)  # BT-109
    _money(element, "TaxInclusiveAmount", totals.gross, cur)  # BT-112
    _money(element, "PayableAmount", totals.gross, cur)  # BT-115


def _line(root: etree._Element, number: int, item: LineItem, cat: Category, currency: str) -> None:
    """One line (BG-25); a discount is a line allowance (BG-27), as in the CII XML."""
    line = _cac(root, "InvoiceLine")
    _cbc(line, "ID", str(number))  # BT-126
    _cbc(line, "InvoicedQuantity", _number(item.quantity)).set("unitCode", unit_code(item.unit))  # BT-129/130
    _money(line, "LineExtensionAmount", item.net, currency)  # BT-131
    if item.discount:
        gross = round_money(item.quantity * item.unit_price, currency)
        allowance = _cac(line, "AllowanceCharge")
        _cbc(allowance, "ChargeIndicator", "false")
        _cbc(allowance, "AllowanceChargeReasonCode", "95")  # BT-140
        _cbc(allowance, "MultiplierFactorNumeric", _number(item.discount))  # BT-138
        _money(allowance, "Amount", gross - item.net, currency)  # BT-136
        _money(allowance, "BaseAmount", gross, currency)  # BT-137
    product = _cac(line, "Item")
    _cbc(product, "Name", item.description)  # BT-153
    _tax_category(product, "ClassifiedTaxCategory", cat, item.tax_rate, reasons=False)
    _cbc(_cac(line, "Price"), "PriceAmount", _number(item.unit_price)).set("currencyID", currency)  # BT-146


def _cac(parent: etree._Element, tag: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{CAC}}}{tag}")


def _cbc(parent: etree._Element, tag: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{CBC}}}{tag}")
    element.text = text
    return element


def _money(parent: etree._Element, tag: str, value: Decimal, currency: str) -> None:
    _cbc(parent, tag, format(value, "f")).set("currencyID", currency)


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _day(day: date) -> str:
    return day.isoformat()
