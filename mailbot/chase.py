"""Pure: the reminder ladder for one invoice, adapted to what the client said and did.

``plan(...)`` answers, for one invoice at one moment: which reminder is due
now (with its tone and the reasons for any adaptation), or when the next one
will be.  ``policy`` calls it for every open invoice and makes one mail per
client out of the answers.  The rules, each from the issue and each tested:

- the owner's ladder: steps relative to the due date, each with a tone;
- after downtime, the single most advanced due step, then the rest re-timed
  with their original spacing (never a burst);
- at least three reminders before a final notice;
- a reliable payer gets no heads-up and a softer tone; a client with two or
  more late payments in a year gets the heads-up and each firmer tone one
  step earlier;
- a promise: nothing until the promised day plus grace, then one follow-up;
- a payment claim: nothing for a verification window, then one gentle check;
- an out-of-office reply: the next reminder waits for the first working day
  after the return date (or a week);
- a dispute or a question: nothing until the owner resumes the invoice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache

from mailbot.ledger import Invoice
from mailbot.settings import TONES, Chase, Client, Step
from mailbot.store import Event, OutboxRow
from mailbot.workdays import Calendar

REMINDER_KINDS = ("reminder", "final")
PROMISE_FOLLOWUP = 100  # outbox steps above the ladder: 100 + n, 200 + n (the n-th reply)
CLAIM_CHECK = 200


@dataclass(frozen=True)
class Due:
    """A reminder due now."""

    invoice: str
    kind: str  # reminder | final
    step: int  # ladder position (1-based), or PROMISE_FOLLOWUP/CLAIM_CHECK + n
    tone: str  # heads_up ... final, promise_followup, claim_check
    reasons: tuple[str, ...] = ()
    promised: date | None = None


@dataclass(frozen=True)
class Later:
    """Nothing now; the next reminder on this day (for ``status``), and why."""

    on: date
    reasons: tuple[str, ...] = ()


def sent_rows(outbox: tuple[OutboxRow, ...], kinds: tuple[str, ...]) -> list[OutboxRow]:
    return [r for r in outbox if r.kind in kinds and r.status == "sent"]


def row_day(row: OutboxRow, cal: Calendar) -> date:
    return _day_of(row.sent_at or row.claimed_at, cal.zone)


def last_day_of(rows: list[OutboxRow], cal: Calendar) -> date | None:
    """The client's day of the latest row (ISO UTC strings sort as times do)."""
    latest = max((r.sent_at or r.claimed_at for r in rows), default=None)
    return _day_of(latest, cal.zone) if latest else None


@lru_cache(maxsize=65536)
def _day_of(stamp: str, zone) -> date:
    """The client's calendar day of a stored UTC time (asked for many times a pass)."""
    return datetime.fromisoformat(stamp).astimezone(zone).date()


def current_replies(events: tuple[Event, ...]) -> list[tuple[int, Event]]:
    """(ordinal among all replies, event) since the owner last resumed the invoice."""
    found: list[tuple[int, Event]] = []
    ordinal = 0
    for event in events:
        if event.type == "resume":
            found = []
        elif event.type == "reply":
            ordinal += 1
            found.append((ordinal, event))
    return found


def paused_until(events: tuple[Event, ...]) -> date | bool | None:
    """The owner's pause: a date, True for "until resumed", None when not paused."""
    state: date | bool | None = None
    for event in events:
        if event.type == "pause":
            state = date.fromisoformat(event.until) if event.until else True
        elif event.type == "resume":
            state = None
    return state


