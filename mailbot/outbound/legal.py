"""Pure: what the law of the seller's country wants on an invoice, and the VAT note it prints.

Two questions, both answered from the config and the ledger alone (no I/O, no clock):

* ``tax_note``: why a line carries no VAT, in words the client's accountant expects
  (reverse charge, a small-business rule, a customer abroad) and, for a Serbian business
  billing a Serbian VAT payer, that the binding invoice is the one in SEF. The template
  picks the sentence in the client's language from ``TaxNote.kind`` and ``TaxNote.law``.
* ``gaps``: what an invoice would lack under the seller's law (EU VAT directive art. 226,
  German section 14 UStG, Finnish AVL 209 e, Serbian ZPDV art. 42): a table per country
  (``RULES``), each finding naming the config key or ledger line that fixes it.

A finding is a ``problem`` (the invoice is not compliant) only when the owner set
``[business] country``: the rules of a country are applied strictly only once the owner
says that is where the business is; with the country from ``[chase] country`` (the
holidays' country) the same findings are hints, and with neither written in the config
there are none (the default, DE, is no statement about the business).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from mailbot.config.settings import Client, Settings
from mailbot.ledger.read import Invoice
from mailbot.outbound import parties
from mailbot.outbound.parties import EU, Party

NOTE_KINDS = ("reverse_charge", "small_business", "export", "export_goods", "intra_eu_goods")
"""What ``[clients.x] vat_note`` may force, beside ``auto``, ``none`` and the owner's own words.

``auto`` takes every 0 % line abroad for a *service* (mailbot's owners are mostly freelancers
and agencies): ``export`` is a service to a business outside the seller's VAT area, not
taxable where the seller is (place of supply: § 3a Abs. 2 UStG, AVL 65 §, ZPDV čl. 12 st. 4,
art. 44 Directive 2006/112/EC); ``reverse_charge`` a service to an EU business abroad (art. 196).
Goods are a different exemption the owner names per client: ``export_goods`` (an exempt
export delivery: § 4 Nr. 1a with § 6 UStG, AVL 70 §, ZPDV čl. 24 st. 1 tač. 2, art. 146) and
``intra_eu_goods`` (an exempt intra-Community supply to an EU business with a VAT id: § 4
Nr. 1b with § 6a UStG, AVL 72 a §, art. 138). The latter belongs here because its invoice
needs its own words and both VAT ids (§ 14a Abs. 3 UStG, art. 226 (4)) and its e-invoice
category (K) is not a reverse charge's (AE); goods across borders are rarer for these
owners, so neither is guessed."""
WORDED = frozenset({"DE", "FI", "RS"})  # seller countries whose own law the notes cite
EU_ONLY = {"reverse_charge": "export", "intra_eu_goods": "export_goods"}
"""Kinds only an EU seller has, and what they are for a seller outside the EU: a Serbian
business's service to an EU business is no EU reverse charge but a supply whose place is
abroad (ZPDV čl. 12), its goods sent to the EU an export (ZPDV čl. 24)."""
BOTH_IDS = {"reverse_charge": "reverse charge", "intra_eu_goods": "intra-Community supplies"}
"""Kinds whose invoice must carry the seller's and the client's VAT ids (art. 226 (3), (4))."""


@dataclass(frozen=True)
class TaxNote:
    """The VAT note of one invoice. ``kind``: one of ``NOTE_KINDS``, ``text`` (the owner's
    ``text``) or ``""`` (none). ``law``: whose wording
    (``DE``, ``FI``, ``RS``, ``EU`` for another EU country, ``""`` elsewhere). ``sef``: the
    mail is a copy of an invoice issued through Serbia's SEF."""

    kind: str = ""
    law: str = ""
    text: str = ""
    seller_vat: str = ""
    buyer_vat: str = ""
    sef: bool = False


def _law(country: str) -> str:
    return country if country in WORDED else "EU" if country in EU else ""


