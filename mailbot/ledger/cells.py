"""Pure: one ledger cell's text into a value, or a ``RowError`` that says what to write.

The messages name the column and, where a common spreadsheet habit is the cause
(a decimal comma, a currency sign), the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Literal, overload

from mailbot.config.settings import check_currency
from mailbot.config.values import check_text

_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
# Digits a ledger number may have: amounts up to a trillion, and the long fractions a
# spreadsheet exports (a third of an hour). Line nets and totals of such numbers stay
# inside ``Decimal``'s 28 digits; a longer number (a pasted ID, a runaway formula)
# would stop every sum it enters.
MAX_WHOLE_DIGITS, MAX_FRACTION_DIGITS = 12, 20
MAX_AMOUNT = Decimal(10) ** MAX_WHOLE_DIGITS
"""A line net or an invoice total must stay below it: the same trillion as a cell."""
MAX_QUANTITY = Decimal(1_000_000)
"""More than a million of anything on one line is a pasted number, not a quantity."""
FIRST_YEAR, LAST_YEAR = 1970, 2199
"""Dates outside are typos (0206, 20266); near year 9999 the due date and the ladder's
days after it would not fit in a date at all."""
MULTILINE_COLUMNS = frozenset({"description", "note"})
"""Cells that may hold line breaks (a spreadsheet's multi-line cell); the rest are one line."""


class RowError(Exception):
    """A cell (or a row) that makes its invoice invalid; the parser adds file, line, invoice."""

    def __init__(self, column: str, message: str):
        super().__init__(f"column '{column}': {message}")


@overload
def decimal_cell(values: Mapping[str, str], column: str, required: Literal[True]) -> Decimal: ...
@overload
def decimal_cell(values: Mapping[str, str], column: str, required: bool = False) -> Decimal | None: ...
def decimal_cell(values: Mapping[str, str], column: str, required: bool = False) -> Decimal | None:
    """The cell's number; None when it is empty and not ``required`` (then never None)."""
    text = values.get(column, "")
    if not text:
        if required:
            raise RowError(column, "empty")
        return None
    if not _NUMBER.match(text):
        raise RowError(column, _number_hint(text))
    whole, _, fraction = text.lstrip("+-").partition(".")
    if len(whole.lstrip("0")) > MAX_WHOLE_DIGITS or len(fraction) > MAX_FRACTION_DIGITS:
        raise RowError(
            column,
            f"{text[:20]}{'...' if len(text) > 20 else ''} has too many digits (at most "
            f"{MAX_WHOLE_DIGITS} before the point and {MAX_FRACTION_DIGITS} after)",
        )
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
        raise RowError(column, f"{text!r} is not a number") from None


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


def percent_cell(values: Mapping[str, str], column: str, default: Decimal) -> Decimal:
    value = decimal_cell(values, column)
    if value is None:
        return default
    if not 0 <= value <= 100:
        raise RowError(column, f"{value} is not a percentage between 0 and 100")
    return value


def date_cell(column: str, text: str) -> date:
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise RowError(column, f"{text!r} is not a real date") from None
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise RowError(column, f"{text!r} is not a year from {FIRST_YEAR} to {LAST_YEAR}")
        return day
    raise RowError(column, f"{text!r} is not a date; write YYYY-MM-DD, e.g. 2026-11-22")


def text_cell(column: str, text: str) -> str:
    """The cell as it is, unless it holds a control character (or a line break where one
    cannot stand): it would reach the mail's text, or its headers, as it is."""
    try:
        return check_text(text, multiline=column in MULTILINE_COLUMNS)
    except ValueError as exc:
        raise RowError(column, str(exc)) from None


def quantity_cell(values: Mapping[str, str]) -> Decimal:
    quantity = decimal_cell(values, "quantity", required=True)
    if quantity == 0:
        raise RowError("quantity", "is 0")
    if abs(quantity) > MAX_QUANTITY:
        raise RowError("quantity", f"{quantity} is more than {MAX_QUANTITY:,} (a pasted number?)")
    return quantity


def check_amount(column: str, what: str, amount: Decimal) -> None:
    """A sum of the invoice must stay below ``MAX_AMOUNT`` (so must every later sum of it)."""
    if abs(amount) >= MAX_AMOUNT:
        raise RowError(column, f"{what} {amount} is not below {MAX_AMOUNT:,}")
