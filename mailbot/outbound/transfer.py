"""Pure: what a mail asks a client to pay by bank transfer: the reference to write and the
QR code's payload (issue 15, part 4).

The reference is made from the invoice number (``ledger.references``), so nothing is
stored and the matcher (``decide.matching``) reads it back from the bank's statement.
Which kind (``[payment] reference``, ``[clients.x] reference``): ``rf`` (ISO 11649, the
default: every SEPA bank carries it), ``fi`` (the Finnish national reference, what Finnish
clients are used to) or ``invoice`` (the number as it is).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from mailbot.config.settings import Client, Settings
from mailbot.ledger.references import grouped, rf_reference, transfer_reference
from mailbot.outbound.payqr import (
    IPS_PAYMENT_CODE,
    IPS_PAYMENT_CODE_BUSINESS,
    Transfer,
    epc_payload,
    ips_payload,
)


def reference_kind(settings: Settings, client: Client | None) -> str:
    """``rf``, ``fi`` or ``invoice``: the client's own choice, else the business's."""
    own = client.reference if client is not None else None
    return own or settings.payment.reference


def shown_reference(kind: str, numbers: Sequence[str]) -> str:
    """The reference(s) as the mail prints them, grouped as banks print them."""
    return ", ".join(grouped(transfer_reference(kind, n)) for n in numbers)


REMITTANCE = {
    "en": ("Invoice", "Invoices"),
    "de": ("Rechnung", "Rechnungen"),
    "fi": ("Lasku", "Laskut"),
    "fr": ("Facture", "Factures"),
    "sr": ("Faktura", "Fakture"),
}
"""The GiroCode's unstructured remittance ("Rechnung 2026-101") per language, in plain ASCII.

A SEPA credit transfer carries only the Latin character set of EPC217-08 (a-z, A-Z, 0-9 and
``/ - ? : ( ) . , ' +`` and space): the EPC QR code may hold UTF-8 (EPC069-12 v002), but a
bank converts or refuses what its transfer cannot carry, and banking apps differ in how.
So every word here is ASCII, a Serbian client writing Cyrillic (``sr-Cyrl``) gets the Latin
"Faktura", as the dinar IPS code already says, and a language without words here gets
English. Kept beside the payload, not in the catalogs: the words must stay in that set
whatever a translator writes."""


def remittance(language: str, numbers: Sequence[str]) -> str:
    """ "Rechnung 2026-101", "Laskut 2026-101, 2026-102": the numbers after the word in the
    client's ``language`` (``de-AT`` is ``de``, ``sr-Cyrl`` is ``sr``)."""
    one, several = REMITTANCE.get(language.replace("_", "-").split("-")[0].lower(), REMITTANCE["en"])
    return f"{one if len(numbers) == 1 else several} {', '.join(numbers)}"


def qr_payload(settings: Settings, kind: str, numbers: Sequence[str], currency: str, amount: Decimal,
               business: bool = False, language: str = "en") -> str:  # fmt: skip
    """The text of the QR code for paying ``amount`` for ``numbers``, or ``""`` for none.

    EUR with an IBAN: a GiroCode.  Its structured reference is the RF reference of the one
    invoice (also when the mail prints the Finnish one: the matcher reads both), unless the
    owner asked for the bare invoice number; a mail about several invoices, or a number
    with no RF reference, says "Invoices 2026-101, 2026-102" as text, in the client's
    ``language`` (``remittance``).  RSD with a dinar
    account (``account_rs``): an NBS IPS code, its purpose "Faktura 2026-101" ("račun" is the
    bank account in these mails) and its payment code 221 (goods and services) when the
    payer is a ``business`` (the client has a tax id), else 289 (a person's order).  Any
    other currency: none."""
    p = settings.payment
    name = p.account_holder or settings.business.name
    words = remittance(language, numbers)
    if currency == "EUR" and p.iban:
        rf = rf_reference(numbers[0]) if len(numbers) == 1 and kind != "invoice" else ""
        return epc_payload(Transfer(name, p.iban, amount, reference=rf, text=words, bic=p.bic))
    if currency == "RSD" and p.account_rs:
        purpose = ("Faktura " if len(numbers) == 1 else "Fakture ") + ", ".join(numbers)
        reference = numbers[0] if len(numbers) == 1 else ""
        code = IPS_PAYMENT_CODE_BUSINESS if business else IPS_PAYMENT_CODE
        return ips_payload(Transfer(name, p.account_rs, amount, reference, purpose, payment_code=code))
    return ""
