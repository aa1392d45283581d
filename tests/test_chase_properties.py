"""Random histories, run day by day through the pure policy: the promises to clients hold.

Each example invents two invoices of one client, replies (trusted or not),
payments, pauses, resumes and cancellations on random days, and days when the
worker was down; then it replays the calendar and checks every rule the
issue names, whatever happened.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailbot.config.settings import Chase, Client
from mailbot.decide import policy
from mailbot.decide.chase import PROMISE_FOLLOWUP
from mailbot.ledger.money import late_fee
from mailbot.ledger.read import Invoice, LineItem
from mailbot.records.summary import from_summary, summary_of
from mailbot.state.store import Event, OutboxRow

START = date(2026, 10, 5)  # a Monday
DAYS = 100
CLIENT = Client(name="Acme", email="ap@acme.example", timezone="UTC")
RULES = Chase(country="")  # no public holidays: weekends only, for readable histories
INTENTS = ["payment_claimed", "promise_to_pay", "dispute", "question", "thanks", "auto_reply", "other"]


def _invoice(number: str, issue: int, terms: int) -> Invoice:
    item = LineItem(2, "Work", Decimal(1), "", Decimal(1000), Decimal(0), Decimal(19), Decimal("1000.00"))
    return Invoice(number=number, client_id="acme", line=2, issue_date=START + timedelta(days=issue),
                   due_date=START + timedelta(days=issue + terms), items=[item])  # fmt: skip


happening = st.fixed_dictionaries(
    {
        "day": st.integers(0, DAYS - 1),
        "invoice": st.sampled_from(["A", "B"]),
        "what": st.sampled_from(["reply", "reply", "reply", "payment", "pause", "resume", "cancel"]),
        "intent": st.sampled_from(INTENTS),
        "trusted": st.booleans(),
        "offset": st.integers(-5, 20),  # promised/return/pause-until day, relative
        "full": st.booleans(),
    }
)


@st.composite
def histories(draw):
    invoices = {
        "A": (draw(st.integers(0, 10)), draw(st.integers(0, 30))),
        "B": (draw(st.integers(0, 40)), draw(st.integers(0, 30))),
    }
    events = draw(st.lists(happening, max_size=12))
    up = draw(st.lists(st.booleans(), min_size=DAYS, max_size=DAYS))
    # Downtime comes in stretches: a random gap of up to 25 days.
    gap_start, gap_len = draw(st.integers(0, DAYS)), draw(st.integers(0, 25))
    running = [u or (i % 3 == 0) for i, u in enumerate(up)]
    running = [r and not (gap_start <= i < gap_start + gap_len) for i, r in enumerate(running)]
    return invoices, events, running


def replay(invoices_spec, happenings, running, check_summaries: bool = False, check_plans: bool = False):
    """Run the policy each day the worker was up; 'send' what it decides.

    ``check_summaries``: each day, also decide from the facts' stored summaries
    (``summary_of``'s column values, as ``Store`` keeps them) and require
    the very same actions.  ``check_plans``: each day, in and out of business
    hours, also decide with every invoice planned (no shortcut on a receipt or
    acknowledgment day) and require the very same actions."""
    invoices = {n: _invoice(n, issue, terms) for n, (issue, terms) in invoices_spec.items()}
    outbox: list[OutboxRow] = []
    events: list[Event] = []
    cancelled_on: dict[str, int] = {}
    for day in range(DAYS):
        today = START + timedelta(days=day)
        for h in (h for h in happenings if h["day"] == day):
            events.append(_event(h, today, invoices))
            if h["what"] == "cancel":
                cancelled_on.setdefault(h["invoice"], day)
                invoices[h["invoice"]] = replace(invoices[h["invoice"]], cancelled=True)
        if not running[day]:
            continue
        now = datetime(today.year, today.month, today.day, 10, 0, tzinfo=UTC)
        facts = policy.group_facts(outbox, events)
        actions = policy.next_actions(list(invoices.values()), facts, {"acme": CLIENT}, now, RULES)
        if check_summaries:
            stored = {k: from_summary(k, **summary_of(f)) for k, f in facts.items()}
            assert (
                policy.next_actions(list(invoices.values()), stored, {"acme": CLIENT}, now, RULES) == actions
            )
            assert all(summary_of(stored[k]) == summary_of(f) for k, f in facts.items())
        if check_plans:
            _same_as_planning_everything(list(invoices.values()), facts, now)
        for action in actions:
            if action.kind in ("note", "notice"):
                continue
            stamp = now.isoformat()
            mail = f"<{day}.{action.group or (action.invoice, action.kind, action.step)}@x>"
            outbox.append(OutboxRow(len(outbox) + 1, action.invoice, action.kind, action.step,
                                    mail, "sent", stamp, stamp, 1, None,
                                    tone=action.tone or None))  # fmt: skip
        if check_plans and actions:  # later that day: mail sent today (an invoice, a receipt)
            later = now.replace(hour=14)
            _same_as_planning_everything(list(invoices.values()), policy.group_facts(outbox, events), later)
    return invoices, outbox, events, cancelled_on


def _same_as_planning_everything(invoices, facts, now: datetime) -> None:
    for moment in (now, now.replace(hour=19)):  # 20:00 in Berlin: closed
        decided = policy.next_actions(invoices, facts, {"acme": CLIENT}, moment, RULES)
        with patch.object(policy, "_may_wait_for_reason", lambda *_: True):
            assert policy.next_actions(invoices, facts, {"acme": CLIENT}, moment, RULES) == decided


def _event(h, today: date, invoices) -> Event:
    at = datetime(today.year, today.month, today.day, 8, 0, tzinfo=UTC).isoformat()
    until = (today + timedelta(days=h["offset"])).isoformat()
    if h["what"] == "reply":
        dated = h["intent"] in ("promise_to_pay", "auto_reply")
        return Event(h["invoice"], at, "reply", intent=h["intent"], trusted=h["trusted"],
                     until=until if dated else None)  # fmt: skip
    if h["what"] == "payment":
        amount = "1190.00" if h["full"] else "300.00"
        return Event(
            h["invoice"], at, "payment", detail=json.dumps({"amount": amount, "on": today.isoformat()})
        )
    if h["what"] == "pause":
        return Event(h["invoice"], at, "pause", until=until if h["offset"] > 0 else None)
    return Event(h["invoice"], at, h["what"] if h["what"] == "resume" else "note")


def _day(row: OutboxRow) -> date:
    return datetime.fromisoformat(row.sent_at).date()


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(histories())
def test_reminder_rules_hold_for_any_history(history):
    invoices, outbox, events, cancelled_on = replay(*history)
    chase_rows = [r for r in outbox if r.kind in policy.CHASE_KINDS]

    # Never the same mail decided twice (the store would refuse the claim, and the
    # client's one mail of the day would be lost to it): a thank-you per reply, one receipt.
    decided = [(r.invoice, r.kind, r.step) for r in outbox]
    assert len(decided) == len(set(decided)), decided

    # Never two chase mails to one client on one day (one mail may cover both invoices).
    mails_by_day: dict[date, set[str]] = {}
    for row in chase_rows:
        mails_by_day.setdefault(_day(row), set()).add(row.message_id)
    for day, mails in mails_by_day.items():
        assert len(mails) == 1, (day, mails)

    for number, invoice in invoices.items():
        rows = [r for r in outbox if r.invoice == number]
        sent = next((r for r in rows if r.kind == "invoice"), None)
        reminders = [r for r in rows if r.kind in ("reminder", "final")]
        if sent is None:
            assert not reminders  # never before the invoice was sent
            continue
        mine = [e for e in events if e.invoice == number]
        for index, row in enumerate(reminders):
            day = _day(row)
            assert day > _day(sent), "never on or before the invoice's own day"
            paid = sum(Decimal(json.loads(e.detail)["amount"]) for e in mine
                       if e.type == "payment" and datetime.fromisoformat(e.at).date() <= day)  # fmt: skip
            assert paid < invoice.totals.gross, "never a reminder after payment"
            assert number not in cancelled_on or day < START + timedelta(days=cancelled_on[number])
            assert not _disputed_on(mine, day), "never while a dispute or question waits for resume"
            if row.kind == "final":
                assert index >= 3, "at least three reminders before a final notice"
        ladder = [r.step for r in reminders if r.step < PROMISE_FOLLOWUP]
        assert ladder == sorted(set(ladder)), "steps never go backwards or repeat"


def _disputed_on(events: list[Event], day: date) -> bool:
    waiting = False
    for event in events:
        if datetime.fromisoformat(event.at).date() > day:
            break
        if event.type == "resume":
            waiting = False
        elif event.type == "reply" and event.trusted and event.intent in ("dispute", "question"):
            waiting = True
    return waiting


@given(
    st.decimals(min_value=1, max_value=100000, places=2),
    st.decimals(min_value=0, max_value=20, places=2),
    st.integers(0, 400),
    st.integers(0, 400),
)
def test_late_fee_is_never_compounded_or_charged_twice(amount, rate, days_a, days_b):
    first, later = sorted((days_a, days_b))
    a = late_fee(amount, rate, Decimal(40), first, "EUR")
    b = late_fee(amount, rate, Decimal(40), later, "EUR")
    assert a.flat == b.flat == Decimal("40.00")  # the flat fee is one fee, whenever stated
    assert b.interest >= a.interest
    # Simple interest on the open amount only: no interest on interest or on the fee.
    expected = (amount * rate / 100 * later / 365).quantize(Decimal("0.01"))
    assert abs(b.interest - expected) <= Decimal("0.01")


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(histories())
def test_stored_summaries_decide_exactly_as_the_records_do(history):
    replay(*history, check_summaries=True)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(histories())
def test_a_receipt_or_ack_day_notes_what_planning_every_invoice_notes(history):
    replay(*history, check_plans=True)
