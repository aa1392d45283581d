"""Read the owner's invoice ledger (CSV, one row per line item) into typed invoices.

Every problem is reported as ``FILE:LINE: column 'x': ...`` and makes only its
own invoice ``invalid``: one bad row never keeps the other invoices from going
out.  mailbot only ever reads this file.

This module reads the file and checks its header; ``parser`` groups the rows into
invoices, ``cells`` reads one cell, ``invoices`` holds the types (re-exported here).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import re
from collections.abc import Iterator
from pathlib import Path

from mailbot.config.problems import Problem
from mailbot.config.settings import Settings
from mailbot.ledger.invoices import Invoice, Ledger, LineItem
from mailbot.ledger.parser import INVOICE_COLUMNS, LINE_COLUMNS, Parser

__all__ = ["Invoice", "Ledger", "LineItem", "load_ledger", "parse_ledger"]  # the types: re-exported

REQUIRED = ("invoice", "client", "issue_date", "description", "quantity", "unit_price")

# Columns whose silent absence would change what the client is asked to pay.
MONEY_COLUMNS = frozenset(
    ("quantity", "unit_price", "tax_rate", "discount", "currency", "due_date", "paid_on",
     "paid_amount", "status")
)  # fmt: skip
KNOWN = frozenset(("invoice", *INVOICE_COLUMNS, *LINE_COLUMNS))
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # as universal newlines split them


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
    parser = Parser(str(path), settings)
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
    the whole ledger again at up to 4 bytes a character."""
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
