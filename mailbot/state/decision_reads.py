"""The records as decisions read them: of the events only replies, payments, pauses and
resumes, of the outbox only which mail, its status and its time; for all invoices, one,
or the ``wanted`` few.  Slim rows keep a pass over 100,000 invoices small in memory."""

from __future__ import annotations

import sqlite3
from typing import Any

from mailbot.records.facts import CONFIRMED_MARK, UNSURE_MARK
from mailbot.records.rows import Event, MailRecord, OutboxRow
from mailbot.state.connection import IN_WANTED
from mailbot.state.outbox import Outbox

MANY = 20_000  # invoices: beyond this, reading every record at once beats one by one

_DECISION_EVENTS = (
    "SELECT invoice, at, type, intent, trusted, until,"  # noqa: S608 (constants only)
    " CASE WHEN type = 'payment' OR intent = 'bounce'"
    f" OR instr(detail, '{UNSURE_MARK}') OR instr(detail, '{CONFIRMED_MARK}') THEN detail END"
    " FROM events WHERE type IN ('reply', 'payment', 'pause', 'resume')"
)
_DECISION_OUTBOX = "SELECT invoice, kind, step, status, claimed_at, sent_at FROM outbox WHERE true"


class DecisionReads(Outbox):
    """The ``Store``'s reads for decisions (and for sending: ``records_of``)."""

    def decision_events(self, invoice: str | None = None, wanted: bool = False) -> list[Event]:
        """What the policy reads: replies, payments, pauses and resumes (not sent/note/error),
        and of them only what decisions use: a reply's detail only for a bounce (was it
        permanent?) and for a reading the owner decides (unsure, confirmed), a payment's
        always (amount and day); no Message-IDs.  Repeated words are one object each.  On
        100,000 invoices this is a few hundred MB less.
        ``invoice``: only its events; ``wanted``: only those of ``_wanted``'s invoices."""
        same: dict[Any, Any] = {}  # (the words as stored: invoices, types, intents)
        rows = self._decision_rows(_DECISION_EVENTS, invoice, wanted)
        return [
            Event(same.setdefault(invoice, invoice), at, same.setdefault(type_, type_),
                  intent=intent and same.setdefault(intent, intent),
                  trusted=None if trusted is None else bool(trusted), until=until, detail=detail)
            for invoice, at, type_, intent, trusted, until, detail in rows
        ]  # fmt: skip

    def _decision_rows(self, query: str, invoice: str | None, wanted: bool = False) -> sqlite3.Cursor:
        """A decision query's rows in store order: all of them, one invoice's, or the wanted."""
        if wanted:
            return self.db.execute(query + IN_WANTED + " ORDER BY id")
        if invoice is None:
            return self.db.execute(query + " ORDER BY id")
        return self.db.execute(query + " AND invoice = ? ORDER BY id", (invoice,))

    def decision_outbox(self, invoice: str | None = None, wanted: bool = False) -> list[MailRecord]:
        """Every row as decisions read it, repeated words one object each: on 100,000
        invoices a third of the memory of full rows.

        Decisions read a mail's time as ``sent_at or claimed_at``; a sent row carries its
        sending time in both (one string instead of two)."""
        same: dict[Any, Any] = {}  # (the words as stored: invoices, kinds, statuses)
        rows = self._decision_rows(_DECISION_OUTBOX, invoice, wanted)
        return [
            MailRecord(same.setdefault(invoice, invoice), same.setdefault(kind, kind), step,
                       same.setdefault(status, status), sent_at or claimed_at, sent_at)
            for invoice, kind, step, status, claimed_at, sent_at in rows
        ]  # fmt: skip

    def records_of(self, invoices: set[str]) -> tuple[list[OutboxRow], list[Event]]:
        """These invoices' outbox rows (without stored mails) and decision events, each in
        store order (for sending: with Message-IDs)."""
        with self._wanted(invoices):
            where = "WHERE true" + IN_WANTED + " ORDER BY id"
            return self._outbox(where, payload=False), self.decision_events(wanted=True)
