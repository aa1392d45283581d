"""Pure: the EN 16931 e-invoice of an invoice, as UN/CEFACT CII D16B XML (lxml, no templates).

One builder writes both profiles: ZUGFeRD 2.x / Factur-X EN 16931 (embedded in the PDF)
and XRechnung 3.0 in CII syntax (attached beside it), which adds the buyer reference
(BT-10), the seller's contact (BG-6) and electronic addresses. The amounts are the
ledger's (``ledger/money.py``: line nets rounded, tax per rate on their sum), the very
numbers the mail shows, so the XML and the mail cannot disagree. The invoice passed in
is the one the mail tells (its due date moved when mailed late).

Comments name the EN 16931 business terms (BT) and groups (BG) each element carries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Literal

from lxml import etree

from mailbot.config.settings import Client, Settings
from mailbot.ledger.money import Totals, round_money
from mailbot.ledger.read import Invoice, LineItem
from mailbot.ledger.references import rf_reference
from mailbot.outbound import legal, parties
from mailbot.outbound.parties import Category, Party
from mailbot.outbound.units import unit_code

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
NSMAP = {"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
EN16931 = "urn:cen.eu:en16931:2017"
XRECHNUNG = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
PEPPOL_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
COMMERCIAL_INVOICE = "380"
SEPA_TRANSFER = "58"
DISCOUNT = "95"  # UNCL 5189: discount

Profile = Literal["en16931", "xrechnung"]


@dataclass(frozen=True)
class Parties:
    seller: Party
    buyer: Party
    small_business: bool = False
    exemption_note: str = ""
    note: legal.TaxNote = field(default_factory=legal.TaxNote)  # the VAT note: category, reason follow it

    def category(self, rate: Decimal) -> Category:
        return legal.vat_category(self.note, rate, self.seller, self.buyer, self.small_business,
                                  self.exemption_note)  # fmt: skip


def parties_of(settings: Settings, client: Client) -> Parties:
    """The seller and buyer from the config, and the owner's VAT regime."""
    return Parties(
        parties.seller(settings), parties.buyer(settings, client),
        settings.invoice.small_business, settings.business.legal_note.strip(),
    )  # fmt: skip


def cii_xml(settings: Settings, invoice: Invoice, client: Client, profile: Profile = "en16931") -> bytes:
    """The invoice as CII XML bytes (UTF-8, with declaration)."""
    who = replace(parties_of(settings, client), note=legal.invoice_note(settings, invoice, client))
    root = cii_tree(invoice, who, settings, client, profile)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def cii_tree(invoice: Invoice, who: Parties, settings: Settings, client: Client,
             profile: Profile) -> etree._Element:  # fmt: skip
    assert invoice.issue_date is not None
    root = etree.Element(_q("rsm", "CrossIndustryInvoice"), nsmap=NSMAP)
    context = _sub(root, "rsm", "ExchangedDocumentContext")
    if profile == "xrechnung":
        _sub(_sub(context, "ram", "BusinessProcessSpecifiedDocumentContextParameter"), "ram", "ID",
             PEPPOL_BILLING)  # fmt: skip
    guideline = XRECHNUNG if profile == "xrechnung" else EN16931
    _sub(_sub(context, "ram", "GuidelineSpecifiedDocumentContextParameter"), "ram", "ID", guideline)  # BT-24
    document = _sub(root, "rsm", "ExchangedDocument")
    _sub(document, "ram", "ID", invoice.number)  # BT-1
    _sub(document, "ram", "TypeCode", COMMERCIAL_INVOICE)  # BT-3
    _date(_sub(document, "ram", "IssueDateTime"), invoice.issue_date)  # BT-2
    for note in _notes(settings, invoice):
        _sub(_sub(document, "ram", "IncludedNote"), "ram", "Content", note)  # BT-22
    transaction = _sub(root, "rsm", "SupplyChainTradeTransaction")
    for number, item in enumerate(invoice.items, 1):
        _line(transaction, number, item, who.category(item.tax_rate), invoice.currency)
    _agreement(transaction, invoice, who, client, profile)
    delivery = _sub(transaction, "ram", "ApplicableHeaderTradeDelivery")
    shipped = any(who.category(item.tax_rate).code == "K" for item in invoice.items)
    if shipped:  # BT-80: an intra-Community supply names the country the goods go to (BR-IC-12)
        _sub(_sub(_sub(delivery, "ram", "ShipToTradeParty"), "ram", "PostalTradeAddress"), "ram", "CountryID",
             who.buyer.address.country)  # fmt: skip
    # BT-72; for an intra-Community supply always (BR-IC-11): the invoice date unless the ledger
    # gives one, as the PDF says ("Same as the invoice date")
    supplied = invoice.service_date or (invoice.issue_date if shipped else None)
    if supplied is not None:
        _date(_sub(_sub(delivery, "ram", "ActualDeliverySupplyChainEvent"), "ram", "OccurrenceDateTime"),
              supplied)  # fmt: skip
    _settlement(transaction, invoice, who, settings)
    return root


