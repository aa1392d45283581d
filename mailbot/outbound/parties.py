"""Pure: who sells, who buys and which VAT category each line is, as an e-invoice needs them.

The config holds addresses as the owner writes them on a letter ("Lindenstraße 12\\n10115
Berlin\\nGermany"); EN 16931 wants the street, post code, city and country apart. They are
read from the lines here, so the owner writes an address once, for the mail and the XML.

VAT categories (EN 16931, UNCL 5305) follow from the rate on the line and where the two
parties are: a rate above 0 is ``S``; a 0 % line is reverse charge (``AE``) for a business
buyer with a VAT id in another EU country, exempt (``E``) under a small-business rule,
``G`` for a buyer outside the EU, else zero-rated (``Z``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from babel import Locale

from mailbot.config.settings import Client, Settings

EU = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})  # fmt: skip
_POSTCODE_CITY = re.compile(r"^(?:[A-Z]{1,2}[- ])?(\d{3,6}(?: \d{2})?)\s+(\S.*)$")
_VAT_ID = re.compile(r"^(?:[A-Z]{2}|EL)[0-9A-Z+*.]{2,13}$")
REVERSE_CHARGE = "Reverse charge"
EXPORT = "Export outside the EU"
SMALL_BUSINESS = "VAT exempt: small business"


@dataclass(frozen=True)
class Address:
    lines: tuple[str, ...]  # street, building: up to three (BT-35, BT-36, BT-162)
    postcode: str
    city: str
    country: str  # ISO 3166 alpha-2


@dataclass(frozen=True)
class Party:
    name: str
    address: Address
    tax_id: str = ""  # a VAT id (``DE123456789``) or a national tax number
    email: str = ""
    phone: str = ""
    contact: str = ""

    @property
    def vat_id(self) -> str:
        """The tax id when it is a VAT id (BT-31, BT-48), else ``""``."""
        compact = self.tax_id.replace(" ", "").upper()
        return compact if _VAT_ID.match(compact) else ""

    @property
    def tax_number(self) -> str:
        """A national tax number (BT-32) when the tax id is no VAT id."""
        return "" if self.vat_id else self.tax_id


@cache
def _country_names() -> dict[str, str]:
    """Country names in the languages mailbot writes, lower-cased, to their codes."""
    names: dict[str, str] = {}
    for lang in ("en", "de", "fi", "sr_Latn", "sr_Cyrl", "fr"):  # "Србија" too
        for code, name in Locale.parse(lang).territories.items():
            if len(code) == 2 and code.isalpha():
                names[name.lower()] = code
    return names


def address_of(text: str, country: str) -> Address:
    """An address from the owner's lines; a last line naming a country names it."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and lines[-1].lower() in _country_names():
        country = country or _country_names()[lines.pop().lower()]
    postcode = city = ""
    for i in range(len(lines) - 1, -1, -1):
        if match := _POSTCODE_CITY.match(lines[i]):
            postcode, city = match.group(1), match.group(2)
            del lines[i]
            break
    if not city and len(lines) > 1:  # no post code: the last line is the town
        city = lines.pop()
    return Address(tuple(lines[:3]), postcode, city, country.upper())


def seller_country(settings: Settings) -> str:
    return settings.business.country or settings.chase.country


def buyer_country(settings: Settings, client: Client) -> str:
    return client.country or seller_country(settings)


def seller(settings: Settings) -> Party:
    b = settings.business
    address = address_of(b.address, b.country)
    if not address.country:
        address = Address(address.lines, address.postcode, address.city, seller_country(settings))
    return Party(b.name, address, b.tax_id, b.email, b.phone, b.name)


def buyer(settings: Settings, client: Client) -> Party:
    address = address_of(client.address, client.country)
    if not address.country:
        address = Address(address.lines, address.postcode, address.city, buyer_country(settings, client))
    email = client.email[0] if client.email else ""
    return Party(client.name, address, client.tax_id, email, "", client.contact)


@dataclass(frozen=True)
class Category:
    code: str  # UNCL 5305: S, Z, E, AE, G
    reason: str = ""  # the exemption reason (BT-120), for E, AE and G
    reason_code: str = ""  # VATEX (BT-121)


def reverse_charge(seller_party: Party, buyer_party: Party) -> bool:
    """EU business to EU business across a border: the buyer accounts for the VAT."""
    a, b = seller_party.address.country, buyer_party.address.country
    return a in EU and b in EU and a != b and bool(buyer_party.vat_id)


def through_sef(seller_party: Party, buyer_party: Party) -> bool:
    """A Serbian business billing a Serbian business (one with a PIB): the invoice is legally
    issued through SEF, whose CIUS covers domestic trade only; an invoice abroad is not."""
    rs = seller_party.address.country == "RS" and buyer_party.address.country == "RS"
    return rs and bool(buyer_party.tax_id.strip())


def category(rate: Decimal, seller_party: Party, buyer_party: Party, small_business: bool,
             exemption_note: str = "") -> Category:  # fmt: skip
    """The VAT category of a line at ``rate`` between these parties (see the module)."""
    if rate > 0:
        return Category("S")
    if small_business:
        return Category("E", exemption_note or SMALL_BUSINESS)
    if reverse_charge(seller_party, buyer_party):
        return Category("AE", REVERSE_CHARGE, "VATEX-EU-AE")
    if buyer_party.address.country not in EU and seller_party.address.country in EU:
        return Category("G", EXPORT, "VATEX-EU-G")
    return Category("Z")
