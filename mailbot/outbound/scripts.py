"""Pure: the business's own data as the client reads it (``[business.sr-Cyrl]``).

A client whose ``language`` is ``sr-Cyrl`` reads every word of the mail in Cyrillic; the
seller's name, address and bank in Latin letters among them look careless (many Serbian
companies write their name in Cyrillic), and SpamAssassin's ``MIXED_ES`` counts such a mail
as one mixing two alphabets to trick a filter.  The owner writes that data once more in
``[business.sr-Cyrl]``; each value left out is the ``[business]`` or ``[payment]`` one.

Only what a person reads takes them: the mail, its From name, its PDF.  The e-invoice XML
(ZUGFeRD/XRechnung, SEF's UBL) keeps ``[business]``: EN 16931 BT-27 is the seller's name
"by which the seller is registered", and SEF knows the seller by its PIB and registered
name, whatever alphabet the mail uses.  The payment QR codes keep ``[payment]`` too: a
payer's bank may compare the payee's name with the account's holder (SEPA's verification
of payee) and EPC's QR code allows Latin letters only.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailbot.config.sections import CYRILLIC, BusinessAsWritten
from mailbot.config.settings import Settings


@dataclass(frozen=True)
class Seller:
    """The seller as one client's mail names it."""

    name: str
    address: str
    legal_note: str
    account_holder: str  # the payee beside the bank account
    bank: str


def reads_cyrillic(language: str) -> bool:
    """A client whose mails are in Serbian Cyrillic (``sr-Cyrl``, also written ``sr_Cyrl``)."""
    return language.replace("_", "-") == CYRILLIC


def seller_for(settings: Settings, language: str) -> Seller:
    """The seller in the words of a client writing ``language``: ``[business.sr-Cyrl]``
    for a Cyrillic reader, key by key, else the registered ``[business]``/``[payment]`` data.
    The payee falls back to ``[payment] account_holder``, else the registered name: never to
    the Cyrillic name, which the bank may not know the account by."""
    b, p = settings.business, settings.payment
    own = b.sr_cyrl if reads_cyrillic(language) else BusinessAsWritten()
    return Seller(
        name=own.name or b.name,
        address=own.address or b.address,
        legal_note=own.legal_note or b.legal_note,
        account_holder=own.account_holder or p.account_holder or b.name,
        bank=own.bank or p.bank,
    )
