"""Pure: what the store knows about one invoice, summarised in one scan.

A decision pass asks the same questions of every invoice several times (was
the invoice mail sent? which reminders went out, and when? what did the
client say since the owner last resumed it? is it paused? what was paid?).
``Facts`` answers them from one walk over the invoice's outbox rows and
events, made when it is built, so a pass over 100,000 invoices does not
rescan a million records a dozen times (issue 4's benchmark).
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from mailbot.records import Event, MailRecord, OutboxRow

Row = OutboxRow | MailRecord  # full rows, or as decisions read them (Store.decision_outbox)
_R = TypeVar("_R", OutboxRow, MailRecord, Event)
REMINDER_KINDS = ("reminder", "final")
CHASE_KINDS = ("reminder", "final", "ack", "receipt")
# Replies that make the next reminder wait (the ladder then goes on one step at a
# time instead of jumping to the most advanced due step).
WAITING_INTENTS = frozenset(("auto_reply", "promise_to_pay", "payment_claimed", "dispute", "question"))
# Replies after which a person answers first: no chasing until `mailbot resume`.
HOLDING_INTENTS = frozenset(("dispute", "question"))
COMMITMENTS = frozenset(("promise_to_pay", "payment_claimed"))
DELIVERED_KINDS = ("invoice", "reminder", "final")  # a refusal of these makes it undeliverable
LADDER_END = 100  # outbox steps from here on are follow-ups and checks (chase.PROMISE_FOLLOWUP)


class Facts:
    """One invoice's outbox rows and decision events (in store order), and their summary.

    Read-only by convention:

    - ``invoice_row``: the invoice mail's row; ``invoice_sent``: it went out;
    - ``sent_reminders``: how many reminder and final rows were sent; ``ladder_last``:
      the highest ladder position among them (follow-ups and checks excluded);
    - ``follow_ups``: the steps of promise follow-ups and claim checks, whatever their status;
    - ``refused``: a server refused (5xx) the invoice or a reminder;
    - ``last_reminder_at`` / ``last_chase_at``: the latest stored UTC time of a sent
      reminder, and of any claimed or sent chase mail (ISO strings sort as times);
    - ``trusted``: (ordinal among all replies, event) of the replies from a trusted sender
      since the owner last resumed the invoice;
    - ``held``: a trusted dispute or question waits for a person;
    - ``commitment``: the latest trusted promise or payment claim (ordinal, event);
    - ``away``: the latest auto-reply; ``bounced``: a permanent bounce of our mail;
    - ``pause``: the owner's pause (a date, True until resumed, None);
    - ``payments``: recorded payments as (day, amount);
    - ``last_wait_at``: the latest time the client or the owner made chasing wait.
    """

    __slots__ = (  # noqa: RUF023 (in the order the docstring explains them)
        "outbox", "events", "invoice_row", "invoice_sent", "sent_reminders", "ladder_last",
        "follow_ups", "refused", "last_reminder_at", "last_chase_at", "trusted", "held",
        "commitment", "away", "bounced", "pause", "payments", "last_wait_at", "_chase_times",
    )  # fmt: skip

    def __init__(self, outbox: Iterable[Row] = (), events: Iterable[Event] = ()):
        self.outbox = outbox if isinstance(outbox, list) else list(outbox)
        self.events = events if isinstance(events, list) else list(events)
        self._chase_times: list[str] | None = None
        self._summarise_outbox()
        self._summarise_events()

    def __repr__(self) -> str:
        return f"Facts(outbox={self.outbox!r}, events={self.events!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Facts) and (self.outbox, self.events) == (other.outbox, other.events)

    __hash__ = None  # type: ignore[assignment]

    def row(self, kind: str, step: int = 0) -> Row | None:
        """The outbox row of this mail (``(invoice, kind, step)`` is unique in the store)."""
        if kind == "invoice" and step == 0:
            return self.invoice_row  # asked of every invoice, several times a pass
        for row in self.outbox:  # a few rows per invoice: a scan is smaller than an index
            if row.kind == kind and row.step == step:
                return row
        return None

    def chase_times(self) -> list[str]:
        """When each claimed or sent chase mail was stored (for "one mail a day")."""
        if self._chase_times is not None:
            return self._chase_times
        rows = self.outbox
        return [r.sent_at or r.claimed_at for r in rows if r.kind in CHASE_KINDS and r.status != "failed"]

    def summary(self) -> list[Any]:
        """All that decisions read, as JSON values: ``Store`` keeps it per invoice, so a
        pass reads one summary per invoice instead of all its rows and events. A list,
        not a dict: it parses twice as fast; the first item is the layout's version."""
        away, pause = self.away, self.pause
        return [
            SUMMARY_VERSION,
            _row_values(self.invoice_row) if self.invoice_row else None,
            [_row_values(r) for r in self.outbox if r.kind in LOOKED_UP_KINDS],
            self.chase_times(),
            self.sent_reminders,
            self.ladder_last,
            list(self.follow_ups),
            self.refused,
            self.last_reminder_at,
            self.last_chase_at,
            [[n, e.at, e.intent, e.until] for n, e in self.trusted],
            self.held,
            self.commitment[0] if self.commitment else None,
            [away.at, away.until, away.trusted] if away else None,
            self.bounced,
            pause.isoformat() if isinstance(pause, date) else pause,
            [[day.isoformat(), str(amount)] for day, amount in self.payments],
            self.last_wait_at,
        ]

    @classmethod
    def from_summary(cls, invoice: str, data: list[Any]) -> Facts:
        """The Facts that ``summary()`` described: the same answers, without the records.
        A summary of another layout raises ``ValueError`` (summarise the records again)."""
        if not data or data[0] != SUMMARY_VERSION:
            raise ValueError(f"invoice {invoice}: a summary of another layout")
        (_, first, rows, chase, sent, last, follow, refused, reminder_at, chase_at, trusted, held,
         commitment, away, bounced, pause, payments, wait_at) = data  # fmt: skip
        facts = cls.__new__(cls)
        first = MailRecord(invoice, *first) if first else None
        facts.invoice_row, facts.invoice_sent = first, first is not None and first.status == "sent"
        facts.outbox = ([first] if first else []) + [MailRecord(invoice, *r) for r in rows]
        facts.events, facts._chase_times = [], chase
        facts.sent_reminders, facts.ladder_last, facts.follow_ups = sent, last, tuple(follow)
        facts.refused, facts.last_reminder_at, facts.last_chase_at = refused, reminder_at, chase_at
        facts.trusted = tuple((n, Said(at, intent, until, True)) for n, at, intent, until in trusted)
        facts.held, facts.bounced, facts.last_wait_at = held, bounced, wait_at
        facts.commitment = next((pair for pair in facts.trusted if pair[0] == commitment), None)
        facts.away = Said(away[0], "auto_reply", away[1], away[2]) if away else None
        facts.pause = date.fromisoformat(pause) if isinstance(pause, str) else pause
        facts.payments = tuple((date.fromisoformat(day), Decimal(amount)) for day, amount in payments)
        return facts

    def paid_in(self) -> Decimal:
        """What the owner recorded as paid (`mark-paid`, bank imports)."""
        return sum((amount for _, amount in self.payments), Decimal(0)) if self.payments else _ZERO

    def _summarise_outbox(self) -> None:
        invoice_row = None
        follow_ups: tuple[int, ...] = ()
        sent = ladder_last = 0
        refused = False
        last_chase = last_reminder = None
        for row in self.outbox:
            kind, status, step = row.kind, row.status, row.step
            if kind == "invoice" and step == 0:
                invoice_row = invoice_row or row
            elif kind == "reminder" and step >= LADDER_END:
                follow_ups += (step,)  # whatever its status: a follow-up is tried once
            if status == "failed":
                refused = refused or kind in DELIVERED_KINDS
                continue
            if kind not in CHASE_KINDS:
                continue
            at = row.sent_at or row.claimed_at
            if last_chase is None or at > last_chase:
                last_chase = at
            if kind not in REMINDER_KINDS:
                continue
            if status == "sent":
                sent += 1
                if ladder_last < step < LADDER_END:
                    ladder_last = step
                if last_reminder is None or at > last_reminder:
                    last_reminder = at
        self.invoice_row, self.follow_ups, self.refused = invoice_row, follow_ups, refused
        self.invoice_sent = invoice_row is not None and invoice_row.status == "sent"
        self.sent_reminders, self.ladder_last = sent, ladder_last
        self.last_chase_at, self.last_reminder_at = last_chase, last_reminder

    def _summarise_events(self) -> None:
        self._forget_replies()
        self.payments: tuple[tuple[date, Decimal], ...] = ()
        self.pause: date | bool | None = None
        last_wait = None
        ordinal = 0
        for event in self.events:
            kind = event.type
            if kind == "reply":
                ordinal += 1
                self._add_reply(ordinal, event)
                if event.intent not in WAITING_INTENTS:
                    continue
            elif kind == "resume":
                self._forget_replies()
                self.pause = None
            elif kind == "pause":
                self.pause = date.fromisoformat(event.until) if event.until else True
            else:
                if kind == "payment" and event.detail:
                    data = json.loads(event.detail)
                    self.payments += ((date.fromisoformat(data["on"]), Decimal(data["amount"])),)
                continue
            if last_wait is None or event.at > last_wait:
                last_wait = event.at
        self.last_wait_at = last_wait

    def _add_reply(self, ordinal: int, event: Event) -> None:
        intent = event.intent
        if intent == "auto_reply":
            self.away = event
        elif intent == "bounce" and not self.bounced:
            self.bounced = bool(json.loads(event.detail or "{}").get("permanent"))
        if event.trusted:
            pair = (ordinal, event)
            self.trusted += (pair,)
            if intent in HOLDING_INTENTS:
                self.held = True
            elif intent in COMMITMENTS:
                self.commitment = pair

    def _forget_replies(self) -> None:
        """`mailbot resume`: what the client said before no longer holds the invoice."""
        self.trusted: tuple[tuple[int, Event], ...] = ()  # tuples: most invoices have none or one
        self.held = False
        self.commitment: tuple[int, Event] | None = None
        self.away: Event | None = None
        self.bounced = False


