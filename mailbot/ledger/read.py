"""Read the owner's invoice ledger (CSV, one row per line item) into typed invoices.

Every problem is reported as ``FILE:LINE: column 'x': ...`` and makes only its
own invoice ``invalid``: one bad row never keeps the other invoices from going
out.  mailbot only ever reads this file.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar

from mailbot.config.problems import Problem
from mailbot.config.settings import Client, Settings, check_currency
from mailbot.ledger import money

REQUIRED = ("invoice", "client", "issue_date", "description", "quantity", "unit_price")
INVOICE_COLUMNS = (
    "client", "issue_date", "due_date", "currency", "po_number", "project", "note",
    "service_date", "paid_on", "paid_amount", "status",
)  # fmt: skip
LINE_COLUMNS = ("description", "quantity", "unit_price", "tax_rate", "unit", "discount")
# Columns whose silent absence would change what the client is asked to pay.
MONEY_COLUMNS = frozenset(
    ("quantity", "unit_price", "tax_rate", "discount", "currency", "due_date", "paid_on",
     "paid_amount", "status")
)  # fmt: skip
KNOWN = frozenset(("invoice", *INVOICE_COLUMNS, *LINE_COLUMNS))
_DATE_COLUMNS = ("issue_date", "due_date", "service_date", "paid_on")
_T = TypeVar("_T")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # as universal newlines split them
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_INVOICE_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


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
    working it out each time costs about 1.3 s a pass over 100,000 invoices. (The breakdown,
    ``totals``, is not kept: on 100,000 invoices it would cost 100 MB.)"""

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
    reminder's statement asks for them, and scanning 100,000 invoices per mail took 50 ms."""

    def __post_init__(self) -> None:
        self.by_client = {}
        for invoice in self.valid():
            self.by_client.setdefault(invoice.client_id, []).append(invoice)

    def valid(self) -> list[Invoice]:
        return [inv for inv in self.invoices.values() if inv.valid]

    def of_client(self, client_id: str) -> list[Invoice]:
        """A client's valid invoices, in ledger order."""
        return self.by_client.get(client_id, [])