def plan(
    invoice: Invoice,
    outbox: tuple[OutboxRow, ...],
    events: tuple[Event, ...],
    client: Client,
    chase: Chase,
    cal: Calendar,
    profile: str,
    now: datetime,
) -> Due | Later | None:
    """The reminder for this invoice now, or when; None when it is not chased at all."""
    today = cal.today(now)
    if not chase.enabled or not client.chase or invoice.due_date is None:
        return None
    sent = sent_rows(outbox, REMINDER_KINDS)
    replies = current_replies(events)
    trusted = [(n, e) for n, e in replies if e.trusted]
    if any(e.intent in ("dispute", "question") for _, e in trusted):
        return None  # a person answers first; `mailbot resume` starts chasing again
    pause = paused_until(events)
    if pause is True:
        return None
    not_before, reasons = today, []
    if isinstance(pause, date) and pause >= today:
        not_before, reasons = pause + timedelta(days=1), [f"paused by the owner until {pause}"]
    last_sent_day = last_day_of(sent, cal)
    special = _after_reply(trusted, replies, outbox, chase, cal, today, last_sent_day)
    if isinstance(special, Due):
        special = replace(special, invoice=invoice.number)
    if isinstance(special, Due | Later):
        return _open_hours(special, cal, now, not_before, reasons)
    if special is not None:
        day, why = special
        if day > not_before:
            not_before, reasons = day, [*reasons, why]
    invoice_row = next((r for r in outbox if r.kind == "invoice" and r.status == "sent"), None)
    if invoice_row is None:
        return None
    first_day = row_day(invoice_row, cal) + timedelta(days=1)  # never on the invoice's own day
    if first_day > not_before:
        not_before = first_day
    # After a pause, a promise or an away notice the ladder goes on one step at a time;
    # only after mailbot itself was down does it jump to the most advanced due step.
    catch_up = not (reasons or _waited_since(events, last_sent_day, cal))
    step = _ladder_step(invoice, sent, client, chase, cal, profile, max(today, not_before), catch_up)
    if step is None:
        return None
    return _open_hours(step, cal, now, not_before, reasons)


def _waited_since(events: tuple[Event, ...], last_sent_day: date | None, cal: Calendar) -> bool:
    """Did the client or the owner make us wait since the last reminder?"""
    for event in events:
        waited = event.type in ("resume", "pause") or (
            event.type == "reply" and event.intent in ("auto_reply", "promise_to_pay", "payment_claimed",
                                                       "dispute", "question")
        )  # fmt: skip
        if waited and (last_sent_day is None or _event_day(event, cal) >= last_sent_day):
            return True
    return False


def _open_hours(
    found: Due | Later, cal: Calendar, now: datetime, not_before: date, reasons: list[str]
) -> Due | Later:
    """A due reminder waits for the client's business hours and any not-before date."""
    today = cal.today(now)
    if isinstance(found, Later):
        day = max(found.on, not_before)
        return Later(cal.first_working_day_from(day), (*reasons, *found.reasons))
    if not_before > today:
        return Later(cal.first_working_day_from(not_before), (*reasons, *found.reasons))
    if not cal.is_open(now):
        day = today if cal.is_working_day(today) and cal.local(now).time() < cal.opens else None
        return Later(day or cal.next_working_day(today), (*found.reasons, "outside business hours"))
    return Due(found.invoice, found.kind, found.step, found.tone, (*reasons, *found.reasons),
               found.promised)  # fmt: skip


def _after_reply(trusted, replies, outbox, chase, cal, today, last_sent_day):
    """What the latest reply asks for: a follow-up now, a not-before day, or nothing."""
    steps = {r.step for r in outbox if r.kind == "reminder"}
    for ordinal, event in reversed(trusted):
        said_on = _event_day(event, cal)
        if event.intent == "promise_to_pay":
            promised = date.fromisoformat(event.until) if event.until else said_on + timedelta(days=7)
            resume = cal.add_working_days(promised, chase.promise_grace_days)
            step = PROMISE_FOLLOWUP + ordinal
            if step in steps:
                return None  # followed up once: the ladder goes on
            why = f"promised to pay on {promised}; waiting {chase.promise_grace_days} working days"
            if today <= resume:
                return Later(cal.next_working_day(resume), (why,))
            return Due("", "reminder", step, "promise_followup", (why,), promised)
        if event.intent == "payment_claimed":
            resume = cal.add_working_days(said_on, chase.claim_wait_days)
            step = CLAIM_CHECK + ordinal
            if step in steps:
                return None
            why = f"said on {said_on} it was paid; giving it {chase.claim_wait_days} working days"
            if today <= resume:
                return Later(cal.next_working_day(resume), (why,))
            return Due("", "reminder", step, "claim_check", (why,))
    for _ordinal, event in reversed(replies):
        if event.intent != "auto_reply":
            continue
        said_on = _event_day(event, cal)
        if last_sent_day is not None and said_on < last_sent_day:
            return None  # the away notice answered an older reminder
        back = (
            date.fromisoformat(event.until)
            if event.until
            else said_on + timedelta(days=chase.auto_reply_days)
        )
        day = cal.next_working_day(back) if event.until else cal.first_working_day_from(back)
        return day, f"away (auto-reply) until {back}"
    return None


def _event_day(event: Event, cal: Calendar) -> date:
    return _day_of(event.at, cal.zone)


