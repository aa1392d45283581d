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
- a promise: nothing until the promised day plus grace, and never before the first
  working day after the due date; then one follow-up naming the promised day;
- a payment claim: nothing for a verification window, then one gentle check;
- after a follow-up or a check, the ladder goes on a week later, one step at a time;
- the heads-up only opens a conversation: never after a chase mail, a claim or a promise;
- an invoice mailed after its due date counts from its new deadline (``states.due_after_mailing``);
- an out-of-office reply: the next reminder waits for the first working day
  after the return date (or a week);
- a dispute or a question: nothing until the owner resumes the invoice;
- a reply mailbot was not sure of (whatever its best reading): the next reminder waits
  ``[replies] unsure_wait_days`` working days for the owner, then goes on one step at a
  time; ``mailbot confirm`` or ``resume`` ends the wait.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, timedelta
from typing import Literal, NamedTuple

from mailbot.config.settings import Chase, Client, ClientTone, Step, Tone
from mailbot.decide.ladder import Ladder, Profile, adapt, ladder_of
from mailbot.decide.states import due_after_mailing
from mailbot.decide.workdays import Calendar
from mailbot.ledger.invoices import Invoice
from mailbot.records.facts import Facts

PROMISE_FOLLOWUP = 100  # outbox steps above the ladder: 100 + n, 200 + n (the n-th reply)
CLAIM_CHECK = 200

ChaseMail = Literal["reminder", "final"]
"""The mail kinds (``records.kinds.MailKind``) a reminder goes out as."""
DueTone = Tone | Literal["promise_followup", "claim_check"]
"""A ladder step's tone, or the one mail after a promise or a payment claim."""


class Due(NamedTuple):
    """A reminder due now."""

    invoice: str
    kind: ChaseMail
    step: int  # ladder position (1-based), or PROMISE_FOLLOWUP/CLAIM_CHECK + n
    tone: DueTone
    reasons: tuple[str, ...] = ()
    promised: date | None = None
    on: date | None = None  # the step's own day (it may have waited since: one mail a day)


class Later(NamedTuple):
    """Nothing now; the next reminder on this day (for ``status``), and why."""

    on: date
    reasons: tuple[str, ...] = ()


def plan(
    invoice: Invoice,
    facts: Facts,
    client: Client,
    chase: Chase,
    cal: Calendar,
    profile: Profile,
    now: datetime,
    *,
    ladder: Ladder | None = None,
) -> Due | Later | None:
    """The reminder for this invoice now, or when; None when it is not chased at all.

    ``ladder``: ``ladder_of(client, chase, profile)``, when the caller has it (a pass
    works it out once per client rather than once per invoice).
    """
    due_date = invoice.due_date
    invoice_at = facts.invoice_at
    if not chase.enabled or not client.chase or due_date is None:
        return None
    if not facts.invoice_sent or invoice_at is None:  # (a sent invoice's row has a time)
        return None
    if facts.held:
        return None  # a person answers first; `mailbot resume` starts chasing again
    pause = facts.pause
    if pause is True:
        return None
    replied = facts.commitment or facts.away
    if ladder is None:
        ladder = ladder_of(client, chase, profile)
    if not replied:
        positions = ladder.positions
        if not positions or facts.ladder_last >= positions[-1]:
            return None  # the whole ladder was sent, and no reply asks for a follow-up
    today = cal.today(now)
    not_before = today
    reasons: tuple[str, ...] = ()
    if isinstance(pause, date) and pause >= today:  # (a date, or None: True returned above)
        not_before, reasons = pause + _DAY, (f"paused by the owner until {pause}",)
    day = cal.day  # (the client's day of a stored time)
    unsure = facts.unsure
    if unsure is not None and unsure.days > 0:  # a reply mailbot was not sure of: the owner first
        until, why = _unsure(cal, day(unsure.at), unsure.days)
        if until > not_before:
            not_before, reasons = until, (*reasons, why)
    mailed_on = day(invoice_at)
    if mailed_on > due_date:  # mailed late: the client has the terms from the day it came
        due_date = due_after_mailing(due_date, invoice.issue_date, mailed_on, chase.late_mail_terms_days)
    last_reminder_at = facts.last_reminder_at
    stepwise = False  # a reply or a follow-up made chasing wait: one step at a time
    if replied:
        special = _after_reply(invoice.number, facts, chase, cal, today, last_reminder_at, due_date)
        if isinstance(special, _ANSWERS):
            return _open_hours(special, cal, now, not_before, reasons)
        if special is not None:
            until, why = special
            stepwise = True
            if until > not_before:
                not_before, reasons = until, (*reasons, why)
    first_day = mailed_on + _DAY  # never on the invoice's own day
    if first_day > not_before:
        not_before = first_day
    # After a pause, a promise or an away notice the ladder goes on one step at a time;
    # only after mailbot itself was down does it jump to the most advanced due step.
    last_sent_day = day(last_reminder_at) if last_reminder_at else None
    waited = facts.last_wait_at is not None and (
        last_sent_day is None or day(facts.last_wait_at) >= last_sent_day
    )
    catch_up = not (reasons or waited or stepwise)
    on = max(today, not_before)
    # The heads-up only opens a conversation: never after a chase mail, a claim or a promise.
    fresh = facts.last_chase_at is None and facts.commitment is None and not facts.follow_ups
    step = _ladder_step(
        invoice.number, due_date, facts, ladder, client.tone, profile, on, last_sent_day, catch_up, fresh
    )
    if step is None:
        return None
    return _open_hours(step, cal, now, not_before, reasons)


