"""Pure: what the store knows about one invoice, summarised in one scan.

A decision pass asks the same questions of every invoice several times (was
the invoice mail sent? which reminders went out, and when? what did the
client say since the owner last resumed it? is it paused? what was paid?).
``Facts`` answers them from one walk over the invoice's outbox rows and
events, made when it is built, so a pass over 100,000 invoices does not
rescan a million records a dozen times (issue 4's benchmark).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import TypeVar

from mailbot.records.kinds import Intent, OutboxStatus, State
from mailbot.records.rows import Event, MailRecord, OutboxRow, Said, Unsure

Row = OutboxRow | MailRecord  # full rows, or as decisions read them (Store.decision_outbox)
_R = TypeVar("_R", bound=OutboxRow | MailRecord | Event)
REMINDER_KINDS = ("reminder", "final")
CHASE_KINDS = ("reminder", "final", "ack", "receipt")
# Replies that make the next reminder wait (the ladder then goes on one step at a
# time instead of jumping to the most advanced due step).
WAITING_INTENTS = frozenset(("auto_reply", "promise_to_pay", "payment_claimed", "dispute", "question"))
# Replies after which a person answers first: no chasing until `mailbot resume`.
HOLDING_INTENTS = frozenset(("dispute", "question"))
COMMITMENTS = frozenset(("promise_to_pay", "payment_claimed"))
ACK_INTENTS = frozenset(("payment_claimed", "dispute", "question"))  # a trusted one gets a thank-you
# What a trusted reply does to an invoice's state (replies never touch money).
REPLY_STATES: dict[Intent, State] = {
    "payment_claimed": "payment_claimed", "promise_to_pay": "promised", "dispute": "disputed",
}  # fmt: skip
DELIVERED_KINDS = ("invoice", "reminder", "final")  # a refusal of these makes it undeliverable
LADDER_END = 100  # outbox steps from here on are follow-ups and checks (chase.PROMISE_FOLLOWUP)


class Facts:
    """One invoice's outbox rows and decision events (in store order), and their summary.

    Read-only by convention; what decisions read:

    - ``invoice_status`` / ``invoice_at``: the invoice mail's row (its status, and its
      sending or claiming time), None before it is claimed; ``invoice_sent``: it went out;
    - ``sent_reminders``: how many reminder and final rows were sent; ``ladder_last``:
      the highest ladder position among them (follow-ups and checks excluded);
    - ``follow_ups``: the steps of promise follow-ups and claim checks, whatever their status;
    - ``refused``: a server refused (5xx) the invoice or a reminder;
    - ``has_receipt`` / ``has_notice``: a receipt, an overpayment notice was claimed;
    - ``last_reminder_at`` / ``last_chase_at``: the latest stored UTC time of a sent
      reminder, and of any claimed or sent chase mail (ISO strings sort as times);
    - since the owner last resumed the invoice, of the replies from a trusted sender:
      ``said``, the latest that changes its state (intent, until); ``unacked``, the claims,
      disputes and questions without an acknowledgment (ordinal, at, intent); ``held``, a
      dispute or question waits for a person; ``commitment``, the latest promise or
      payment claim (ordinal, reply);
    - ``away``: the latest auto-reply; ``bounced``: a permanent bounce of our mail;
    - ``pause``: the owner's pause (a date, True until resumed, None);
    - ``payments``: recorded payments as (day, amount);
    - ``last_wait_at``: the latest time the client or the owner made chasing wait;
    - ``last_reply``: the latest reply of any kind, trusted or not, as (intent, at,
      trusted), for ``status``;
    - ``unsure``: since the owner last resumed or confirmed, the latest reply whose reading
      mailbot was not sure of (its detail says ``"unsure": true``): it counts for none of
      the answers above (whatever its best reading, it changes nothing), but the next
      reminder waits for the owner (``chase``).  A reply the owner confirmed (detail
      ``"confirmed"``, ``mailbot confirm``) ends that wait and counts like any trusted reply.

    ``outbox``, ``events`` and ``row()`` are there only when built from the records
    (mails read them); a stored summary (``mailbot.records.summary``) keeps just the
    answers above.
    """

    __slots__ = (  # noqa: RUF023 (in the order the docstring explains them)
        "invoice_status", "invoice_at", "invoice_sent", "sent_reminders", "ladder_last",
        "follow_ups", "refused", "has_receipt", "has_notice", "last_reminder_at", "last_chase_at",
        "said", "unacked", "held", "commitment", "away", "bounced", "pause", "payments",
        "last_wait_at", "last_reply", "unsure", "outbox", "events", "_invoice_row", "_chase_times", "_number",
    )  # fmt: skip
    invoice_status: OutboxStatus | None
    invoice_at: str | None
    invoice_sent: bool
    sent_reminders: int
    ladder_last: int
    follow_ups: tuple[int, ...]
    refused: bool
    has_receipt: bool
    has_notice: bool
    last_reminder_at: str | None
    last_chase_at: str | None
    said: tuple[Intent, str | None] | None
    unacked: tuple[tuple[int, str, str], ...]  # tuples: most invoices have none
    held: bool
    commitment: tuple[int, Event | Said] | None
    away: Event | Said | None
    bounced: bool
    pause: date | bool | None
    payments: tuple[tuple[date, Decimal], ...]
    last_wait_at: str | None
    last_reply: tuple[str | None, str | None, bool | None] | None  # (intent, at, trusted)
    unsure: Unsure | None
    outbox: Sequence[Row]
    events: Sequence[Event]
    _invoice_row: Row | None
    _chase_times: tuple[str, ...] | None
    _number: str

    def __init__(self, outbox: Iterable[Row] = (), events: Iterable[Event] = ()):
        self.outbox = outbox if isinstance(outbox, list) else list(outbox)
        self.events = events if isinstance(events, list) else list(events)
        self._chase_times = None
        self._number = ""
        self._summarise_outbox()
        self._summarise_events()

    def __repr__(self) -> str:
        return f"Facts(outbox={self.outbox!r}, events={self.events!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Facts) and (self.outbox, self.events) == (other.outbox, other.events)

    __hash__ = None  # type: ignore[assignment]

    @property
    def invoice_row(self) -> Row | None:
        """The invoice mail's row (from a summary: rebuilt with what decisions read of it)."""
        row = self._invoice_row
        if row is None and self.invoice_status is not None:
            at, status = self.invoice_at or "", self.invoice_status
            row = MailRecord(self._number, "invoice", 0, status, at, at if status == "sent" else None)
        return row

    def row(self, kind: str, step: int = 0) -> Row | None:
        """The outbox row of this mail (``(invoice, kind, step)`` is unique in the store)."""
        if kind == "invoice" and step == 0:
            return self.invoice_row
        if self._number:
            raise LookupError(f"invoice {self._number}: a stored summary keeps no mail rows")
        for row in self.outbox:  # a few rows per invoice: a scan is smaller than an index
            if row.kind == kind and row.step == step:
                return row
        return None

    def chase_times(self) -> list[str]:
        """When each claimed or sent chase mail was stored (for "one mail a day")."""
        times = self._chase_times
        if times is not None:
            return list(times)
        if self._number:
            return [self.last_chase_at] if self.last_chase_at else []
        rows = self.outbox
        return [r.sent_at or r.claimed_at for r in rows if r.kind in CHASE_KINDS and r.status != "failed"]

    def paid_in(self) -> Decimal:
        """What the owner recorded as paid (`mark-paid`, bank imports)."""
        return sum((amount for _, amount in self.payments), Decimal(0)) if self.payments else _ZERO

    def _summarise_outbox(self) -> None:
        invoice_row = None
        follow_ups: tuple[int, ...] = ()
        sent = ladder_last = 0
        refused = has_receipt = has_notice = False
        last_chase = last_reminder = None
        for row in self.outbox:
            kind, status, step = row.kind, row.status, row.step
            if kind == "invoice" and step == 0:
                invoice_row = invoice_row or row
            elif kind == "reminder" and step >= LADDER_END:
                follow_ups += (step,)  # whatever its status: a follow-up is tried once
            elif kind == "receipt" and step == 0:
                has_receipt = True
            elif kind == "notice" and step == 1:
                has_notice = True
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
        self._invoice_row, self.follow_ups, self.refused = invoice_row, follow_ups, refused
        self.has_receipt, self.has_notice = has_receipt, has_notice
        self.invoice_status = invoice_row.status if invoice_row else None
        self.invoice_at = (invoice_row.sent_at or invoice_row.claimed_at) if invoice_row else None
        self.invoice_sent = self.invoice_status == "sent"
        self.sent_reminders, self.ladder_last = sent, ladder_last
        self.last_chase_at, self.last_reminder_at = last_chase, last_reminder

    def _summarise_events(self) -> None:
        self._forget_replies()
        self.payments: tuple[tuple[date, Decimal], ...] = ()
        self.pause: date | bool | None = None
        last_wait = last_reply = None
        ordinal = 0
        for event in self.events:
            kind = event.type
            if kind == "reply":
                ordinal += 1
                last_reply = (event.intent, event.at, bool(event.trusted))
                detail = event.detail
                marked = detail is not None and (UNSURE_MARK in detail or CONFIRMED_MARK in detail)
                if marked and self._owner_decides(event, json.loads(detail or "{}")):
                    if last_wait is None or event.at > last_wait:
                        last_wait = event.at  # (whatever its reading: it waits)
                    continue
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
        self.last_wait_at, self.last_reply = last_wait, last_reply
        acked = {row.step for row in self.outbox if row.kind == "ack"}
        self.unacked = tuple(item for item in self.unacked if item[0] not in acked)

    def _add_reply(self, ordinal: int, event: Event) -> None:
        intent = event.intent
        if intent == "auto_reply":
            self.away = event
        elif intent == "bounce" and not self.bounced:
            self.bounced = bool(json.loads(event.detail or "{}").get("permanent"))
        if not event.trusted:
            return
        if intent in REPLY_STATES:
            self.said = (intent, event.until)
        if intent in ACK_INTENTS:
            self.unacked += ((ordinal, event.at, intent),)
        if intent in HOLDING_INTENTS:
            self.held = True
        elif intent in COMMITMENTS:
            self.commitment = (ordinal, event)

    def _owner_decides(self, event: Event, detail: dict) -> bool:
        """An unsure reply: kept as ``unsure`` and nothing else (True). A confirmation by the
        owner ends the wait, and counts as the reply it confirms (False)."""
        if detail.get("unsure") is True:
            days = detail.get("wait_days", 3)
            confidence = detail.get("confidence")
            self.unsure = Unsure(
                event.at, days if isinstance(days, int) else 3, event.intent or "other", event.until,
                confidence if isinstance(confidence, int | float) else None,
            )  # fmt: skip
            return True
        if "confirmed" in detail:
            self.unsure = None
        return False

    def _forget_replies(self) -> None:
        """`mailbot resume`: what the client said before no longer holds the invoice."""
        self.unsure = None
        self.said = None
        self.unacked = ()
        self.held = False
        self.commitment = None
        self.away = None
        self.bounced = False


# How a reply's detail (``state.events.detail_json``: sorted keys, ", " and ": ") says the
# owner decides it: cheap to look for before any JSON is read (a quote inside a value is
# escaped, so only the key matches). ``state.decision_reads`` keeps such details.
UNSURE_MARK = '"unsure": true'
CONFIRMED_MARK = '"confirmed": '
_ZERO = Decimal(0)
EMPTY = Facts()


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