def auto_kind(seller: Party, buyer: Party, rates: Iterable[Decimal], small_business: bool) -> str:
    """The note the VAT ids and countries call for: a small business always says why it
    charges no VAT; a 0 % line says reverse charge (EU business across a border) or export
    (a buyer outside the seller's VAT area: outside the EU, or any other country for a
    seller outside the EU); a 0 % line at home needs no note (e.g. a pass-through cost)."""
    if small_business:
        return "small_business"
    if not any(rate == 0 for rate in rates):
        return ""
    if parties.reverse_charge(seller, buyer):
        return "reverse_charge"
    a, b = seller.address.country, buyer.address.country
    if a and b and a != b and not (a in EU and b in EU):
        return "export"
    return ""


def tax_note(seller: Party, buyer: Party, rates: Sequence[Decimal], small_business: bool,
             override: str = "auto") -> TaxNote:  # fmt: skip
    """The note for an invoice with lines at ``rates``; ``override``: ``[clients.x] vat_note``
    (an EU-only kind for a seller outside the EU becomes what it is there: ``EU_ONLY``)."""
    choice = override.strip() or "auto"
    if choice == "auto":
        kind, text = auto_kind(seller, buyer, rates, small_business), ""
    elif choice == "none":
        kind, text = "", ""
    elif choice in NOTE_KINDS:
        kind, text = choice, ""
    else:
        kind, text = "text", choice
    country = seller.address.country
    if country not in EU:
        kind = EU_ONLY.get(kind, kind)
    sef = parties.through_sef(seller, buyer)
    return TaxNote(kind, _law(country), text, seller.vat_id, buyer.vat_id, sef)


# The e-invoice's words for the note (BT-120) and its VATEX code (BT-121), per kind and law:
# the seller's statute as its invoices print it, and the Directive's for another EU country.
REASONS: dict[tuple[str, str], str] = {
    ("reverse_charge", "DE"): "Steuerschuldnerschaft des Leistungsempfängers (Reverse charge)",
    ("reverse_charge", "FI"): "Käännetty verovelvollisuus (Reverse charge)",
    ("reverse_charge", "EU"): "Reverse charge (Article 196, Directive 2006/112/EC)",
    ("intra_eu_goods", "DE"): "Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1 Buchst. b, § 6a UStG)",
    ("intra_eu_goods", "FI"): "Veroton yhteisömyynti (AVL 72 a §)",
    ("intra_eu_goods", "EU"): "Exempt intra-Community supply (Article 138, Directive 2006/112/EC)",
    ("export_goods", "DE"): "Steuerfreie Ausfuhrlieferung (§ 4 Nr. 1 Buchst. a, § 6 UStG)",
    ("export_goods", "FI"): "Veroton vientimyynti (AVL 70 §)",
    ("export_goods", "RS"): "Oslobođeno PDV-a, član 24. stav 1. tačka 2) Zakona o PDV-u (izvoz dobara)",
    ("export_goods", "EU"): "Export outside the EU (Article 146, Directive 2006/112/EC)",
    ("export", "DE"): "Nicht im Inland steuerbare Leistung (§ 3a Abs. 2 UStG)",
    ("export", "FI"): "Ei Suomen arvonlisäveroa: myyntimaa ei ole Suomi (AVL 65 §)",
    ("export", "RS"): "PDV nije obračunat, član 12. stav 4. tačka 1) Zakona o PDV-u (mesto prometa "
    "u inostranstvu)",
    ("export", "EU"): "Not taxable in the seller's country: place of supply outside the EU (Article 44, "
    "Directive 2006/112/EC)",
}  # fmt: skip
CATEGORIES = {"reverse_charge": ("AE", "VATEX-EU-AE"), "intra_eu_goods": ("K", "VATEX-EU-IC"),
              "export_goods": ("G", "VATEX-EU-G"), "export": ("G", "")}  # fmt: skip


