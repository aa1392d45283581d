"""The closed sets of names that travel between stages: mail kinds, events, intents, states.

``Literal`` types, not Enums: the values are stored in SQLite and in JSON as they are
(CONTRACT.md names them), a pass handles about a million of them, and mypy checks every
comparison against the set (``strict_equality``), so a misspelt kind is an error, not a
silent ``False``.  ``typing.get_args`` gives each set's values where code needs them.
"""

from __future__ import annotations

from typing import Literal, get_args

MailKind = Literal["invoice", "reminder", "final", "ack", "receipt", "forward", "notice", "digest"]
"""What an outbox row sends: client mails, then the owner's forwards, notices and digests."""

ClientMail = Literal["invoice", "reminder", "final", "ack", "receipt"]
"""The mails a client receives (and ``preview`` shows)."""

ActionKind = Literal["invoice", "reminder", "final", "ack", "receipt", "notice", "note"]
"""What a decision asks for: a mail, a notice to the owner, or a note in the history."""

EventType = Literal["sent", "reply", "payment", "pause", "resume", "note", "error"]

OutboxStatus = Literal["claimed", "sent", "failed"]
"""A claim waits to be sent (or is in doubt), went out, or was refused for good."""

Intent = Literal[
    "payment_claimed", "promise_to_pay", "dispute", "question", "thanks",
    "contact_change", "auto_reply", "bounce", "other",
]  # fmt: skip

State = Literal[
    "scheduled", "sent", "overdue", "promised", "disputed", "payment_claimed", "paid",
    "paused", "escalated", "undeliverable", "cancelled", "invalid", "skipped",
]  # fmt: skip
"""An invoice's state as ``status`` shows it (CONTRACT.md); ``skipped``: a first run did not
mail it (issued before the first-run window), so it is neither mailed nor chased."""

SKIPPED_NOTE = "skipped by the first run"
"""How the ``note`` event of an invoice a first run did not mail begins (the state finds
skipped invoices by it: recorded per invoice, no table of their own)."""

Outcome = Literal["sent", "failed", "retry", "held", "skipped"]
"""What became of one claimed mail in a pass."""

CONFIRM_WORDS: dict[Intent, str] = {
    "promise_to_pay": "promise", "payment_claimed": "paid", "dispute": "dispute",
    "question": "question", "thanks": "thanks", "other": "other",
}  # fmt: skip
"""The readings ``mailbot confirm INVOICE WORD`` takes, by intent, and the word for each."""

INTENTS: tuple[Intent, ...] = get_args(Intent)
STATES: tuple[State, ...] = get_args(State)
CLIENT_MAILS: tuple[ClientMail, ...] = get_args(ClientMail)
