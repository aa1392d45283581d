"""Pure: which open invoice(s) one received payment pays.  Never a guess.

Issue 14, part 4.  A payment (from a bank statement entry or a payment service's
notification) is matched by what its remittance text names first (an invoice number,
an ISO 11649 RF creditor reference or a Finnish national reference of an open
invoice), then by its exact amount equal to one open balance with a payer who is that
invoice's client.  When two invoices fit, the owner decides (``candidates`` lists
them).  A payment in another currency than the invoice is never matched.

This module holds the types the inbox and the statement import share; the rules are
filled in by ``match``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

Outcome = Literal[
    "paid",  # settles one invoice exactly
    "partial",  # less than the named invoice's balance: recorded, the rest stays open
    "several",  # names several open invoices and pays their balances exactly
    "overpaid",  # more than the named invoice's balance: recorded; the owner refunds or credits
    "ambiguous",  # two or more invoices fit: the owner decides
    "other_currency",  # names an invoice in another currency: the owner decides
    "not_open",  # names only invoices that are paid or cancelled: the owner decides
    "unknown",  # fits no open invoice: the owner decides
]
RECORDED: frozenset[Outcome] = frozenset({"paid", "partial", "several", "overpaid"})


@dataclass(frozen=True)
class Received:
    """What a source says arrived on the business's account."""

    amount: Decimal  # in ``currency``; positive
    currency: str  # ISO 4217
    on: date | None  # booked or received on
    payer: str = ""  # the payer's name as the source gives it
    text: str = ""  # remittance information, reference, the payer's note
    payer_email: str = ""  # when the source gives one (PayPal)


@dataclass(frozen=True)
class OpenInvoice:
    number: str
    client_id: str
    names: tuple[str, ...]  # the client's name and its email addresses, as configured
    currency: str
    balance: Decimal  # what is still open, > 0
    references: tuple[str, ...] = ()  # its RF / Finnish references, normalised (no spaces)


@dataclass(frozen=True)
class Settle:
    invoice: str
    amount: Decimal


@dataclass(frozen=True)
class Match:
    outcome: Outcome
    settles: tuple[Settle, ...] = ()  # what to record; empty when the owner decides
    candidates: tuple[str, ...] = ()  # the invoices that fit, for the owner
    how: str = ""  # "invoice number", "reference", "amount and payer": the evidence
    reason: str = ""  # in words, for the owner and the log

    @property
    def recorded(self) -> bool:
        return self.outcome in RECORDED


def match(received: Received, invoices: Sequence[OpenInvoice], closed: frozenset[str] = frozenset()) -> Match:
    """The invoices ``received`` pays; ``closed``: numbers of paid or cancelled invoices."""
    raise NotImplementedError("issue 14 part 4")
