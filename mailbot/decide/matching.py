"""Pure: which open invoice(s) one received payment pays.  Never a guess.

Issue 14, part 4.  A payment (from a bank statement entry or a payment service's
notification) is matched by what its remittance text names first (an invoice number,
an ISO 11649 RF creditor reference or a Finnish national reference of an open
invoice), then by its exact amount equal to one open balance with a payer who is that
invoice's client.  When two invoices fit, the owner decides (``candidates`` lists
them).  A payment in another currency than the invoice is never matched.

What is named is read from the text as whole tokens (an invoice number, as
``inbound.bank`` always did) and as references (``ledger.references.references_in``).
A reference two open invoices share (see ``ledger.references`` on collisions) names
neither: the owner decides.  ``Book`` indexes the open invoices once (by number,
reference and (currency, balance)) so a statement of 10,000 entries is not 10,000 scans,
and follows the balances the payments it records leave: the second entry for one
invoice sees what the first left.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from mailbot.decide.payers import keys_of, payer_is
from mailbot.ledger.references import references_in, references_of, valid_rf
from mailbot.records.said import Said, Value, said

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
    said: Said | None = None  # ``reason`` as message and values, for the owner's language

    @property
    def recorded(self) -> bool:
        return self.outcome in RECORDED


# Why a payment was not placed (or was, with a remainder), in words the owner's mail translates.
SHARED_REFERENCE = "reference %(ref)s belongs to several open invoices: %(invoices)s"
NOT_OPEN = "names only invoices that are not open (paid or cancelled): %(invoices)s"
FITS_SEVERAL = "names no open invoice; its amount and payer fit several: %(invoices)s"
FITS_NOTHING = "names no open invoice and fits no open balance of its payer"
FITS_ANOTHER_PAYER = FITS_NOTHING + "; the amount fits %(invoices)s of another payer"
OTHER_CURRENCY = "is in %(currency)s, %(invoices)s; never matched automatically"
NOT_THEIR_TOTAL = "names %(invoices)s, but %(amount)s %(currency)s is not their open total %(total)s"
NO_PAYMENT = "%(amount)s %(currency)s is no payment"
OVERPAID = "%(amount)s %(currency)s more than was open on %(invoice)s: refund or credit it"
REASONS = (SHARED_REFERENCE, NOT_OPEN, FITS_SEVERAL, FITS_ANOTHER_PAYER, FITS_NOTHING, OTHER_CURRENCY,
           NOT_THEIR_TOTAL, NO_PAYMENT, OVERPAID)  # fmt: skip


def _why(message: str, **values: Value) -> dict[str, Any]:
    """A match's ``reason`` (English, for the record and the log) and its ``said``."""
    words = said(message, **values)
    return {"reason": words.english(), "said": words}


def match(
    received: Received, invoices: Sequence[OpenInvoice] | Book, closed: frozenset[str] = frozenset()
) -> Match:
    """The invoices ``received`` pays; ``closed``: numbers of paid or cancelled invoices.
    For many payments, build a ``Book`` once and pass it (``closed`` is then its own)."""
    book = invoices if isinstance(invoices, Book) else Book(invoices, closed)
    return book.match(received)


_TOKEN = re.compile(r"(?<![\w/-])([A-Za-z0-9][A-Za-z0-9._/-]{0,63})")


def numbers_in(text: str, numbers: set[str] | frozenset[str] | dict[str, OpenInvoice]) -> list[str]:
    """The invoice numbers written in ``text`` as whole tokens, in order, each once."""
    found: dict[str, None] = {}
    for token in _TOKEN.findall(text):
        token = token.rstrip(".,;:)")
        if token in numbers:
            found[token] = None
    return list(found)


def _kind(ref: str) -> str:
    return "RF reference" if valid_rf(ref) else "Finnish reference"