def vat_category(note: TaxNote, rate: Decimal, seller: Party, buyer: Party, small_business: bool,
                 exemption_note: str = "") -> parties.Category:  # fmt: skip
    """The EN 16931 category of a line at ``rate`` that matches the invoice's note: ``AE``
    reverse charge, ``K`` intra-Community supply (VATEX-EU-IC), ``G`` export (VATEX-EU-G for
    goods, art. 146; a service abroad has no VATEX code of its own outside category ``O``, which
    forbids the VAT ids every other line and the seller's identification need, so it is ``G``
    with the reason alone). The reason is the note's law. Where the parties lack what the
    category's rules ask (BR-AE-02, BR-IC-02, BR-G-02: the seller's or the client's VAT id),
    or the note is none, the owner's words or a small business's, the category follows the VAT
    ids as before (``parties.category``), so the XML stays valid."""
    fallback = parties.category(rate, seller, buyer, small_business, exemption_note)
    if rate > 0 or note.kind not in CATEGORIES or fallback.code == "E":
        return fallback
    code, vatex = CATEGORIES[note.kind]
    needs = {"AE": buyer.vat_id, "K": seller.vat_id and buyer.vat_id, "G": seller.vat_id}[code]
    if not needs:
        return fallback
    return parties.Category(code, REASONS.get((note.kind, note.law), fallback.reason or "Export"), vatex)


def invoice_note(settings: Settings, invoice: Invoice, client: Client) -> TaxNote:
    """``tax_note`` for ``invoice`` to ``client`` as the config has them."""
    rates = [item.tax_rate for item in invoice.items]
    seller, buyer = parties.seller(settings), parties.buyer(settings, client)
    return tax_note(seller, buyer, rates, settings.invoice.small_business, client.vat_note)


# --- What an invoice lacks: the rules per country ---------------------------------------------


@dataclass(frozen=True)
class CountryRules:
    """What the seller's country asks beyond EU art. 226 (the ``""`` entry)."""

    tax_id: str  # how the owner knows the number the invoice must carry
    tax_id_forms: re.Pattern[str]  # accepted forms, spaces removed
    small_amount: Decimal | None  # gross up to which the buyer's name and address may be left out
    registration_id: str = ""  # a company number the invoice must carry ("": none required)
    registration_forms: re.Pattern[str] = re.compile(r".+")
    law: str = "EU VAT directive art. 226"


RULES: dict[str, CountryRules] = {
    "DE": CountryRules(
        "the Steuernummer or USt-IdNr (DE123456789)",
        re.compile(r"DE\d{9}|\d{2,3}/\d{3,4}/\d{4,5}|\d{10,13}"),
        # Kleinbetragsrechnung, § 33 Satz 1 UStDV: 250 EUR gross since 1 Jan 2017 (Zweites
        # Bürokratieentlastungsgesetz, BGBl. I 2017, 2143; UStAE 14.6 Abs. 1). Not for an
        # intra-Community supply (§ 6a) nor a reverse charge (§ 13b): § 33 Satz 3, UStAE 14.6 Abs. 3.
        Decimal(250),
        law="section 14 UStG",
    ),
    "FI": CountryRules(
        "the Y-tunnus (1234567-8) or VAT number (FI12345678)",
        re.compile(r"FI\d{8}|\d{7}-\d"),
        # Kevennetty lasku (simplified invoice) up to 400 EUR incl. VAT: the figure is verified
        # (HE 25/2012 raised it from 250 to 400 EUR; Verohallinto, Laskutusvaatimukset
        # arvonlisäverotuksessa, VH/3634/00.01.00/2023). Its section is AVL 209 f § as far as
        # could be checked (209 e § lists the full contents, 209 g § is authenticity and
        # integrity), not read in Finlex itself: unverified.
        Decimal(400),
        law="AVL 209 e",
    ),
    "RS": CountryRules(
        "the PIB (9 digits)",
        re.compile(r"(?:RS)?\d{9}"),
        # No simplified invoice by amount was found in ZPDV čl. 42 or its bylaws (they let some
        # data be left out in named cases, e.g. retail with a fiscal receipt, not below a sum):
        # the buyer's name and address are always asked. Unverified against paragraf.rs.
        None,
        registration_id="the matični broj (8 digits)",
        registration_forms=re.compile(r"\d{8}"),
        law="ZPDV art. 42",
    ),
    "": CountryRules("the VAT id", re.compile(r".+"), None),
}


