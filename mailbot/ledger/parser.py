"""Pure: the ledger's rows grouped into invoices, each with the problems of its own rows.

Invoice-level columns may stand on every row of an invoice or once, but never disagree;
whole-invoice rules (dates in order, a client, something to pay) are checked once all
its rows are read.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import TypeVar

from mailbot.config.problems import Problem
from mailbot.config.settings import Client, Settings, check_currency
from mailbot.ledger import money
from mailbot.ledger.cells import (
    MAX_AMOUNT,
    RowError,
    check_amount,
    date_cell,
    decimal_cell,
    percent_cell,
    quantity_cell,
    text_cell,
)
from mailbot.ledger.invoices import Invoice, LineItem

INVOICE_COLUMNS = (
    "client", "issue_date", "due_date", "currency", "po_number", "project", "note",
    "service_date", "paid_on", "paid_amount", "status",
)  # fmt: skip
LINE_COLUMNS = ("description", "quantity", "unit_price", "tax_rate", "unit", "discount")
KNOWN_COLUMNS = frozenset(("invoice", *INVOICE_COLUMNS, *LINE_COLUMNS))
_DATE_COLUMNS = ("issue_date", "due_date", "service_date", "paid_on")
_T = TypeVar("_T")
INVOICE_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


class Parser:
    """Groups rows into invoices and collects problems per invoice."""

    def __init__(self, file: str, settings: Settings):
        self.file = file
        self.settings = settings
        self.clients: Mapping[str, Client] = settings.clients
        self.invoices: dict[str, Invoice] = {}
        self.seen: dict[str, dict[str, tuple[str, int]]] = {}  # invoice -> column -> (value, line)
        self.orphans: list[Problem] = []
        self.last = ""  # the invoice of the last row that named one
        self.last_line: dict[str, int] = {}  # invoice -> the last line that named it
        self.values: dict = {}  # see _same

    def add_row(self, line: int, header: list[str], row: list[str]) -> None:
        if not any(cell.strip() for cell in row):
            return  # blank line
        at = header.index("invoice")
        number = row[at].strip() if at < len(row) else ""
        apart = self._apart(line, number)
        if INVOICE_NO.match(number):
            self.last = number
            self.last_line[number] = line
        if len(row) > len(header):
            extra = len(row) - len(header)
            message = f"{extra} more field(s) than the header (an unquoted comma?)"
            self._problem(line, number or self.last, message)
            return
        swallowed = len(row[-1].rstrip().splitlines()) - 1
        if len(row) < len(header) and swallowed:
            message = (
                f"column '{header[len(row) - 1]}': the quote opened on this line is never closed, "
                f"so the next {swallowed} line(s) were read into it"
            )
            self._problem(line, number or self.last, message)
            return
        if not number:
            # Most likely a further line item of the invoice above (a "filled down" number):
            # sending that invoice without this line would bill the wrong total.
            message = "column 'invoice': empty (write the invoice number on every row)"
            self._problem(line, self.last, message)
            return
        values = {name: cell.strip() for name, cell in zip(header, row, strict=False) if name}
        if not INVOICE_NO.match(number):
            message = "column 'invoice': use letters, digits and . _ / - (at most 64)"
            self._problem(line, number, f"{message}: {number!r}")
            return
        if apart:  # reported, and the row still read: a conflict in it is worth saying too
            self._problem(line, number, apart)
        invoice = self.invoices.get(number) or self._new(number, line)
        try:
            for column in KNOWN_COLUMNS & values.keys():
                text_cell(column, values[column])
            self._invoice_fields(invoice, line, values)
            invoice.items.append(self._item(line, values, invoice.currency))
        except RowError as exc:
            invoice.problems.append(Problem(self.file, line, f"invoice {number}: {exc}"))

    def _apart(self, line: int, number: str) -> str:
        """Why this row cannot belong to the invoice it names, or "" when it can.

        Rows of one invoice stand together. A number that comes back after other
        invoices' rows is most likely a number used twice: merging them would bill
        one client for both."""
        if number not in self.invoices or number == self.last:
            return ""
        return (
            f"column 'invoice': {number} was already used up to line {self.last_line[number]}, "
            "with other invoices' rows between (the rows of one invoice stand together; "
            "a number used twice?)"
        )

    def _new(self, number: str, line: int) -> Invoice:
        invoice = Invoice(number=number, client_id="", line=line)
        invoice.currency = self.settings.payment.currency
        self.invoices[number] = invoice
        self.seen[number] = {}
        return invoice

    def _problem(self, line: int, number: str, message: str) -> None:
        if number and INVOICE_NO.match(number):
            invoice = self.invoices.get(number) or self._new(number, line)
            invoice.problems.append(Problem(self.file, line, f"invoice {number}: {message}"))
        else:
            self.orphans.append(Problem(self.file, line, message))

    def _invoice_fields(self, invoice: Invoice, line: int, values: dict[str, str]) -> None:
        """Invoice-level columns may repeat or stand once; they must never disagree."""
        seen = self.seen[invoice.number]
        for column in INVOICE_COLUMNS:
            value = values.get(column, "")
            if not value:
                continue
            if column in seen:
                first, first_line = seen[column]
                if first != value:
                    raise RowError(column, f"{value!r} conflicts with {first!r} on line {first_line}")
                continue
            seen[column] = (self._same(value), line)
            _set_invoice_field(invoice, column, value, self.clients)
            if column in _DATE_COLUMNS:
                setattr(invoice, column, self._same(getattr(invoice, column)))
            elif column == "client":
                invoice.client_id = self._same(invoice.client_id)

    def _item(self, line: int, values: dict[str, str], currency: str) -> LineItem:
        description = self._same(values.get("description", ""))
        if not description:
            raise RowError("description", "empty (say what the client is paying for)")
        quantity = self._same(quantity_cell(values))
        price = self._same(decimal_cell(values, "unit_price", required=True))
        discount = self._same(percent_cell(values, "discount", money.ZERO))
        rate = self._same(percent_cell(values, "tax_rate", self.settings.payment.tax_rate))
        net = money.line_net(quantity, price, discount, currency)
        check_amount("unit_price", "the line's net", net)
        unit = self._same(values.get("unit", ""))
        return LineItem(line, description, quantity, unit, price, discount, rate, net)

    def _same(self, value: _T) -> _T:
        """One object per distinct value (quantities, rates, units, dates repeat on
        thousands of rows): a large ledger then holds far less (benchmarks/README.md)."""
        # Decimal("1.0") == Decimal("1"), but the owner's "1.0" must stay as written.
        key = (Decimal, str(value)) if isinstance(value, Decimal) else value
        return self.values.setdefault(key, value)

    def finish(self) -> dict[str, Invoice]:
        terms = timedelta(days=self.settings.payment.terms_days)
        for invoice in self.invoices.values():
            # The currency may stand on a later row than the first items: round at the end.
            for k, item in enumerate(invoice.items):
                net = money.line_net(item.quantity, item.unit_price, item.discount, invoice.currency)
                if net != item.net or net.as_tuple() != item.net.as_tuple():
                    invoice.items[k] = replace(item, net=net)
            invoice.gross = invoice.totals.gross
            _check_total(invoice, self.file)
            _check_invoice(invoice, self.seen[invoice.number], self.file, terms)
            _offer_discount(invoice, self.settings)
        return self.invoices


def _set_invoice_field(invoice: Invoice, column: str, value: str, clients: Mapping) -> None:
    if column == "client":
        if value not in clients:
            hint = difflib.get_close_matches(value, list(clients), n=1)
            also = f" (did you mean '{hint[0]}'?)" if hint else " (add it under [clients] in the config)"
            raise RowError(column, f"unknown client {value!r}{also}")
        invoice.client_id = value
    elif column in _DATE_COLUMNS:
        setattr(invoice, column, date_cell(column, value))
    elif column == "currency":
        try:
            invoice.currency = check_currency(value)
        except ValueError as exc:
            raise RowError(column, str(exc)) from None
    elif column == "paid_amount":
        invoice.paid_amount = decimal_cell({column: value}, column)
        if invoice.paid_amount is not None and invoice.paid_amount < 0:
            raise RowError(column, "is negative")
    elif column == "status":
        if value.lower() not in ("cancelled", "canceled"):
            raise RowError(column, f"{value!r} is not a status (leave empty or write 'cancelled')")
        invoice.cancelled = True
    else:
        setattr(invoice, column, value)


def _offer_discount(invoice: Invoice, settings: Settings) -> None:
    """The early-payment discount the invoice offers (its exact amount and last day)."""
    offer = settings.chase.early_discount
    if offer.percent and invoice.valid and invoice.issue_date is not None:
        invoice.discount_until = invoice.issue_date + timedelta(days=offer.days)
        share = invoice.gross * offer.percent / money.HUNDRED
        invoice.discount_amount = money.round_money(share, invoice.currency)


def _check_total(invoice: Invoice, file: str) -> None:
    """Each line is below a trillion; a hundred thousand such lines are not."""
    if not invoice.problems and abs(invoice.gross) >= MAX_AMOUNT:
        message = f"invoice {invoice.number}: the total {invoice.gross} is not below {MAX_AMOUNT:,}"
        invoice.problems.append(Problem(file, invoice.line, message))


def _check_invoice(invoice: Invoice, seen: dict, file: str, terms: timedelta) -> None:
    """Whole-invoice rules, reported on the line of the column that breaks them."""

    def problem(column: str, message: str) -> None:
        line = seen.get(column, ("", invoice.line))[1]
        invoice.problems.append(Problem(file, line, f"invoice {invoice.number}: {message}"))

    if invoice.problems:
        return  # a row already failed: its totals would be wrong anyway
    if invoice.issue_date is None:
        problem("issue_date", "column 'issue_date': empty")
        return
    if invoice.due_date is None:
        invoice.due_date = invoice.issue_date + terms
    elif invoice.due_date < invoice.issue_date:
        problem("due_date", f"column 'due_date': {invoice.due_date} is before the issue date")
    if not invoice.client_id:
        problem("client", "column 'client': empty")
    if invoice.paid_amount is not None and invoice.paid_on is None:
        problem("paid_amount", "column 'paid_on': give the date of the payment of paid_amount")
    if not invoice.cancelled and invoice.gross <= 0:
        problem("unit_price", f"the total is {invoice.gross} {invoice.currency}; nothing to invoice")