class _RowError(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(f"column '{column}': {message}")


def load_ledger(settings: Settings) -> Ledger:
    path = settings.ledger_path
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problem = Problem(str(path), 0, f"cannot read the ledger: {exc.strerror or exc}")
        return Ledger(path, {}, [problem])
    return parse_ledger(raw, path, settings)


def parse_ledger(raw: bytes, path: Path, settings: Settings) -> Ledger:
    """Parse CSV bytes; never raises for bad content, it reports it."""
    file_problems: list[Problem] = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        file_problems.append(
            Problem(str(path), line, "not UTF-8; read as Windows-1252 (save the CSV as UTF-8)")
        )
        # A BOM is UTF-8 even when later bytes are not: it must not glue onto 'invoice'.
        text = raw.removeprefix(codecs.BOM_UTF8).decode("cp1252", errors="replace")
    reader = csv.reader(_lines(text), dialect=_dialect(text))
    # Blank lines above the header (an export of a sheet that starts lower) are skipped.
    header_row = next((row for row in reader if any(cell.strip() for cell in row)), None)
    if header_row is None:
        return Ledger(path, {}, [Problem(str(path), 1, "the ledger is empty (no header row)")])
    header, header_problems = _header(header_row, str(path), reader.line_num)
    file_problems += header_problems
    fatal = ("missing required", "duplicate", "misspelled money column")
    if any(p.message.startswith(fatal) for p in header_problems):
        return Ledger(path, {}, file_problems)
    parser = _Parser(str(path), settings)
    start = reader.line_num + 1
    try:
        for row in reader:
            parser.add_row(start, header, row)
            start = reader.line_num + 1
    except csv.Error as exc:  # e.g. an unclosed quote that swallowed 128 KiB: report, keep the rest
        message = f"cannot read on from this line ({exc}): is a quote opened here never closed?"
        file_problems.append(Problem(str(path), start, message))
    invoices = parser.finish()
    problems = file_problems + parser.orphans + [p for i in invoices.values() for p in i.problems]
    return Ledger(path, invoices, problems)


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their endings, one at a time: ``io.StringIO`` would hold
    the whole ledger again at 4 bytes a character (120 MB for a 100,000-invoice ledger)."""
    for match in _LINE.finditer(text):
        yield match.group()


def _dialect(text: str) -> type[csv.Dialect]:
    """Comma by default; semicolon or tab when the header clearly uses it (Excel exports)."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if first.count(";") > first.count(","):
        return _Semicolon
    if first.count("\t") > first.count(","):
        return csv.excel_tab
    return csv.excel


class _Semicolon(csv.excel):
    delimiter = ";"


def _header(row: list[str], file: str, line: int) -> tuple[list[str], list[Problem]]:
    names = [re.sub(r"[\s-]+", "_", cell.strip().lower()) for cell in row]
    problems = []
    # Only a column mailbot reads is ambiguous twice; two ignored 'notes' columns are harmless.
    for name in sorted({n for n in names if names.count(n) > 1 and n in KNOWN}):
        problems.append(Problem(file, line, f"duplicate column '{name}'"))
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        problems.append(Problem(file, line, f"missing required column(s): {', '.join(missing)}"))
    for name in dict.fromkeys(names):
        if name and name not in KNOWN:
            problems.append(_unknown_column(name, names, file, line))
    return names, problems


def _unknown_column(name: str, names: list[str], file: str, line: int) -> Problem:
    """An extra column is the owner's business, unless it looks like a misspelled money column.

    ``tax_rte`` ignored would bill 7 % items at the default rate: that holds the
    whole ledger back (``misspelled money column``) instead of sending wrong sums.
    """
    hint = difflib.get_close_matches(name, KNOWN, n=1)
    if hint and hint[0] in MONEY_COLUMNS and hint[0] not in names:
        message = f"misspelled money column '{name}' (did you mean '{hint[0]}'?): nothing is sent"
        return Problem(file, line, message)
    also = f" (did you mean '{hint[0]}'?)" if hint else ""
    return Problem(file, line, f"unknown column '{name}' is ignored{also}")


class _Parser:
    """Groups rows into invoices and collects problems per invoice."""

    def __init__(self, file: str, settings: Settings):
        self.file = file
        self.settings = settings
        self.clients: Mapping[str, Client] = settings.clients
        self.invoices: dict[str, Invoice] = {}
        self.seen: dict[str, dict[str, tuple[str, int]]] = {}  # invoice -> column -> (value, line)
        self.orphans: list[Problem] = []
        self.last = ""  # the invoice of the last row that named one
        self.values: dict = {}  # see _same

    def add_row(self, line: int, header: list[str], row: list[str]) -> None:
        if not any(cell.strip() for cell in row):
            return  # blank line
        at = header.index("invoice")
        number = row[at].strip() if at < len(row) else ""
        if _INVOICE_NO.match(number):
            self.last = number
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
        if not _INVOICE_NO.match(number):
            message = "column 'invoice': use letters, digits and . _ / - (at most 64)"
            self._problem(line, number, f"{message}: {number!r}")
            return
        invoice = self.invoices.get(number) or self._new(number, line)
        try:
            self._invoice_fields(invoice, line, values)
            invoice.items.append(self._item(line, values, invoice.currency))
        except _RowError as exc:
            invoice.problems.append(Problem(self.file, line, f"invoice {number}: {exc}"))

    def _new(self, number: str, line: int) -> Invoice:
        invoice = Invoice(number=number, client_id="", line=line)
        invoice.currency = self.settings.payment.currency
        self.invoices[number] = invoice
        self.seen[number] = {}
        return invoice

    def _problem(self, line: int, number: str, message: str) -> None:
        if number and _INVOICE_NO.match(number):
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
                    raise _RowError(column, f"{value!r} conflicts with {first!r} on line {first_line}")
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
            raise _RowError("description", "empty (say what the client is paying for)")
        quantity = self._same(_decimal(values, "quantity", required=True))
        if quantity == 0:
            raise _RowError("quantity", "is 0")
        price = self._same(_decimal(values, "unit_price", required=True))
        discount = self._same(_percent(values, "discount", money.ZERO))
        rate = self._same(_percent(values, "tax_rate", self.settings.payment.tax_rate))
        net = money.line_net(quantity, price, discount, currency)
        unit = self._same(values.get("unit", ""))
        return LineItem(line, description, quantity, unit, price, discount, rate, net)

    def _same(self, value: _T) -> _T:
        """One object per distinct value (quantities, rates, units, dates repeat on
        thousands of rows): a 100,000-invoice ledger then holds ~100 MB less."""
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
            _check_invoice(invoice, self.seen[invoice.number], self.file, terms)
            _offer_discount(invoice, self.settings)
        return self.invoices


def _set_invoice_field(invoice: Invoice, column: str, value: str, clients: Mapping) -> None:
    if column == "client":
        if value not in clients:
            hint = difflib.get_close_matches(value, list(clients), n=1)
            also = f" (did you mean '{hint[0]}'?)" if hint else " (add it under [clients] in the config)"
            raise _RowError(column, f"unknown client {value!r}{also}")
        invoice.client_id = value
    elif column in _DATE_COLUMNS:
        setattr(invoice, column, _date(column, value))
    elif column == "currency":
        try:
            invoice.currency = check_currency(value)
        except ValueError as exc:
            raise _RowError(column, str(exc)) from None
    elif column == "paid_amount":
        invoice.paid_amount = _decimal({column: value}, column)
        if invoice.paid_amount is not None and invoice.paid_amount < 0:
            raise _RowError(column, "is negative")
    elif column == "status":
        if value.lower() not in ("cancelled", "canceled"):
            raise _RowError(column, f"{value!r} is not a status (leave empty or write 'cancelled')")
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


def _decimal(values: Mapping[str, str], column: str, required: bool = False) -> Decimal | None:
    text = values.get(column, "")
    if not text:
        if required:
            raise _RowError(column, "empty")
        return None
    if not _NUMBER.match(text):
        raise _RowError(column, _number_hint(text))
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
        raise _RowError(column, f"{text!r} is not a number") from None


def _number_hint(text: str) -> str:
    if re.match(r"^[+-]?\d{1,3}([.,]\d{3})+([.,]\d+)?$", text) or re.match(r"^-?\d+,\d+$", text):
        return f"{text!r}: write numbers with '.' as the decimal point and no thousands separator"
    if re.search(r"[€$£¥%]", text) or any(map(_is_currency, re.findall(r"[A-Za-z]+", text))):
        return f"{text!r}: write the bare number, without currency or % sign"
    return f"{text!r} is not a number"


def _is_currency(word: str) -> bool:
    """'EUR' in '12 EUR' is a currency; 'TBD' is not, and must not be hinted as one."""
    try:
        check_currency(word)
    except ValueError:
        return False
    return True


def _percent(values: Mapping[str, str], column: str, default: Decimal) -> Decimal:
    value = _decimal(values, column)
    if value is None:
        return default
    if not 0 <= value <= 100:
        raise _RowError(column, f"{value} is not a percentage between 0 and 100")
    return value


def _date(column: str, text: str) -> date:
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise _RowError(column, f"{text!r} is not a real date") from None
    raise _RowError(column, f"{text!r} is not a date; write YYYY-MM-DD, e.g. 2026-11-22")