_DAY = timedelta(days=1)
_ANSWERS = (Due, Later)


def _open_hours(
    found: Due | Later, cal: Calendar, now: datetime, not_before: date, reasons: tuple[str, ...]
) -> Due | Later:
    """A due reminder waits for the client's business hours and any not-before date."""
    today = cal.today(now)
    if isinstance(found, Later):
        if not reasons and found.on >= not_before and cal.is_working_day(found.on):
            return found  # (most waits: a promise's or a claim's, as worked out)
        day = max(found.on, not_before)
        return Later(cal.first_working_day_from(day), (*reasons, *found.reasons))
    if not_before > today:
        return Later(cal.first_working_day_from(not_before), (*reasons, *found.reasons))
    if not cal.is_open(now):
        opens_today = cal.is_working_day(today) and cal.local(now).time() < cal.opens
        return Later(today if opens_today else cal.next_working_day(today),
                     (*found.reasons, "outside business hours"))  # fmt: skip
    if not reasons:
        return found
    return found._replace(reasons=(*reasons, *found.reasons))


def _after_reply(number: str, facts: Facts, chase: Chase, cal: Calendar, today: date,
                 last_reminder_at: str | None, due_date: date
                 ) -> Due | Later | tuple[date, str] | None:  # fmt: skip
    """What the latest reply asks for: a follow-up now, a not-before day, or nothing.

    The latest trusted promise or payment claim wins; otherwise the latest away notice.
    A promise is honoured: nothing before the later of the promised day plus grace and
    the first working day after the due date (a client who promised to pay early has
    not broken anything until the invoice is due).  So is a payment claim: "we have not
    received it yet" about money not even due yet would ask too early.
    """
    if facts.commitment is not None:
        ordinal, event = facts.commitment
        if event.intent == "promise_to_pay":
            step = PROMISE_FOLLOWUP + ordinal
            if step in facts.follow_ups:
                return _after_follow_up(cal, last_reminder_at)  # followed up once: the ladder goes on
            promised, resume, wait = _promise(cal, chase, cal.day(event.at), event.until)
            if due_date > resume:
                resume = due_date
                why = (
                    f"promised to pay on {promised}, before the due date {due_date}: nothing until it is due"
                )
                wait = Later(cal.next_working_day(due_date), (why,))
            if today <= resume:
                return wait
            return Due(number, "reminder", step, "promise_followup", wait.reasons, promised, wait.on)
        step = CLAIM_CHECK + ordinal
        if step in facts.follow_ups:
            return _after_follow_up(cal, last_reminder_at)
        resume, wait = _claim(cal, chase, cal.day(event.at))
        if due_date > resume:
            resume = due_date
            said = cal.day(event.at)
            why = f"said on {said} it was paid, before the due date {due_date}: nothing until it is due"
            wait = Later(cal.next_working_day(due_date), (why,))
        if today <= resume:
            return wait
        return Due(number, "reminder", step, "claim_check", wait.reasons, on=wait.on)
    away = facts.away
    if away is None:
        return None
    said_on = cal.day(away.at)
    if last_reminder_at and said_on < cal.day(last_reminder_at):
        return None  # the away notice answered an older reminder
    return _away(cal, chase, said_on, away.until)


FOLLOW_UP_GAP = timedelta(days=7)


def _after_follow_up(cal: Calendar, last_reminder_at: str | None) -> tuple[date, str] | None:
    """After a promise follow-up or a claim check the ladder goes on forward, a week later:
    the follow-up asked the client something, and a reminder the next day would not wait
    for the answer (a ladder step due meanwhile moves, its spacing with the next kept)."""
    if last_reminder_at is None:
        return None
    last = cal.day(last_reminder_at)
    return last + FOLLOW_UP_GAP, f"followed up on {last}: the next reminder a week later"


