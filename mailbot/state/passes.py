"""The service's passes and the alerts the owner was told of once (schema 11).

The worker writes two small rows a pass (its start, then its end and outcome); ``mailbot
health`` reads them from another process, read-only, while the worker holds its lock.
An alert row says since when a condition holds and whether the owner was told: it is
what makes a stuck mail or a dead inbox one mail to the owner, not one per pass.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, NamedTuple

from mailbot.records.rows import iso
from mailbot.state.connection import Connection

KEEP_PASSES = 200  # enough to say what failed since the last good pass; a pass is two tiny writes
PassOutcome = Literal["ok", "failed"]


class PassRow(NamedTuple):
    id: int
    started_at: str
    ended_at: str | None
    outcome: PassOutcome | None  # None: running, or the process died within it
    detail: str | None
    interval: float


class AlertRow(NamedTuple):
    key: str
    since: str
    told_at: str | None
    detail: str


_PASS_COLUMNS = "id, started_at, ended_at, outcome, detail, interval"  # noqa: S105 (not a password)


class Passes(Connection):
    """The ``Store``'s pass and alert methods."""

    def pass_started(self, now: datetime, interval: float) -> int:
        """Record a pass's start; its id, for ``pass_ended``.  Old passes are dropped here."""
        with self.transaction():
            cursor = self.db.execute(
                "INSERT INTO passes (started_at, interval) VALUES (?, ?)", (_exact(now), interval)
            )
            self.db.execute("DELETE FROM passes WHERE id <= ?", ((cursor.lastrowid or 0) - KEEP_PASSES,))
            return cursor.lastrowid or 0

    def pass_ended(self, pass_id: int, now: datetime, outcome: PassOutcome, detail: str = "") -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE passes SET ended_at = ?, outcome = ?, detail = ? WHERE id = ?",
                (_exact(now), outcome, detail or None, pass_id),
            )

    def recent_passes(self, limit: int = KEEP_PASSES) -> list[PassRow]:
        """The latest passes, newest first."""
        return _passes(self.db, limit)

    def alerts(self) -> dict[str, AlertRow]:
        rows = self.db.execute("SELECT key, since, told_at, detail FROM alerts")
        return {row[0]: AlertRow(*row) for row in rows}

    def alert_begins(self, key: str, since: datetime, detail: str) -> bool:
        """A condition seen for the first time (kept as it was first seen: ``since`` stays);
        False when it was known already."""
        with self.transaction():
            return (
                self.db.execute(
                    "INSERT OR IGNORE INTO alerts (key, since, detail) VALUES (?, ?, ?)",
                    (key, iso(since), detail),
                ).rowcount
                == 1
            )

    def alert(self, key: str) -> AlertRow | None:
        row = self.db.execute(
            "SELECT key, since, told_at, detail FROM alerts WHERE key = ?", (key,)
        ).fetchone()
        return AlertRow(*row) if row else None

    def alert_told(self, key: str, now: datetime, detail: str) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE alerts SET told_at = ?, detail = ? WHERE key = ?", (iso(now), detail, key)
            )

    def alert_over(self, key: str) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM alerts WHERE key = ?", (key,))


def _exact(moment: datetime) -> str:
    """A pass's time to the microsecond (UTC ISO): an interval of a few seconds is measured
    from it, and a whole second lost would be a good part of it."""
    return moment.astimezone(UTC).isoformat()


def _passes(db: sqlite3.Connection, limit: int) -> list[PassRow]:
    rows = db.execute(f"SELECT {_PASS_COLUMNS} FROM passes ORDER BY id DESC LIMIT ?", (limit,))  # noqa: S608
    return [PassRow(*row) for row in rows]


def read_passes(path: Path, limit: int = KEEP_PASSES) -> list[PassRow] | None:
    """The latest passes, newest first, read without writing anything (``mailbot health``
    runs beside the worker, maybe as another user); None when the file has no pass table
    (a state of an older mailbot, or no state at all: nothing ran)."""
    if not path.is_file():
        return None
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        db.execute("PRAGMA busy_timeout=5000")
        found = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'passes'").fetchone()
        return _passes(db, limit) if found else None
    finally:
        db.close()