class Book:
    """The open invoices, indexed once for many payments; ``record`` keeps balances current."""

    def __init__(self, invoices: Iterable[OpenInvoice], closed: Iterable[str] = ()) -> None:
        self.open: dict[str, OpenInvoice] = {}
        self.closed: set[str] = set(closed)
        self._by_ref: dict[str, list[str]] = {}
        self._by_amount: dict[tuple[str, Decimal], dict[str, None]] = {}
        self._keys: dict[tuple[str, ...], frozenset[str]] = {}
        self._closed_refs: dict[str, list[str]] | None = None
        for invoice in invoices:
            self.open[invoice.number] = invoice
            for ref in invoice.references or references_of(invoice.number):
                self._by_ref.setdefault(ref, []).append(invoice.number)
            self._by_amount.setdefault((invoice.currency, invoice.balance), {})[invoice.number] = None

    def match(self, received: Received) -> Match:
        named, hows, shared = self._named(received.text)
        if shared:
            ref, numbers = shared
            return Match(
                "ambiguous",
                candidates=tuple(numbers),
                how=f"{_kind(ref)} {ref}",
                **_why(SHARED_REFERENCE, ref=ref, invoices=", ".join(numbers)),
            )
        how = "; ".join(hows)
        if named:
            return _named_match(received, [self.open[n] for n in named], how)
        closed = self._named_closed(received.text)
        if closed:
            return Match(
                "not_open",
                candidates=tuple(closed),
                how="a closed invoice named",
                **_why(NOT_OPEN, invoices=", ".join(closed)),
            )
        return self._by_amount_and_payer(received)

    def record(self, found: Match) -> None:
        """What ``found`` settles is paid: balances go down; a settled invoice is closed."""
        for settle in found.settles:
            invoice = self.open.get(settle.invoice)
            if invoice is None:
                continue
            bucket = self._by_amount.get((invoice.currency, invoice.balance), {})
            bucket.pop(invoice.number, None)
            left = invoice.balance - settle.amount
            if left > 0:
                self.open[invoice.number] = replace(invoice, balance=left)
                self._by_amount.setdefault((invoice.currency, left), {})[invoice.number] = None
                continue
            del self.open[invoice.number]
            self.closed.add(invoice.number)
            for ref in invoice.references or references_of(invoice.number):
                self._by_ref[ref] = [n for n in self._by_ref.get(ref, []) if n != invoice.number]
                if self._closed_refs is not None:
                    self._closed_refs.setdefault(ref, []).append(invoice.number)

    def _named(self, text: str) -> tuple[list[str], list[str], tuple[str, list[str]] | None]:
        """Open invoices named by number or reference, how each was, and a shared reference."""
        named: dict[str, None] = {}
        hows: list[str] = []
        for number in numbers_in(text, self.open):
            named[number] = None
            hows.append(f"invoice number {number}")
        for ref in references_in(text):
            numbers = self._by_ref.get(ref, [])
            if len(numbers) > 1:
                return [], [], (ref, numbers)
            if numbers and numbers[0] not in named:
                named[numbers[0]] = None
                hows.append(f"{_kind(ref)} {ref}")
        return list(named), hows, None

    def _named_closed(self, text: str) -> list[str]:
        found = numbers_in(text, self.closed)
        refs = references_in(text)
        if refs and self._closed_refs is None:
            self._closed_refs = {}
            for number in self.closed:
                for ref in references_of(number):
                    self._closed_refs.setdefault(ref, []).append(number)
        for ref in refs:
            found += [n for n in (self._closed_refs or {}).get(ref, []) if n not in found]
        return found

    def _by_amount_and_payer(self, received: Received) -> Match:
        same = list(self._by_amount.get((received.currency, received.amount), {}))
        theirs = [
            n for n in same if payer_is(self._client_keys(self.open[n]), received.payer, received.payer_email)
        ]
        if len(theirs) == 1:
            invoice = self.open[theirs[0]]
            return Match(
                "paid", (Settle(invoice.number, received.amount),), (invoice.number,), "amount and payer"
            )
        if theirs:
            return Match(
                "ambiguous",
                candidates=tuple(theirs),
                how="amount and payer",
                **_why(FITS_SEVERAL, invoices=", ".join(theirs)),
            )
        why = _why(FITS_ANOTHER_PAYER, invoices=", ".join(same)) if same else _why(FITS_NOTHING)
        return Match("unknown", candidates=tuple(same), **why)

    def _client_keys(self, invoice: OpenInvoice) -> frozenset[str]:
        keys = self._keys.get(invoice.names)
        if keys is None:
            keys = self._keys[invoice.names] = keys_of(invoice.names)
        return keys


def _currencies(invoices: list[OpenInvoice]) -> str:
    return ", ".join(f"{i.number} in {i.currency}" for i in invoices)


def _named_match(received: Received, invoices: list[OpenInvoice], how: str) -> Match:
    numbers = tuple(i.number for i in invoices)
    foreign = [i for i in invoices if i.currency != received.currency]
    if foreign:
        return Match(
            "other_currency",
            candidates=numbers,
            how=how,
            **_why(OTHER_CURRENCY, currency=received.currency, invoices=_currencies(foreign)),
        )
    if len(invoices) > 1:
        total = sum((i.balance for i in invoices), Decimal(0))
        if received.amount == total:
            return Match("several", tuple(Settle(i.number, i.balance) for i in invoices), numbers, how)
        return Match(
            "ambiguous",
            candidates=numbers,
            how=how,
            **_why(
                NOT_THEIR_TOTAL,
                invoices=", ".join(numbers),
                amount=received.amount,
                currency=received.currency,
                total=total,
            ),
        )
    invoice = invoices[0]
    settles = (Settle(invoice.number, received.amount),)
    if received.amount == invoice.balance:
        return Match("paid", settles, numbers, how)
    if received.amount <= 0:
        return Match("unknown", candidates=numbers, how=how,
                     **_why(NO_PAYMENT, amount=received.amount, currency=received.currency))  # fmt: skip
    if received.amount < invoice.balance:
        left = invoice.balance - received.amount
        return Match(
            "partial", settles, numbers, how, f"{left} {invoice.currency} of {invoice.number} stays open"
        )
    more = received.amount - invoice.balance
    why = _why(OVERPAID, amount=more, currency=invoice.currency, invoice=invoice.number)
    return Match("overpaid", settles, numbers, how, **why)
