"""How the commands print: result lines, tables, JSON, a file or stdout.

Results go to stdout (scripts read them), notes and summaries to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

# Piped output (ops scripts, CI logs) gets wide tables instead of truncated cells.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)

LONG_TABLE = 2_000  # rows: beyond this, plain columns (rich's boxes take minutes for 100,000 rows)


def say(line: str) -> None:
    """One result line, never wrapped: scripts read ``FILE:LINE: message`` whole."""
    sys.stdout.write(line + "\n")


def note(line: str) -> None:
    """One line for the person at the terminal (stderr), printed as it is (no rich markup)."""
    err.print(line, markup=False)


def print_json(data: Any, ensure_ascii: bool = False) -> None:
    """``--json`` output: indented, for scripts and for people reading it."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=ensure_ascii) + "\n")


def write_or_print(target: Path | None, text: str) -> None:
    """``--out FILE`` writes the file; without it the text goes to stdout."""
    if target is None:
        sys.stdout.write(text)
    else:
        target.write_text(text, encoding="utf-8")


def print_table(headers: Sequence[str], lines: Sequence[Sequence[str]]) -> None:
    """A table for people: rich's boxes, or for a long one aligned plain columns, which
    print at once and keep every cell whole (``--json`` is there for scripts)."""
    if len(lines) <= LONG_TABLE:
        table = Table(*headers)
        for line in lines:
            table.add_row(*line)
        out.print(table)
        return
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    write = sys.stdout.write
    write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    write("  ".join("-" * w for w in widths) + "\n")
    for line in lines:
        write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n")
