"""The records mailbot keeps in its state: events, outbox rows, and the slim form of an
outbox row that decisions read, and of a reply as a stored summary keeps it. ``store`` reads and
writes them; ``facts`` summarises them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from typing import Any, NamedTuple

from mailbot.records.kinds import EventType, Intent, MailKind, OutboxStatus


def iso(moment: datetime) -> str:
    """UTC, second precision: sortable as text and readable in ``history``."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True, slots=True)
class Event:
    invoice: str
    at: str
    type: EventType
    kind: MailKind | None = None
    step: int | None = None
    tone: str | None = None
    message_id: str | None = None
    intent: Intent | None = None
    trusted: bool | None = None
    until: str | None = None
    detail: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The CONTRACT shape: ``at`` and ``type`` always, the rest only as it fits."""
        data = asdict(self)
        data.pop("invoice")
        return {k: v for k, v in data.items() if v is not None}


_EVENT_COLUMNS = [f.name for f in fields(Event)]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    invoice: str
    kind: MailKind
    step: int
    message_id: str
    status: OutboxStatus
    claimed_at: str
    sent_at: str | None
    attempts: int
    error: str | None
    payload: bytes | None = None  # a prebuilt mail (a forward), sent as it is
    recipients: str | None = None  # for a prebuilt mail: comma-separated
    tone: str | None = None  # the tone policy chose, kept for the send and the history
    detail: str | None = None  # JSON: the reasons, the invoices of one mail, a promised date


@dataclass(slots=True)
class MailRecord:
    """An outbox row as decisions read it (``Store.decision_outbox``): which mail, its
    status and its time; no Message-ID, texts or stored mail. Not for building mails."""

    invoice: str
    kind: MailKind
    step: int
    status: OutboxStatus
    claimed_at: str  # a sent row carries its sending time here too (see decision_outbox)
    sent_at: str | None


class Said(NamedTuple):
    """A reply as a stored summary keeps it (``summary.from_summary``): what decisions read
    of it, light to make; where ``Facts`` built from the records holds the ``Event``."""

    at: str
    intent: Intent
    until: str | None
    trusted: bool | None


class Unsure(NamedTuple):
    """A reply whose reading mailbot was not sure of (``[replies] min_confidence``), as
    ``Facts`` keeps the latest: it changed nothing, and the next reminder waits ``days``
    working days from ``at`` for the owner (``mailbot confirm`` or ``resume`` end it).
    ``intent``/``until``/``confidence``: mailbot's best reading, for ``status``."""

    at: str
    days: int
    intent: Intent
    until: str | None
    confidence: float | None
