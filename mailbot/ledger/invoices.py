"""Pure: the ledger's invoices as the rest of mailbot reads them (``read`` makes them).

An invoice is its CSV rows grouped: invoice-level columns, its line items, and the
problems found in them (any problem makes it ``invalid``, and only it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from mailbot.config.problems import Problem
from mailbot.ledger import money


@dataclass(frozen=True, slots=True)
class LineItem:
    line: int
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount: Decimal  # percent
    tax_rate: Decimal  # percent
    net: Decimal


@dataclass(slots=True)
class Invoice:
    number: str
    client_id: str
    line: int  # first CSV line of the invoice
    issue_date: date | None = None
    due_date: date | None = None
    currency: str = "EUR"
    po_number: str = ""
    project: str = ""
    note: str = ""
    service_date: date | None = None
    paid_on: date | None = None
    paid_amount: Decimal | None = None
    cancelled: bool = False
    discount_until: date | None = None  # an early-payment discount offered on the invoice
    discount_amount: Decimal = Decimal(0)
    items: list[LineItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    gross: Decimal = field(default=money.ZERO, init=False)
    """The total to pay (``totals.gross``), set from ``items`` when the invoice is made with
    them, and by the parser once its rows are read: every decision pass asks for it, and
    working it out each time is a large share of a pass (benchmarks/README.md). The
    breakdown, ``totals``, is not kept: it would cost much memory for little."""

    def __post_init__(self) -> None:
        if self.items:
            self.gross = self.totals.gross

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def totals(self) -> money.Totals:
        """Nets, taxes and gross per rate: worked out when a mail or a view needs them."""
        return money.totals(((i.net, i.tax_rate) for i in self.items), self.currency)

    @property
    def ledger_paid(self) -> Decimal:
        """What the ledger says was paid: ``paid_amount``, or all of it when only ``paid_on``."""
        if self.paid_amount is not None:
            return self.paid_amount
        return self.gross if self.paid_on else money.ZERO


@dataclass
class Ledger:
    path: Path
    invoices: dict[str, Invoice]
    problems: list[Problem]  # every problem, file-level and per invoice
    by_client: dict[str, list[Invoice]] = field(init=False, repr=False, compare=False)
    """Each client's valid invoices, in ledger order, indexed as the ledger is made: a
    reminder's statement asks for them, and scanning the whole ledger per mail is slow."""

    def __post_init__(self) -> None:
        self.by_client = {}
        for invoice in self.valid():
            self.by_client.setdefault(invoice.client_id, []).append(invoice)

    def valid(self) -> list[Invoice]:
        return [inv for inv in self.invoices.values() if inv.valid]

    def of_client(self, client_id: str) -> list[Invoice]:
        """A client's valid invoices, in ledger order."""
        return self.by_client.get(client_id, [])
