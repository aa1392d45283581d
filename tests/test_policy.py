"""Pure decisions with `now` passed in: which invoice goes out, and its state."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

from mailbot.config.problems import Problem
from mailbot.config.settings import Client
from mailbot.decide import policy
from mailbot.ledger.read import Invoice, LineItem
from mailbot.state.store import OutboxRow

CLIENTS = {
    "tokyo": Client(name="T", email="a@t.example", timezone="Asia/Tokyo"),
    "ny": Client(name="N", email="a@n.example", timezone="America/New_York"),
}


def _invoice(number="1", client="tokyo", issue=date(2026, 11, 23), **extra) -> Invoice:
    item = LineItem(2, "Work", D(1), "", D(100), D(0), D(0), D("100.00"))
    values = {"due_date": date(2026, 12, 7), **extra}
    return Invoice(number=number, client_id=client, line=2, issue_date=issue, items=[item], **values)


def _row(status="sent") -> OutboxRow:
    return OutboxRow(1, "1", "invoice", 0, "<m@x>", status, "", None, 1, None)


def test_invoice_goes_out_when_its_issue_date_comes_on_the_clients_calendar():
    now = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 9:00 on the 23rd in Tokyo, the 22nd in New York
    invoices = [_invoice("1", "tokyo"), _invoice("2", "ny")]
    actions = policy.next_actions(invoices, {}, CLIENTS, now)
    assert actions == [policy.Action("1", "invoice", client="tokyo")]


def test_nothing_goes_out_twice_or_when_paid_cancelled_or_invalid():
    now = datetime(2026, 11, 24, tzinfo=UTC)
    sent = {"1": policy.Facts(outbox=(_row("claimed"),))}
    invoices = [
        _invoice("1"),
        _invoice("2", paid_on=date(2026, 11, 20)),
        _invoice("3", cancelled=True),
        _invoice("4", problems=[Problem("l.csv", 3, "bad")]),
        _invoice("5", paid_on=date(2026, 11, 20), paid_amount=D("40")),  # partly paid: still due
    ]
    assert policy.next_actions(invoices, sent, CLIENTS, now) == [
        policy.Action("5", "invoice", client="tokyo")
    ]


def test_states_follow_the_contract():
    today = date(2026, 11, 30)
    assert policy.state(_invoice(), policy.Facts(), today) == "scheduled"
    assert policy.state(_invoice(), policy.Facts(outbox=(_row("sent"),)), today) == "sent"
    assert policy.state(_invoice(), policy.Facts(outbox=(_row("sent"),)), date(2026, 12, 8)) == "overdue"
    assert policy.state(_invoice(), policy.Facts(outbox=(_row("failed"),)), today) == "undeliverable"
    assert policy.state(_invoice(paid_on=today), policy.Facts(), today) == "paid"
    assert policy.state(_invoice(cancelled=True), policy.Facts(), today) == "cancelled"
    bad = _invoice(problems=[Problem("l.csv", 3, "bad")])
    assert policy.state(bad, policy.Facts(), today) == "invalid"


def test_next_action_for_a_future_invoice_is_its_issue_date():
    invoice = _invoice(issue=date(2026, 12, 1))
    assert policy.next_action(invoice, policy.Facts(), date(2026, 11, 22)) == {
        "kind": "invoice", "on": "2026-12-01",
    }  # fmt: skip