def _notes(settings: Settings, invoice: Invoice) -> list[str]:
    notes = [invoice.note.strip()] if invoice.note.strip() else []
    legal = settings.business.legal_note.strip()
    return [*notes, legal] if legal else notes


def _line(parent: etree._Element, number: int, item: LineItem, cat: Category, currency: str) -> None:
    """One invoice line (BG-25): a discount is a line allowance (BG-27), so the net price is
    the ledger's unit price and ``quantity x price - allowance`` is the ledger's line net."""
    line = _sub(parent, "ram", "IncludedSupplyChainTradeLineItem")
    _sub(_sub(line, "ram", "AssociatedDocumentLineDocument"), "ram", "LineID", str(number))  # BT-126
    _sub(_sub(line, "ram", "SpecifiedTradeProduct"), "ram", "Name", item.description)  # BT-153
    price = _sub(_sub(line, "ram", "SpecifiedLineTradeAgreement"), "ram", "NetPriceProductTradePrice")
    _sub(price, "ram", "ChargeAmount", _number(item.unit_price))  # BT-146
    quantity = _sub(_sub(line, "ram", "SpecifiedLineTradeDelivery"), "ram", "BilledQuantity",
                    _number(item.quantity))  # BT-129  # fmt: skip
    quantity.set("unitCode", unit_code(item.unit))  # BT-130
    settlement = _sub(line, "ram", "SpecifiedLineTradeSettlement")
    _tax(settlement, cat, item.tax_rate)  # BT-151, BT-152
    gross = item.quantity * item.unit_price
    if item.discount:
        allowance = _sub(settlement, "ram", "SpecifiedTradeAllowanceCharge")  # BG-27
        _sub(_sub(allowance, "ram", "ChargeIndicator"), "udt", "Indicator", "false")
        _sub(allowance, "ram", "CalculationPercent", _number(item.discount))  # BT-138
        _sub(allowance, "ram", "BasisAmount", _money(round_money(gross, currency)))  # BT-137
        _sub(allowance, "ram", "ActualAmount", _money(round_money(gross, currency) - item.net))  # BT-136
        _sub(allowance, "ram", "ReasonCode", DISCOUNT)  # BT-140
        _sub(allowance, "ram", "Reason", "Discount")  # BT-139
    summation = _sub(settlement, "ram", "SpecifiedTradeSettlementLineMonetarySummation")
    _sub(summation, "ram", "LineTotalAmount", _money(item.net))  # BT-131


def _tax(parent: etree._Element, cat: Category, rate: Decimal) -> None:
    tax = _sub(parent, "ram", "ApplicableTradeTax")
    _sub(tax, "ram", "TypeCode", "VAT")
    _sub(tax, "ram", "CategoryCode", cat.code)
    _sub(tax, "ram", "RateApplicablePercent", _number(rate))


def _agreement(parent: etree._Element, invoice: Invoice, who: Parties, client: Client,
               profile: Profile) -> None:  # fmt: skip
    agreement = _sub(parent, "ram", "ApplicableHeaderTradeAgreement")
    if client.buyer_reference or profile == "xrechnung":
        _sub(agreement, "ram", "BuyerReference", client.buyer_reference or invoice.po_number or "-")  # BT-10
    _party(_sub(agreement, "ram", "SellerTradeParty"), who.seller, contact=profile == "xrechnung")  # BG-4
    _party(_sub(agreement, "ram", "BuyerTradeParty"), who.buyer, contact=False)  # BG-7
    if invoice.po_number:  # BT-13
        _sub(_sub(agreement, "ram", "BuyerOrderReferencedDocument"), "ram", "IssuerAssignedID",
             invoice.po_number)  # fmt: skip


def _party(element: etree._Element, party: Party, contact: bool) -> None:
    _sub(element, "ram", "Name", party.name)  # BT-27, BT-44
    if contact:  # BG-6: XRechnung wants a name, a phone and an address to ask
        person = _sub(element, "ram", "DefinedTradeContact")
        _sub(person, "ram", "PersonName", party.contact or party.name)  # BT-41
        _sub(_sub(person, "ram", "TelephoneUniversalCommunication"), "ram", "CompleteNumber",
             party.phone or "-")  # BT-42  # fmt: skip
        _sub(_sub(person, "ram", "EmailURIUniversalCommunication"), "ram", "URIID", party.email)  # BT-43
    address = _sub(element, "ram", "PostalTradeAddress")  # BG-5, BG-8
    a = party.address
    if a.postcode:
        _sub(address, "ram", "PostcodeCode", a.postcode)  # BT-38, BT-53
    for tag, text in zip(("LineOne", "LineTwo", "LineThree"), a.lines, strict=False):
        _sub(address, "ram", tag, text)  # BT-35, BT-36, BT-162; BT-50, BT-51, BT-163
    if a.city:
        _sub(address, "ram", "CityName", a.city)  # BT-37, BT-52
    _sub(address, "ram", "CountryID", a.country)  # BT-40, BT-55
    if party.email:  # BT-34, BT-49
        uri = _sub(_sub(element, "ram", "URIUniversalCommunication"), "ram", "URIID", party.email)
        uri.set("schemeID", "EM")
    for scheme, value in (("VA", party.vat_id), ("FC", party.tax_number)):  # BT-31/BT-48, BT-32
        if value:
            _sub(_sub(element, "ram", "SpecifiedTaxRegistration"), "ram", "ID", value).set("schemeID", scheme)