@dataclass(frozen=True)
class Gap:
    """One thing an invoice lacks: ``where`` a config key (``["business", "tax_id"]``) or,
    with ``line``, a ledger line; ``problem``: it makes the invoice non-compliant."""

    message: str
    where: tuple[str, ...] = ()
    line: int = 0
    problem: bool = True


def rules_for(country: str) -> CountryRules:
    return RULES.get(country, RULES[""])


def valid_pib(digits: str) -> bool:
    """A Serbian PIB: 9 digits, the last an ISO 7064 MOD 11,10 check digit."""
    if not re.fullmatch(r"\d{9}", digits):
        return False
    carry = 10
    for d in digits[:8]:
        carry = ((carry + int(d)) % 10 or 10) * 2 % 11
    return (11 - carry) % 10 == int(digits[8])


def valid_y_tunnus(text: str) -> bool:
    """A Finnish business id ``1234567-8``: the check digit of weights 7, 9, 10, 5, 8, 4, 2."""
    if not re.fullmatch(r"\d{7}-\d", text):
        return False
    rest = sum(int(d) * w for d, w in zip(text[:7], (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return rest != 1 and (0 if rest == 0 else 11 - rest) == int(text[8])


def _tax_id_gaps(country: str, tax_id: str, rules: CountryRules) -> list[Gap]:
    where = ("business", "tax_id")
    compact = tax_id.replace(" ", "").upper()
    if not compact:
        return [Gap(f"[business] tax_id: every invoice must carry {rules.tax_id} ({rules.law})", where)]
    if not rules.tax_id_forms.fullmatch(compact):
        return [Gap(f"[business] tax_id: {tax_id!r} is not {rules.tax_id}", where)]
    if country == "RS" and not valid_pib(compact.removeprefix("RS")):
        return [Gap(f"[business] tax_id: {tax_id!r} is no PIB: its check digit is wrong", where)]
    if country == "FI" and "-" in compact and not valid_y_tunnus(compact):
        return [Gap(f"[business] tax_id: {tax_id!r} is no Y-tunnus: its check digit is wrong", where)]
    return []


def seller_gaps(settings: Settings) -> list[Gap]:
    """What every invoice of the business lacks: its full address, its tax number, and where
    the country wants it, its company number (``[business] registration_id``)."""
    business = settings.business
    country = parties.seller_country(settings)
    rules = rules_for(country)
    found: list[Gap] = []
    address = parties.address_of(business.address, country)
    if not (address.lines and address.postcode and address.city):
        found.append(Gap("[business] address: every invoice must carry the full address: street, post "
                         f"code and city ({rules.law})", ("business", "address")))  # fmt: skip
    found += _tax_id_gaps(country, business.tax_id, rules)
    number = business.registration_id.replace(" ", "")
    if rules.registration_id and not rules.registration_forms.fullmatch(number):
        why = f"{business.registration_id!r} is not " if number else "every invoice must carry "
        found.append(Gap(f"[business] registration_id: {why}{rules.registration_id} ({rules.law})",
                         ("business", "registration_id")))  # fmt: skip
    return found


def _address_gap(client_id: str, client: Client, rules: CountryRules, invoices: Sequence[Invoice],
                 kinds: dict[str, str]) -> list[Gap]:  # fmt: skip
    """The client's address, on every invoice above the small-amount limit and on a reverse
    charge or an intra-Community supply at any amount (no simplified invoice may bill them:
    § 33 Satz 3 UStDV)."""
    limit = rules.small_amount
    small = [i.number for i in invoices if limit is not None and i.currency == "EUR" and i.gross <= limit]
    above = [i.number for i in invoices if i.number not in small or kinds[i.number] in BOTH_IDS]
    if not above or client.address.strip():
        return []
    why = f" (above {limit} EUR gross)" if limit is not None else ""
    if limit is not None and any(n in small for n in above):
        why = f" (above {limit} EUR gross, and always for {' or '.join(BOTH_IDS.values())})"
    return [Gap(f"[clients.{client_id}] address: invoice {', '.join(above[:3])}"
                f"{' and more' if len(above) > 3 else ''} must name the client's address{why} ({rules.law})",
                ("clients", client_id, "address"))]  # fmt: skip


def client_gaps(settings: Settings, client_id: str, client: Client, invoices: Sequence[Invoice]) -> list[Gap]:
    """What this client's invoices lack: the client's address (``_address_gap``), the VAT ids
    a reverse charge or an intra-Community supply needs, and a hint for a 0 % line to an EU
    business abroad without a VAT id (neither reverse charge nor VAT: the client's VAT id is
    likely missing)."""
    seller, buyer = parties.seller(settings), parties.buyer(settings, client)
    kinds = {i.number: invoice_note(settings, i, client).kind for i in invoices}
    rules = rules_for(parties.seller_country(settings))
    found = _address_gap(client_id, client, rules, invoices, kinds)
    for kind in (k for k in BOTH_IDS if k in kinds.values()):
        if not seller.vat_id:
            why = f"invoices to {client_id} are {BOTH_IDS[kind]} and must carry your VAT id, not a tax number"
            found.append(Gap(f"[business] tax_id: {why}", ("business", "tax_id")))
        if not buyer.vat_id:
            why = f"invoices for {BOTH_IDS[kind]} must carry the client's VAT id"
            found.append(Gap(f"[clients.{client_id}] tax_id: {why}", ("clients", client_id, "tax_id")))
    a, b = seller.address.country, buyer.address.country
    zero = any(item.tax_rate == 0 for i in invoices for item in i.items)
    if zero and a in EU and b in EU and a != b and not buyer.vat_id and not settings.invoice.small_business:
        found.append(Gap(f"[clients.{client_id}] tax_id: 0 % lines to a client in {b} without a VAT id are "
                         "no reverse charge; give the client's VAT id, or charge VAT",
                         ("clients", client_id, "tax_id"), problem=False))  # fmt: skip
    return found


def line_gaps(settings: Settings, invoices: Iterable[Invoice]) -> list[Gap]:
    """Ledger lines that contradict the config: VAT charged by a small business."""
    if not settings.invoice.small_business:
        return []
    return [
        Gap(f"invoice {i.number}: a line at {item.tax_rate} % VAT, but [invoice] small_business = true "
            "charges none (set its tax_rate to 0, or small_business = false)", line=item.line)
        for i in invoices
        for item in i.items
        if item.tax_rate > 0
    ]  # fmt: skip


_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def numbering_gaps(numbers: Iterable[str]) -> list[str]:
    """Numbers missing from each series (same prefix, same width): ``2026-003`` between
    ``2026-002`` and ``2026-004``. Invoices must be numbered sequentially; a gap may be an
    invoice written elsewhere, so this is a hint, never a problem."""
    series: dict[tuple[str, int], set[int]] = {}
    for number in numbers:
        if match := _NUMBERED.match(number):
            prefix, digits = match.groups()
            series.setdefault((prefix, len(digits)), set()).add(int(digits))
    missing = []
    for (prefix, width), found in sorted(series.items()):
        missing += [f"{prefix}{n:0{width}d}" for n in range(min(found), max(found)) if n not in found]
    return missing


def declared(settings: Settings) -> bool:
    """The owner named the business's country: ``[business] country``, or ``[chase] country``
    written in the config (its default, DE, says nothing about where the business is)."""
    return bool(settings.business.country) or "country" in settings.chase.model_fields_set


def gaps(settings: Settings, invoices: Sequence[Invoice]) -> list[Gap]:
    """Everything the business's invoices lack under its country's law (see the module);
    nothing when the owner has not said where the business is."""
    if not declared(settings):
        return []
    strict = bool(settings.business.country)
    found = seller_gaps(settings) + line_gaps(settings, invoices)
    for client_id, client in settings.clients.items():
        mine = [i for i in invoices if i.client_id == client_id and not i.cancelled]
        found += client_gaps(settings, client_id, client, mine)
    if missing := numbering_gaps(i.number for i in invoices):
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        found.append(Gap(f"invoice numbers skip {shown}: invoices are numbered without gaps; if these were "
                         "issued elsewhere, keep them in your records", problem=False))  # fmt: skip
    return [g if strict or not g.problem else Gap(g.message, g.where, g.line, False) for g in found]