_ZERO = Decimal(0)
LOOKED_UP_KINDS = ("receipt", "notice", "ack")  # besides the invoice row, what row() is asked for
SUMMARY_VERSION = 1  # of Facts.summary()'s layout: change it with the layout


class Said(NamedTuple):
    """A reply as a stored summary keeps it: what decisions read of it (light to make)."""

    at: str
    intent: str
    until: str | None
    trusted: bool | None


def _row_values(row: Row) -> list:
    return [row.kind, row.step, row.status, row.claimed_at, row.sent_at]


EMPTY = Facts()


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """A pass allocates hundreds of thousands of small objects and makes no cycles; the
    cyclic collector would rescan every live object again and again (a quarter of the
    time on 100,000 invoices). It runs again as soon as the block is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def group_facts(outbox: Iterable[Row], events: Iterable[Event]) -> dict[str, Facts]:
    """Each invoice's Facts, from the store's rows and events (each in store order)."""
    rows, evs = _by_invoice(outbox), _by_invoice(events)
    return {key: Facts(rows.get(key, []), evs.get(key, [])) for key in rows.keys() | evs.keys()}


def _by_invoice(records: Iterable[_R]) -> dict[str, list[_R]]:
    found: dict[str, list[_R]] = {}
    for record in records:
        bucket = found.get(record.invoice)
        if bucket is None:
            found[record.invoice] = [record]
        else:
            bucket.append(record)
    return found
