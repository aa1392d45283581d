"""``mailbot state check`` and ``mailbot state new``: the state file judged, or begun again.

``check`` reads the file without changing it (no upgrade, no marker): SQLite's
``PRAGMA integrity_check``, the schema version against this mailbot's, mailbot's
tables, and whether a lost state hides behind a missing or empty file.
``new`` starts afresh only where there is nothing to lose: the file is missing, empty
or holds no records; it never replaces a file with records (move it away first).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from mailbot.state.guard import (
    RESTORE,
    StateError,
    check_header,
    check_not_lost,
    check_place,
    damaged,
    lost,
    marker_of,
    remove_marker,
)
from mailbot.state.schema import SCHEMA_VERSION

TABLES = ("events", "outbox", "watermarks", "inbox_seen", "summaries")
SHOWN = 5  # lines of SQLite's integrity report shown


@dataclass(frozen=True)
class Verdict:
    """``ok``: mailbot can run on the file; ``lines``: what was found, the first the verdict."""

    ok: bool
    lines: list[str]


def check_file(path: Path, quick: bool = False) -> Verdict:
    """The state file's verdict, read without writing.  ``quick``: SQLite's ``quick_check``
    (what ``mailbot check`` asks: it skips the indexes' cross-checks, a fraction of the time
    on a big file) instead of the full ``integrity_check``."""
    try:  # (what every command refuses before opening the file, without making its folder)
        check_place(path, make=False)
        check_not_lost(path)
        check_header(path)
    except StateError as exc:
        return Verdict(False, [str(exc)])
    if not path.exists() or path.stat().st_size == 0:
        what = "is missing" if not path.exists() else "is empty"
        return Verdict(True, [f"{path}: ok: no records yet ({what}); the first run starts it"])
    marked = marker_of(path).exists()
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True) as db:
            return _judge(path, db, marked, "quick_check" if quick else "integrity_check")
    except sqlite3.Error as exc:
        return Verdict(False, [damaged(path, exc)])


def _judge(path: Path, db: sqlite3.Connection, marked: bool, pragma: str) -> Verdict:
    report = [row[0] for row in db.execute(f"PRAGMA {pragma}")]
    if report != ["ok"]:
        return Verdict(False, [damaged(path, "integrity check failed"), *report[:SHOWN]])
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        return Verdict(False, [f"{path}: schema {version} is newer than this mailbot's ({SCHEMA_VERSION}):"
                               " run the mailbot that wrote it, or restore an older backup"])  # fmt: skip
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version == 0 and not tables:
        return _no_records(path, marked, "an empty SQLite database")
    missing = [t for t in TABLES if t not in tables]
    if version == 0 or missing:
        gone = ", ".join(missing) or "none"
        return Verdict(False, [f"{path}: not a mailbot state file (schema {version}, tables missing:"
                               f" {gone}): {RESTORE} or set [state] path"])  # fmt: skip
    invoices, mails, events = db.execute(
        "SELECT (SELECT COUNT(*) FROM (SELECT invoice FROM outbox UNION SELECT invoice FROM events)),"
        " (SELECT COUNT(*) FROM outbox WHERE status = 'sent'), (SELECT COUNT(*) FROM events)"
    ).fetchone()
    if not invoices:
        return _no_records(path, marked, f"schema {version}, no records")
    upgrade = f"; upgraded to {SCHEMA_VERSION} when mailbot next opens it" if version < SCHEMA_VERSION else ""
    return Verdict(True, [f"{path}: ok: schema {version}{upgrade}, {invoices} invoices,"
                          f" {mails} mails sent, {events} events"])  # fmt: skip


def _no_records(path: Path, marked: bool, what: str) -> Verdict:
    if marked:
        return Verdict(False, [lost(path, f"holds no records ({what})")])
    return Verdict(True, [f"{path}: ok: {what}; the first run starts it"])


def start_afresh(path: Path) -> str:
    """Remove the marker (and an empty file) where nothing can be lost; say what follows.
    A file with records, or one that cannot be judged, is refused: move it away first."""
    check_place(path)
    if path.exists() and path.stat().st_size > 0:
        verdict = check_file(path)
        if not verdict.ok and "holds no records" not in verdict.lines[0]:
            raise StateError(f"{verdict.lines[0]}; to start afresh anyway, move the file away first")
        if verdict.ok and "no records" not in verdict.lines[0]:
            raise StateError(f"{path}: holds mailbot's records, not replaced; to start afresh anyway,"
                             " move the file away first and keep it as a backup")  # fmt: skip
    else:
        path.unlink(missing_ok=True)
    remove_marker(path)
    return (f"{path}: starting afresh: the next run is a first run; it mails only invoices issued"
            " within [state] first_run_days and records older ones as skipped (`run --backfill` mails"
            " them)")  # fmt: skip