def ladder_of(client: Client, chase: Chase, profile: str) -> tuple[tuple[int, Step], ...]:
    """(position, step) pairs this client gets; a reliable payer gets no heads-up."""
    steps = client.ladder or chase.steps
    return tuple(
        (i, s) for i, s in enumerate(steps, 1) if not (profile == "reliable" and s.tone == "heads_up")
    )


def _ladder_step(invoice, sent, client, chase, cal, profile, today, catch_up) -> Due | Later | None:
    ladder = ladder_of(client, chase, profile)
    done = [r.step for r in sent if r.step < PROMISE_FOLLOWUP]
    last = max(done, default=0)
    count = len(sent)
    # Spacing counts from the last reminder of any kind (a promise follow-up too).
    last_day = last_day_of(sent, cal)
    last_days = next((s.days for i, s in ladder if i == last), None)
    remaining = [(i, s) for i, s in ladder if i > last]
    if not remaining:
        return None
    final_at = next((i for i, s in remaining if s.tone == "final"), None)

    def when(step: Step) -> date:
        """The ladder date, re-timed after a catch-up so the spacing stays as the owner set it."""
        day = invoice.due_date + timedelta(days=step.days)
        if last_day is not None and last_days is not None:
            day = max(day, last_day + timedelta(days=step.days - last_days))
        return day

    due = [(i, s) for i, s in remaining if when(s) <= today]
    # A heads-up announces the due date: once the date has come, it has nothing to say.
    due = [(i, s) for i, s in due if not (s.tone == "heads_up" and today >= invoice.due_date)]
    for position, step in reversed(due) if catch_up else due:
        if step.tone == "final" and count < 3:
            continue
        if final_at is not None and step.tone != "final":
            between = len([i for i, _ in remaining if position < i < final_at])
            if count + 1 + between < 3:
                continue  # keep enough reminders for a final notice to stay possible
        tone, why = adapt(step.tone, profile, client.tone)
        kind = "final" if step.tone == "final" else "reminder"
        burst = (
            [f"{len(due)} steps were due at once (mailbot was not running): one is sent, "
             "not a burst, and the rest keep their spacing"] if catch_up and len(due) > 1 else []
        )  # fmt: skip
        reasons = (*why, *burst)
        return Due(invoice.number, kind, position, tone, reasons)
    upcoming = [
        when(s) for i, s in remaining
        if when(s) > today and not (s.tone == "heads_up" and when(s) >= invoice.due_date)
    ]  # fmt: skip
    return Later(min(upcoming)) if upcoming else None


def adapt(tone: str, profile: str, client_tone: str = "friendly") -> tuple[str, tuple[str, ...]]:
    """Softer for a reliable payer, one step firmer for a late one; final stays final.

    The owner's ``[clients.x] tone = "warm"`` softens every reminder one step too
    (a long-standing friend of the business), unless the client pays late.
    """
    if tone in ("final", "heads_up"):
        return tone, ()
    index = TONES.index(tone)
    if profile == "reliable" and index > 1:
        return TONES[index - 1], ("softer tone: paid the last invoices on time",)
    if profile == "late" and TONES[index + 1] != "final":
        return TONES[index + 1], ("firmer tone one step earlier: 2 or more late payments in 12 months",)
    if client_tone == "warm" and index > 1:
        return TONES[index - 1], ("softer tone: the owner asked for a warm tone with this client",)
    return tone, ()


def payer_profile(invoices: list[Invoice], paid_on: dict[str, date], today: date) -> tuple[str, str]:
    """reliable | late | usual, with the reason, from this client's paid invoices."""
    paid = sorted(
        ((paid_on[i.number], i) for i in invoices if i.number in paid_on and i.due_date is not None),
        key=lambda pair: (pair[0], pair[1].number),
    )
    if not paid:
        return "usual", ""
    year_ago = today - timedelta(days=365)
    late = [i for day, i in paid if day > i.due_date and day >= year_ago]
    if len(late) >= 2:
        return "late", f"{len(late)} late payments in the last 12 months"
    recent = paid[-3:]
    if len(recent) >= 2 and all(day <= i.due_date for day, i in recent):
        return "reliable", f"paid the last {len(recent)} invoices on time"
    return "usual", ""


def payments(events: tuple[Event, ...]) -> list[tuple[date, str]]:
    """Payments the owner recorded (`mark-paid`, bank imports): (day, amount)."""
    found = []
    for event in events:
        if event.type == "payment" and event.detail:
            data = json.loads(event.detail)
            found.append((date.fromisoformat(data["on"]), data["amount"]))
    return found
