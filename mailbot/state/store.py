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

The names callers use are all importable from here.
"""

from __future__ import annotations

from pathlib import Path

from mailbot.records.rows import Event, MailRecord, OutboxRow, iso
from mailbot.state.decision_reads import MANY
from mailbot.state.events import detail_json
from mailbot.state.held import HeldBack, Today
from mailbot.state.inbox import Inbox
from mailbot.state.outbox import Claim, in_doubt
from mailbot.state.schema import SCHEMA_VERSION, upgrade
from mailbot.state.summaries import Summaries

__all__ = [
    "MANY",
    "SCHEMA_VERSION",
    "Claim",
    "Event",
    "HeldBack",
    "MailRecord",
    "OutboxRow",
    "Store",
    "Today",
    "detail_json",
    "in_doubt",
    "iso",
]


class Store(Summaries, Inbox):
    """The state file, opened and upgraded to this mailbot's schema."""

    def __init__(self, path: Path):
        super().__init__(path)
        with self.transaction():  # (every step in one write transaction: see schema.upgrade)
            upgrade(self.db, self.path)
