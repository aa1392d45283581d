"""The reminder rules one by one, on the pure policy with the clock passed in."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import BASE_CONFIG, write_config
from test_chase_properties import _invoice

from mailbot.cli.main import main
from mailbot.config.problems import Problem
from mailbot.config.settings import Chase, Client, ConfigError, load_settings
from mailbot.decide import chase, policy
from mailbot.decide.workdays import Calendar
from mailbot.state.store import Event, OutboxRow

CLIENT = Client(name="Acme", email="ap@acme.example", timezone="Europe/Berlin")
RULES = Chase(country="DE")


def _sent(invoice: str, kind: str, day: date, step: int = 0, n: int = 1) -> OutboxRow:
    stamp = datetime(day.year, day.month, day.day, 9, tzinfo=UTC).isoformat()
    return OutboxRow(n, invoice, kind, step, f"<{n}@x>", "sent", stamp, stamp, 1, None)


def _decide(invoices, outbox, events, now, client=CLIENT):
    facts = policy.group_facts(outbox, events)
    return policy.next_actions(invoices, facts, {"acme": client}, now, RULES)


def _paid_history(late: bool) -> tuple[list, list, list]:
    """Three earlier invoices, paid on time or late; one open invoice 'X' due 16 Nov."""
    invoices, outbox, events = [], [], []
    for i, number in enumerate(["P1", "P2", "P3"]):
        invoice = _invoice(number, 0 + i * 10, 14)
        invoices.append(invoice)
        outbox.append(_sent(number, "invoice", invoice.issue_date, n=10 + i))
        day = invoice.due_date + timedelta(days=3 if late else -2)
        events.append(Event(number, f"{day}T09:00:00+00:00", "payment",
                            detail=json.dumps({"amount": "1190.00", "on": day.isoformat()})))  # fmt: skip
        outbox.append(_sent(number, "receipt", day, n=20 + i))
    open_invoice = _invoice("X", 28, 14)  # 2 Nov, due 16 Nov
    outbox.append(_sent("X", "invoice", open_invoice.issue_date, n=30))
    return [*invoices, open_invoice], outbox, events


def test_reliable_payer_gets_no_heads_up_and_a_softer_tone():
    invoices, outbox, events = _paid_history(late=False)
    heads_up_day = datetime(2026, 11, 13, 10, tzinfo=UTC)  # due - 3, a Friday
    assert [a for a in _decide(invoices, outbox, events, heads_up_day) if a.kind == "reminder"] == []
    outbox.append(_sent("X", "reminder", date(2026, 11, 17), step=2, n=40))
    week_late = datetime(2026, 11, 23, 10, tzinfo=UTC)
    (reminder,) = [a for a in _decide(invoices, outbox, events, week_late) if a.kind == "reminder"]
    assert (reminder.step, reminder.tone) == (3, "friendly")  # firm_warm, softened
    assert any("paid the last invoices on time" in r for r in reminder.reasons)


def test_late_payer_gets_the_heads_up_and_firmer_tone_one_step_earlier():
    invoices, outbox, events = _paid_history(late=True)
    heads_up_day = datetime(2026, 11, 13, 10, tzinfo=UTC)
    (heads_up,) = [a for a in _decide(invoices, outbox, events, heads_up_day) if a.kind == "reminder"]
    assert heads_up.tone == "heads_up"
    outbox.append(_sent("X", "reminder", date(2026, 11, 13), step=1, n=40))
    day_after = datetime(2026, 11, 17, 10, tzinfo=UTC)
    (friendly,) = [a for a in _decide(invoices, outbox, events, day_after) if a.kind == "reminder"]
    assert friendly.tone == "firm_warm"
    assert any("late payments" in r for r in friendly.reasons)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 17, 2, 0, tzinfo=UTC),  # 3 a.m. in Berlin
        datetime(2026, 11, 17, 17, 30, tzinfo=UTC),  # 18:30 in Berlin
        datetime(2026, 11, 21, 10, 0, tzinfo=UTC),  # a Saturday
        datetime(2026, 12, 25, 10, 0, tzinfo=UTC),  # Christmas Day
    ],
)
def test_no_reminder_outside_business_hours_weekends_or_holidays(moment):
    invoice = _invoice("X", 28, 14)
    outbox = [_sent("X", "invoice", invoice.issue_date)]
    assert [a for a in _decide([invoice], outbox, [], moment) if a.kind == "reminder"] == []


def test_client_not_chased_still_gets_acknowledged_and_thanked():
    quiet = Client(name="Acme", email="ap@acme.example", timezone="Europe/Berlin", chase=False)
    invoice = _invoice("X", 28, 14)
    outbox = [_sent("X", "invoice", invoice.issue_date)]
    late = datetime(2026, 11, 30, 10, tzinfo=UTC)
    assert _decide([invoice], outbox, [], late, quiet) == []
    claim = Event("X", "2026-11-30T08:00:00+00:00", "reply", intent="payment_claimed", trusted=True)
    assert [a.kind for a in _decide([invoice], outbox, [claim], late, quiet)] == ["ack"]


def test_untrusted_reply_changes_nothing():
    invoice = _invoice("X", 28, 14)
    outbox = [_sent("X", "invoice", invoice.issue_date)]
    spoof = Event("X", "2026-11-16T08:00:00+00:00", "reply", intent="dispute", trusted=False)
    kinds = [a.kind for a in _decide([invoice], outbox, [spoof], datetime(2026, 11, 17, 10, tzinfo=UTC))]
    assert kinds == ["reminder"]  # no ack, no pause


def test_partial_payment_keeps_chasing_and_overpayment_tells_the_owner():
    invoice = _invoice("X", 28, 14)  # 1190.00 gross
    outbox = [_sent("X", "invoice", invoice.issue_date)]
    part = Event(
        "X", "2026-11-16T08:00:00+00:00", "payment", detail=json.dumps({"amount": "500", "on": "2026-11-16"})
    )
    (reminder,) = _decide([invoice], outbox, [part], datetime(2026, 11, 17, 10, tzinfo=UTC))
    assert reminder.kind == "reminder"
    assert policy.balance(invoice, policy.Facts(tuple(outbox), (part,))) == Decimal("690.00")
    too_much = Event(
        "X", "2026-11-18T08:00:00+00:00", "payment", detail=json.dumps({"amount": "700", "on": "2026-11-18"})
    )
    actions = _decide([invoice], outbox, [part, too_much], datetime(2026, 11, 18, 10, tzinfo=UTC))
    assert [a.kind for a in actions] == ["receipt", "notice"]
    assert "overpaid by 10.00 EUR" in actions[1].about


def test_check_rejects_a_ladder_with_too_few_reminders_before_the_final(tmp_path):
    ladder = '\n[chase]\nsteps = [{ days = 1, tone = "friendly" }, { days = 10, tone = "final" }]\n'
    config = write_config(tmp_path, base=BASE_CONFIG.replace("[chase]\nenabled = false", "") + ladder)
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert "[chase] steps: at least three reminders must come before a final notice" in str(caught.value)
    line = config.read_text().splitlines().index(ladder.splitlines()[2]) + 1
    assert f"{config}:{line}:" in str(caught.value)


def test_mark_paid_records_the_payment_and_a_receipt_follows(tmp_path, capsys):
    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    assert main(["--config", str(config), "mark-paid", "2026-004", "--on", "2026-11-20"]) == 0
    assert "recorded 1053.23 EUR paid on 2026-11-20 for 2026-004; open: 0.00" in capsys.readouterr().out
    main(["--config", str(config), "run", "--once"])
    capsys.readouterr()
    main(["--config", str(config), "status", "--json"])
    row = next(r for r in json.loads(capsys.readouterr().out) if r["invoice"] == "2026-004")
    assert (row["state"], row["balance"]) == ("paid", "0.00")
    main(["--config", str(config), "history", "2026-004", "--json"])
    # (by the real clock the invoice may go out after its due date: the owner's note says so)
    kinds = [
        (e["type"], e.get("kind"))
        for e in json.loads(capsys.readouterr().out)
        if e["type"] != "note" and e.get("kind") != "notice"
    ]
    assert kinds == [("sent", "invoice"), ("payment", None), ("sent", "receipt")]


def test_a_payment_marked_by_mistake_can_be_taken_back(tmp_path, capsys):
    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    assert main(["--config", str(config), "mark-paid", "2026-004", "--amount", "500"]) == 0
    assert (
        main(["--config", str(config), "unmark-paid", "2026-004", "--amount", "600"]) == 1
    )  # more than recorded
    assert "500 recorded" in capsys.readouterr().err
    assert main(["--config", str(config), "unmark-paid", "2026-004", "--reason", "wrong invoice"]) == 0
    capsys.readouterr()
    main(["--config", str(config), "status", "--json"])
    row = next(r for r in json.loads(capsys.readouterr().out) if r["invoice"] == "2026-004")
    assert row["balance"] == "1053.23" and row["state"] != "paid"
    main(["--config", str(config), "export-payments"])
    taken = [p for p in json.loads(capsys.readouterr().out) if p["invoice"] == "2026-004"]
    assert [(p["amount"], p["source"]) for p in taken] == [("500", "mark-paid"), ("-500", "correction")]
    assert main(["--config", str(config), "unmark-paid", "2026-004"]) == 1  # nothing left to take back


def test_pause_and_resume_from_the_command_line(tmp_path, capsys):
    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    assert main(["--config", str(config), "pause", "2026-001", "--reason", "called them"]) == 0
    capsys.readouterr()
    main(["--config", str(config), "status", "--json"])
    assert (
        next(r for r in json.loads(capsys.readouterr().out) if r["invoice"] == "2026-001")["state"]
        == "paused"
    )
    assert main(["--config", str(config), "resume", "2026-001"]) == 0
    capsys.readouterr()
    main(["--config", str(config), "status", "--json"])
    assert (
        next(r for r in json.loads(capsys.readouterr().out) if r["invoice"] == "2026-001")["state"]
        == "overdue"
    )
    assert main(["--config", str(config), "pause", "nope"]) == 1


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", "-5", "0", "1,5"])
def test_mark_paid_refuses_an_impossible_amount_as_bad_usage(tmp_path, amount):
    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    with pytest.raises(SystemExit) as caught:
        main(["--config", str(config), "mark-paid", "2026-004", "--amount", amount])
    assert caught.value.code == 2


def test_business_hours_typo_is_a_config_error(tmp_path):
    base = BASE_CONFIG.replace("[chase]\nenabled = false", '[chase]\nbusiness_hours = "08:30-17:75"')
    with pytest.raises(ConfigError) as caught:
        load_settings(write_config(tmp_path, base=base))
    assert "[chase] business_hours: '08:30-17:75' is not like 09:00-17:00" in str(caught.value)


def test_env_override_of_an_address_list_takes_a_plain_address(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILBOT_CLIENTS__ACME__EMAIL", "new@acme.example")
    assert load_settings(write_config(tmp_path)).clients["acme"].email == ["new@acme.example"]


def test_list_mail_from_a_client_changes_nothing():
    from test_replies import KNOWN

    from mailbot.inbound.replies import classify

    raw = (b"From: ap@acme.example\r\nList-Id: <news.acme.example>\r\nPrecedence: bulk\r\n"
           b"Subject: Our new portal\r\n\r\nHave you tried our new supplier invoice portal? Upload your PDF.\r\n")  # fmt: skip
    reply = classify(raw, KNOWN)
    assert (reply.intent, reply.auto) == ("other", True)


def test_client_who_takes_the_early_discount_in_time_owes_nothing(tmp_path):
    base = BASE_CONFIG.replace(
        "[chase]\nenabled = false", "[chase]\n[chase.early_discount]\npercent = 2\ndays = 10"
    )
    settings = load_settings(write_config(tmp_path, base=base))
    from mailbot.ledger.read import load_ledger

    invoice = load_ledger(settings).invoices["2026-004"]  # 1053.23 gross, issued 9 Nov: 2 % = 21.06
    assert (invoice.discount_until, invoice.discount_amount) == (date(2026, 11, 19), Decimal("21.06"))

    def pay(amount: str, on: str) -> policy.Facts:
        detail = json.dumps({"amount": amount, "on": on})
        return policy.Facts((), (Event("2026-004", f"{on}T09:00:00+00:00", "payment", detail=detail),))

    assert policy.balance(invoice, pay("1032.17", "2026-11-19")) == Decimal(0)  # in time
    assert policy.balance(invoice, pay("1032.17", "2026-11-20")) == Decimal("21.06")  # a day late
    assert policy.balance(invoice, pay("1000.00", "2026-11-12")) == Decimal("53.23")  # too little


def test_owner_can_ask_for_a_warm_tone_with_one_client():
    warm = Client(name="Acme", email="ap@acme.example", timezone="Europe/Berlin", tone="warm")
    invoice = _invoice("X", 28, 14)
    outbox = [
        _sent("X", "invoice", invoice.issue_date),
        _sent("X", "reminder", date(2026, 11, 17), step=2, n=2),
    ]
    (reminder,) = _decide([invoice], outbox, [], datetime(2026, 11, 23, 10, tzinfo=UTC), warm)
    assert (reminder.step, reminder.tone) == (3, "friendly")
    assert "warm tone" in reminder.reasons[0]


def test_a_receipt_day_still_notes_why_the_other_reminders_wait():
    """A receipt is the client's one mail today; an overdue reminder waits without a word,
    but a promise and the closed office still say why in the history (notes)."""
    paid, promised, overdue = _invoice("P", 0, 14), _invoice("Q", 0, 14), _invoice("R", 0, 14)
    outbox = [_sent(number, "invoice", paid.issue_date, n=n) for n, number in enumerate("PQR", 1)]
    events = [
        Event("P", "2026-11-20T09:00:00+00:00", "payment",
              detail=json.dumps({"amount": "1190.00", "on": "2026-11-20"})),
        Event("Q", "2026-11-19T09:00:00+00:00", "reply", intent="promise_to_pay", trusted=True,
              until="2026-12-01"),
    ]  # fmt: skip
    open_now = datetime(2026, 11, 23, 10, tzinfo=UTC)  # a Monday morning in Berlin
    actions = _decide([paid, promised, overdue], outbox, events, open_now)
    assert [(a.invoice, a.kind) for a in actions] == [("P", "receipt"), ("Q", "note")]
    assert "promised to pay on 2026-12-01" in actions[1].about
    closed = datetime(2026, 11, 23, 18, tzinfo=UTC)  # 19:00 in Berlin
    notes = {(a.invoice, a.about) for a in _decide([paid, promised, overdue], outbox, events, closed)}
    assert ("R", "outside business hours") in notes
    # An old invoice that went out only this morning: no burst of every step since its
    # ledger due date, and no note about one: the client has its terms from today.
    late_sent = _invoice("S", 0, 14)
    outbox.append(_sent("S", "invoice", open_now.date(), n=9))
    notes = {(a.invoice, a.about) for a in _decide([paid, late_sent], outbox, events, open_now)}
    assert not any(invoice == "S" for invoice, _ in notes)
    facts = policy.group_facts(outbox, events)["S"]
    found = chase.plan(late_sent, facts, CLIENT, RULES, Calendar.of(RULES, CLIENT), "usual", open_now)
    assert found == chase.Later(date(2026, 12, 4))  # the heads-up, 3 days before 23 Nov + 14


def test_a_changed_grace_period_counts_even_for_a_promise_seen_before():
    """What a promise's date means is remembered per calendar, but never across rules."""
    invoice = _invoice("X", 0, 14)
    events = [Event("X", "2026-11-19T09:00:00+00:00", "reply", intent="promise_to_pay", trusted=True,
                    until="2026-12-01")]  # fmt: skip
    facts = policy.group_facts([_sent("X", "invoice", invoice.issue_date)], events)["X"]
    now = datetime(2026, 11, 23, 10, tzinfo=UTC)
    days = []
    for grace in (2, 5, 2):
        rules = Chase(country="DE", promise_grace_days=grace)
        found = chase.plan(invoice, facts, CLIENT, rules, Calendar.of(rules, CLIENT), "usual", now)
        days.append((found.on, found.reasons))
    assert days[0] == (date(2026, 12, 4), ("promised to pay on 2026-12-01; waiting 2 working days",))
    assert days[1][0] == date(2026, 12, 9) and days[2] == days[0]


