"""mailbot's memory: an SQLite file with the event log, the outbox, the inbox watermarks
and each invoice's decision summary, behind one ``Store``.

``Store`` is composed of one part per table or use, each in its own module:

| module | what it holds |
| --- | --- |
| ``connection`` | the connection, ``transaction()``, the ``wanted`` invoices table |
| ``schema`` | the tables and triggers, the versions and their upgrades |
| ``events`` | the event log |
| ``outbox`` | claims before sending and their compare-and-set outcomes (``Claim``, ``in_doubt``) |
| ``held`` | mail of strangers and bulk senders held back for the digest; the retention |
| ``inbox`` | folder watermarks, mails handled, a reply recorded with its forward |
| ``decision_reads`` | the slim records decisions read |
| ``summaries`` | each invoice's stored summary, kept current (``decision_facts``) |
| ``passes`` | the service's passes (``mailbot health``) and the alerts the owner was told of |

The names callers use are all importable from here.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mailbot.records.rows import Event, MailRecord, OutboxRow, iso
from mailbot.state.decision_reads import MANY
from mailbot.state.events import detail_json
from mailbot.state.guard import StateError, check_before_open, explain, lost, marker_of, write_marker
from mailbot.state.held import HeldBack, Today
from mailbot.state.inbox import Inbox
from mailbot.state.outbox import Claim, in_doubt
from mailbot.state.passes import AlertRow, Passes, PassRow, read_passes
from mailbot.state.schema import SCHEMA_VERSION, upgrade
from mailbot.state.skips import Skips
from mailbot.state.summaries import Summaries

__all__ = [
    "MANY",
    "SCHEMA_VERSION",
    "AlertRow",
    "Claim",
    "Event",
    "HeldBack",
    "MailRecord",
    "OutboxRow",
    "PassRow",
    "StateError",
    "Store",
    "Today",
    "detail_json",
    "in_doubt",
    "iso",
    "read_passes",
]


class Store(Summaries, Inbox, Skips, Passes):
    """The state file, opened and upgraded to this mailbot's schema.

    Opening refuses (``StateError``, one ``PATH: message``) a path that is a folder or
    cannot be written, a file that is not a sound SQLite database, and a missing or empty
    state where mailbot kept records before (``guard``): never a silent fresh start."""

    def __init__(self, path: Path):
        check_before_open(path)
        try:
            super().__init__(path)
        except sqlite3.Error as exc:
            raise StateError(explain(path, exc)) from None
        try:
            with self.transaction():  # (every step in one write transaction: see schema.upgrade)
                upgrade(self.db, self.path)
            self._marked = self.has_records()
        except sqlite3.Error as exc:
            self.db.close()
            raise StateError(explain(path, exc)) from None
        except RuntimeError as exc:  # (schema.upgrade: a file of a newer mailbot)
            self.db.close()
            raise StateError(f"{exc}: run the mailbot that wrote it, or restore an older backup") from None
        if self._marked:
            write_marker(path)
        elif marker_of(path).exists():
            self.db.close()
            raise StateError(lost(path, "holds no records"))

    def close(self) -> None:
        """Mark the state once it holds records (the first pass's mails count)."""
        try:
            if not self._marked and self.has_records():
                write_marker(self.path)
        except sqlite3.Error:
            pass  # (a failing query was reported by whoever ran it)
        finally:
            super().close()