# What a reply's dates mean on a calendar, worked out once per calendar and dates: a pass
# asks for tens of thousands of promises, claims and away notices, on far fewer dates.


def _promise(cal: Calendar, chase: Chase, said_on: date, until: str | None) -> tuple[date, date, Later]:
    """The promised day, the last day of grace, and the wait until then (with its reason)."""
    key = ("promise", until or said_on, chase.promise_grace_days)
    found = cal.replies.get(key)
    if found is None:
        promised = date.fromisoformat(until) if until else said_on + timedelta(days=7)
        resume = cal.add_working_days(promised, chase.promise_grace_days)
        why = f"promised to pay on {promised}; waiting {chase.promise_grace_days} working days"
        found = cal.replies[key] = (promised, resume, Later(cal.next_working_day(resume), (why,)))
    return found


def _claim(cal: Calendar, chase: Chase, said_on: date) -> tuple[date, Later]:
    """The last day of the verification window after a payment claim, and the wait."""
    key = ("claim", said_on, chase.claim_wait_days)
    found = cal.replies.get(key)
    if found is None:
        resume = cal.add_working_days(said_on, chase.claim_wait_days)
        why = f"said on {said_on} it was paid; giving it {chase.claim_wait_days} working days"
        found = cal.replies[key] = (resume, Later(cal.next_working_day(resume), (why,)))
    return found


def _unsure(cal: Calendar, said_on: date, days: int) -> tuple[date, str]:
    """The first day the next reminder may go after a reply mailbot was not sure of, and why:
    ``days`` working days on the client's calendar for the owner to confirm or resume."""
    key = ("unsure", said_on, days)
    found = cal.replies.get(key)
    if found is None:
        last = cal.add_working_days(said_on, days)
        found = cal.replies[key] = (
            cal.next_working_day(last),
            f"a reply mailbot was not sure of waits for the owner until {last}",
        )
    return found


def _away(cal: Calendar, chase: Chase, said_on: date, until: str | None) -> tuple[date, str]:
    """The first day the next reminder may go after an away notice, and why."""
    key = ("away", said_on, until, chase.auto_reply_days)
    found = cal.replies.get(key)
    if found is None:
        back = date.fromisoformat(until) if until else said_on + timedelta(days=chase.auto_reply_days)
        day = cal.next_working_day(back) if until else cal.first_working_day_from(back)
        found = cal.replies[key] = (day, f"away (auto-reply) until {back}")
    return found


def _ladder_step(
    number: str,
    due_date: date,
    facts: Facts,
    ladder: Ladder,
    client_tone: ClientTone,
    profile: Profile,
    today: date,
    last_day: date | None,
    catch_up: bool,
    fresh: bool,
) -> Due | Later | None:
    last = facts.ladder_last
    first = bisect_right(ladder.positions, last)  # the steps not sent yet
    remaining = ladder.steps[first:]
    if not remaining:
        return None
    count = facts.sent_reminders
    # Spacing counts from the last reminder of any kind (a promise follow-up too): after
    # a catch-up the later steps move by as much as the last one was late.
    shift = 0
    if last_day is not None and last in ladder.days:
        shift = max(0, (last_day - due_date).days - ladder.days[last])
    final_index = len(remaining) - 1 if ladder.ends_final else None
    announce = today < due_date  # a heads-up announces the due date: afterwards it has nothing to say
    due: list[tuple[int, int, Step, date]] = []  # (index in remaining, position, step, its day)
    upcoming: date | None = None
    start = due_date + timedelta(days=shift) if shift else due_date
    offsets = ladder.offsets
    for index, (position, step) in enumerate(remaining):  # days rise step by step (check_ladder)
        heads_up = step.tone == "heads_up"
        if heads_up and not fresh:
            continue  # the conversation has begun: the ladder goes on forward
        on = start + offsets[first + index]
        if on > today:
            if not (heads_up and on >= due_date):
                upcoming = on  # the first one ahead is the next: no need to look further
                break
        elif announce or not heads_up:
            due.append((index, position, step, on))
    for index, position, step, on in reversed(due) if catch_up else due:
        if step.tone == "final":
            if count < 3:
                continue
        elif final_index is not None and count + final_index - index < 3:
            continue  # keep enough reminders for a final notice to stay possible
        tone, why = adapt(step.tone, profile, client_tone)
        kind: ChaseMail = "final" if step.tone == "final" else "reminder"
        burst = (
            (f"{len(due)} steps were due at once (mailbot was not running): one is sent, "
             "not a burst, and the rest keep their spacing",) if catch_up and len(due) > 1 else ()
        )  # fmt: skip
        return Due(number, kind, position, tone, (*why, *burst), on=on)
    return Later(upcoming) if upcoming is not None else None