def test_a_promise_without_a_date_counts_a_week_from_the_day_it_was_made():
    invoice = _invoice("X", 0, 14)
    cal, now = Calendar.of(RULES, CLIENT), datetime(2026, 10, 14, 10, tzinfo=UTC)
    found = []
    for said in ("2026-10-06", "2026-10-13"):  # "" as another program may have written it
        events = [Event("X", f"{said}T09:00:00+00:00", "reply", intent="promise_to_pay", trusted=True,
                        until="")]  # fmt: skip
        facts = policy.group_facts([_sent("X", "invoice", invoice.issue_date)], events)["X"]
        found.append(chase.plan(invoice, facts, CLIENT, RULES, cal, "usual", now).reasons)
    assert found == [("promised to pay on 2026-10-13, before the due date 2026-10-19: nothing until it is due",),
                     ("promised to pay on 2026-10-20; waiting 2 working days",)]  # fmt: skip


def test_an_invalid_paused_invoice_still_notes_its_pause_on_a_receipt_day():
    paid, broken = _invoice("P", 0, 14), _invoice("X", 0, 14)
    broken.problems.append(Problem("ledger.csv", 3, "invoice X: column 'tax_rate': empty"))
    outbox = [_sent("P", "invoice", paid.issue_date, n=1), _sent("X", "invoice", paid.issue_date, n=2)]
    events = [
        Event("P", "2026-10-20T09:00:00+00:00", "payment",
              detail=json.dumps({"amount": "1190.00", "on": "2026-10-20"})),
        Event("X", "2026-10-20T09:00:00+00:00", "pause", until="2026-11-30"),
    ]  # fmt: skip
    actions = _decide([paid, broken], outbox, events, datetime(2026, 10, 21, 10, tzinfo=UTC))
    assert [(a.invoice, a.kind, a.about) for a in actions] == [
        ("P", "receipt", ""), ("X", "note", "paused by the owner until 2026-11-30")]  # fmt: skip