def _settlement(parent: etree._Element, invoice: Invoice, who: Parties, settings: Settings) -> None:
    settlement = _sub(parent, "ram", "ApplicableHeaderTradeSettlement")
    reference = rf_reference(invoice.number) or invoice.number
    _sub(settlement, "ram", "PaymentReference", reference)  # BT-83
    _sub(settlement, "ram", "InvoiceCurrencyCode", invoice.currency)  # BT-5
    payment = settings.payment
    if payment.iban:  # BG-16, BG-17
        means = _sub(settlement, "ram", "SpecifiedTradeSettlementPaymentMeans")
        _sub(means, "ram", "TypeCode", SEPA_TRANSFER)  # BT-81
        account = _sub(means, "ram", "PayeePartyCreditorFinancialAccount")
        _sub(account, "ram", "IBANID", payment.iban.replace(" ", ""))  # BT-84
        _sub(account, "ram", "AccountName", payment.account_holder or settings.business.name)  # BT-85
        if payment.bic:
            _sub(_sub(means, "ram", "PayeeSpecifiedCreditorFinancialInstitution"), "ram", "BICID",
                 payment.bic)  # BT-86  # fmt: skip
    totals = invoice.totals
    for group in totals.taxes:  # BG-23
        _breakdown(settlement, who.category(group.rate), group.rate, group.base, group.tax)
    if invoice.due_date is not None:  # BT-9
        terms = _sub(settlement, "ram", "SpecifiedTradePaymentTerms")
        _date(_sub(terms, "ram", "DueDateDateTime"), invoice.due_date)
    _totals(settlement, totals, invoice.currency)


def _breakdown(parent: etree._Element, cat: Category, rate: Decimal, base: Decimal, tax: Decimal) -> None:
    element = _sub(parent, "ram", "ApplicableTradeTax")
    _sub(element, "ram", "CalculatedAmount", _money(tax))  # BT-117
    _sub(element, "ram", "TypeCode", "VAT")
    if cat.reason:
        _sub(element, "ram", "ExemptionReason", cat.reason)  # BT-120
    _sub(element, "ram", "BasisAmount", _money(base))  # BT-116
    _sub(element, "ram", "CategoryCode", cat.code)  # BT-118
    if cat.reason_code:
        _sub(element, "ram", "ExemptionReasonCode", cat.reason_code)  # BT-121
    _sub(element, "ram", "RateApplicablePercent", _number(rate))  # BT-119


def _totals(parent: etree._Element, totals: Totals, currency: str) -> None:
    """BG-22: no document-level allowances or charges, nothing prepaid: net = basis."""
    summation = _sub(parent, "ram", "SpecifiedTradeSettlementHeaderMonetarySummation")
    _sub(summation, "ram", "LineTotalAmount", _money(totals.net))  # BT-106
    _sub(summation, "ram", "TaxBasisTotalAmount", _money(totals.net))  # BT-109
    _sub(summation, "ram", "TaxTotalAmount", _money(totals.tax)).set("currencyID", currency)  # BT-110
    _sub(summation, "ram", "GrandTotalAmount", _money(totals.gross))  # BT-112
    _sub(summation, "ram", "DuePayableAmount", _money(totals.gross))  # BT-115


def _q(prefix: str, tag: str) -> str:
    return f"{{{NSMAP[prefix]}}}{tag}"


def _sub(parent: etree._Element, prefix: str, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(prefix, tag))
    if text is not None:
        element.text = text
    return element


def _date(parent: etree._Element, day: date) -> None:
    _sub(parent, "udt", "DateTimeString", day.strftime("%Y%m%d")).set("format", "102")


def _number(value: Decimal) -> str:
    """A plain decimal, never ``1E+2``: ``100``, ``7.5``, ``49.9``."""
    return format(value.normalize(), "f")


def _money(value: Decimal) -> str:
    """Amounts as the ledger rounded them (two places in EUR), written in full."""
    return format(value, "f")


def amounts(root: etree._Element) -> dict[str, str]:
    """The document totals of a CII tree by element name (for checks and tests)."""
    found = root.find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", NSMAP)
    return {etree.QName(child).localname: child.text or "" for child in _children(found)}


def _children(element: etree._Element | None) -> Iterable[etree._Element]:
    return [] if element is None else list(element)
