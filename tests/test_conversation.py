"""The conversation each client lives through (issue 12, part 1), day by day.

Each rule of ``mailbot.decide.conversation`` has a test named for it. A small
simulation calls ``policy.next_actions`` at 10:00 Berlin time each day and
"sends" what it decides (the facts grow as if the mails went out), so the
tests read the mails a client receives over a month, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes
from email import policy as email_policy
from zoneinfo import ZoneInfo

import pytest
from conftest import BASE_CONFIG, write_config

from mailbot.config.settings import Chase, Client, load_settings
from mailbot.decide import policy
from mailbot.ledger.read import Invoice, LineItem
from mailbot.service.run_pass import run_once
from mailbot.state.store import Event, OutboxRow

BERLIN = ZoneInfo("Europe/Berlin")
CLIENT = Client(name="Acme", email="ap@acme.example", timezone="Europe/Berlin")
RULES = Chase(country="DE")


def _invoice(number: str, issue: date, due: date, amount: str = "100.00") -> Invoice:
    item = LineItem(2, "Work", Decimal(1), "", Decimal(amount), Decimal(0), Decimal(0), Decimal(amount))
    return Invoice(number=number, client_id="acme", line=2, issue_date=issue, due_date=due, items=[item])


@dataclass
class Mail:
    on: date
    kind: str
    tone: str
    invoices: tuple[str, ...]
    promised: date | None = None


@dataclass
class Client_:
    """One client followed day by day through the pure policy."""

    invoices: list[Invoice]
    rules: Chase = RULES
    outbox: list[OutboxRow] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    mails: list[Mail] = field(default_factory=list)
    notices: list[tuple[date, str, str]] = field(default_factory=list)

    def reply(self, day: date, invoice: str, intent: str, until: date | None = None) -> None:
        at = datetime(day.year, day.month, day.day, 8, tzinfo=BERLIN).isoformat()
        self.events.append(Event(invoice, at, "reply", intent=intent, trusted=True,  # type: ignore[arg-type]
                                 until=until.isoformat() if until else None))  # fmt: skip

    def live(self, first: date, last: date, hour: int = 10) -> list[Mail]:
        day = first
        while day <= last:
            self.decide(datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN))
            day += timedelta(days=1)
        return self.mails

    def decide(self, now: datetime) -> list[policy.Action]:
        facts = policy.group_facts(self.outbox, self.events)
        actions = policy.next_actions(self.invoices, facts, {"acme": CLIENT}, now, self.rules)
        stamp = now.isoformat()
        for action in actions:
            if action.kind == "note":
                continue
            if action.kind == "notice":
                self.notices.append((now.date(), action.invoice, action.about))
            self.outbox.append(OutboxRow(len(self.outbox) + 1, action.invoice, action.kind, action.step,
                                         f"<{stamp}.{action.group or action.invoice}>", "sent", stamp, stamp,
                                         1, None, tone=action.tone or None))  # fmt: skip
        mails: dict[tuple, Mail] = {}
        for action in actions:
            if action.kind in ("note", "notice"):
                continue
            key = action.group or (action.invoice, action.kind, action.step)
            mails.setdefault(key, Mail(now.date(), action.kind, action.tone, action.group or (action.invoice,),
                                       action.promised))  # fmt: skip
        self.mails += mails.values()
        return actions


def _chase(mails: list[Mail]) -> list[tuple[str, str, str, tuple[str, ...]]]:
    """What the client reads: (day, kind, tone, invoices) of every mail after the invoices."""
    return [(m.on.isoformat(), m.kind, m.tone, m.invoices) for m in mails if m.kind != "invoice"]


# --- The heads-up announces; it never comes after the conversation has begun -------------


def test_no_heads_up_after_a_payment_claim():
    """ "Der Betrag wurde heute überwiesen" on 4 Dec: an acknowledgment, one check after the
    verification window, then the ladder goes on forward: no "due soon" for that invoice."""
    client = Client_([_invoice("A", date(2026, 11, 30), date(2026, 12, 18))])
    client.live(date(2026, 11, 30), date(2026, 12, 3))
    client.reply(date(2026, 12, 4), "A", "payment_claimed")
    mails = client.live(date(2026, 12, 4), date(2026, 12, 31))
    assert _chase(mails) == [
        ("2026-12-04", "ack", "", ("A",)),
        # 5 working days after 4 Dec would be 11 Dec, but it is not due until 18 Dec: no
        # "we have not received it" about money not even due; the first working day after
        ("2026-12-21", "reminder", "claim_check", ("A",)),
        ("2026-12-28", "reminder", "friendly", ("A",)),  # the ladder goes on, a week after the check
    ]


def test_no_heads_up_after_any_other_chase_mail():
    """A question answered and resumed before the due date: the heads-up would come after
    the client already wrote to us; the ladder goes on from the first reminder."""
    client = Client_([_invoice("A", date(2026, 11, 30), date(2026, 12, 18))])
    client.live(date(2026, 11, 30), date(2026, 12, 1))
    client.reply(date(2026, 12, 2), "A", "question")
    client.live(date(2026, 12, 2), date(2026, 12, 3))
    client.events.append(Event("A", datetime(2026, 12, 4, 9, tzinfo=BERLIN).isoformat(), "resume"))
    mails = client.live(date(2026, 12, 4), date(2026, 12, 22))
    assert [m.tone for m in mails if m.kind == "reminder"] == ["friendly"]
    assert all(m.tone != "heads_up" for m in mails)


def test_heads_up_comes_three_days_before_the_due_date_when_nothing_was_said():
    client = Client_([_invoice("A", date(2026, 11, 30), date(2026, 12, 18))])
    mails = client.live(date(2026, 11, 30), date(2026, 12, 21))
    assert _chase(mails) == [
        ("2026-12-15", "reminder", "heads_up", ("A",)),
        ("2026-12-21", "reminder", "friendly", ("A",)),  # 19 Dec is a Saturday
    ]


# --- A promise is honoured ---------------------------------------------------------------


def test_promise_follow_up_waits_for_due_date_plus_one_working_day():
    """Promised for Fri 11 Dec, due Fri 18 Dec: nothing before Mon 21 Dec, then one
    follow-up naming the promised day, and never a heads-up."""
    client = Client_([_invoice("A", date(2026, 12, 1), date(2026, 12, 18))])
    client.live(date(2026, 12, 1), date(2026, 12, 3))
    client.reply(date(2026, 12, 4), "A", "promise_to_pay", until=date(2026, 12, 11))
    mails = client.live(date(2026, 12, 4), date(2026, 12, 31))
    assert _chase(mails)[0] == ("2026-12-21", "reminder", "promise_followup", ("A",))
    assert mails[1].promised == date(2026, 12, 11)
    assert all(m.tone != "heads_up" for m in mails)


def test_promise_after_the_due_date_waits_for_the_promised_day_plus_grace():
    client = Client_([_invoice("A", date(2026, 11, 16), date(2026, 11, 30))])
    client.live(date(2026, 11, 16), date(2026, 12, 1))
    client.reply(date(2026, 12, 2), "A", "promise_to_pay", until=date(2026, 12, 7))
    mails = client.live(date(2026, 12, 2), date(2026, 12, 10))
    assert _chase(mails)[-1] == (
        "2026-12-10",
        "reminder",
        "promise_followup",
        ("A",),
    )  # 7 Dec + 2 working days


def test_promise_follow_up_travels_alone_and_carries_its_own_promised_date():
    """The follow-up of A does not carry B's firm paragraph, nor B's amount."""
    client = Client_([
        _invoice("B", date(2026, 11, 2), date(2026, 11, 16)),
        _invoice("A", date(2026, 11, 23), date(2026, 12, 7)),
    ])  # fmt: skip
    client.live(date(2026, 11, 2), date(2026, 11, 26))
    client.reply(date(2026, 11, 27), "A", "promise_to_pay", until=date(2026, 11, 27))
    mails = client.live(date(2026, 11, 27), date(2026, 12, 31))
    followups = [m for m in mails if m.tone == "promise_followup"]
    assert [(m.on, m.invoices, m.promised) for m in followups] == [
        (date(2026, 12, 8), ("A",), date(2026, 11, 27))
    ]


# --- Each invoice keeps its own step and tone; a mail asks only for what is due ---------------


def test_no_step_is_sent_before_its_day():
    """B's firm_warm step is due on 14 Dec, A's friendly one on 11 Dec: each on its own day
    (before, B's step went "3 days early" with A's)."""
    client = Client_([
        _invoice("B", date(2026, 11, 23), date(2026, 12, 7)),
        _invoice("A", date(2026, 11, 25), date(2026, 12, 9)),
    ])  # fmt: skip
    mails = client.live(date(2026, 11, 23), date(2026, 12, 15))
    assert _chase(mails) == [
        ("2026-12-04", "reminder", "heads_up", ("B",)),
        ("2026-12-07", "reminder", "heads_up", ("A",)),  # 6 Dec is a Sunday
        ("2026-12-08", "reminder", "friendly", ("B",)),
        ("2026-12-11", "reminder", "friendly", ("A",)),  # A's heads-up was a day late: spacing kept
        ("2026-12-14", "reminder", "firm_warm", ("B",)),
    ]


def test_a_mail_asks_only_for_what_is_due():
    """An overdue invoice's reminder does not include one not yet due that was promised."""
    client = Client_([
        _invoice("B", date(2026, 11, 2), date(2026, 11, 16), "500.00"),
        _invoice("A", date(2026, 11, 27), date(2026, 12, 11), "490.08"),
    ])  # fmt: skip
    client.live(date(2026, 11, 2), date(2026, 11, 27))
    client.reply(date(2026, 11, 30), "A", "promise_to_pay", until=date(2026, 12, 10))
    mails = client.live(date(2026, 11, 30), date(2026, 12, 11))
    assert [m.invoices for m in mails if m.on >= date(2026, 11, 30)] == [("B",)]  # B's firm step, 30 Nov


def test_reminders_due_the_same_day_with_the_same_tone_travel_together():
    client = Client_([
        _invoice("A", date(2026, 11, 23), date(2026, 12, 7)),
        _invoice("B", date(2026, 11, 23), date(2026, 12, 7)),
    ])  # fmt: skip
    mails = client.live(date(2026, 11, 23), date(2026, 12, 8))
    assert _chase(mails) == [
        ("2026-12-04", "reminder", "heads_up", ("A", "B")),
        ("2026-12-08", "reminder", "friendly", ("A", "B")),
    ]


def test_a_step_that_waited_for_the_one_mail_a_day_goes_the_next_day():
    """A's firm step and B's friendly one are due the same day: one mail a day, one tone a
    mail. The one that waited goes the next day, and its next step keeps its spacing."""
    client = Client_([
        _invoice("A", date(2026, 11, 9), date(2026, 11, 23)),
        _invoice("B", date(2026, 11, 23), date(2026, 12, 7)),
    ])  # fmt: skip
    mails = client.live(date(2026, 11, 23), date(2026, 12, 10))
    chase = _chase(mails)
    assert ("2026-12-08", "reminder", "friendly", ("B",)) in chase
    assert ("2026-12-07", "reminder", "firm", ("A",)) in chase or (
        "2026-12-09",
        "reminder",
        "firm",
        ("A",),
    ) in chase
    assert len({day for day, *_ in chase}) == len(chase)  # one mail a day


def test_final_notice_travels_alone():
    """A reaches its final step on Fri 11 Dec, the day B's first reminder is due. B's
    friendly reminder goes that day; the final notice, naming A only, on the next working
    day: the formal step after the friendly one, never in the same mail."""
    client = Client_([
        _invoice("A", date(2026, 10, 28), date(2026, 11, 11)),
        _invoice("B", date(2026, 11, 26), date(2026, 12, 10)),
    ])  # fmt: skip
    mails = client.live(date(2026, 11, 11), date(2026, 12, 18))
    assert _chase(mails) == [
        ("2026-11-12", "reminder", "friendly", ("A",)),
        ("2026-11-18", "reminder", "firm_warm", ("A",)),
        ("2026-11-25", "reminder", "firm", ("A",)),
        ("2026-12-07", "reminder", "heads_up", ("B",)),
        ("2026-12-11", "reminder", "friendly", ("B",)),
        ("2026-12-14", "final", "final", ("A",)),  # waited a day (and a weekend), alone
        ("2026-12-17", "reminder", "firm_warm", ("B",)),
    ]


def test_a_final_notice_that_waited_goes_before_a_newly_due_reminder():
    """The step that waited longest goes first: a final notice is never put off for ever."""
    client = Client_([
        _invoice("A", date(2026, 10, 28), date(2026, 11, 11)),
        _invoice("B", date(2026, 11, 26), date(2026, 12, 10)),
        _invoice("C", date(2026, 11, 30), date(2026, 12, 11)),
    ])  # fmt: skip
    mails = client.live(date(2026, 11, 11), date(2026, 12, 15))
    chase = _chase(mails)
    assert ("2026-12-14", "final", "final", ("A",)) in chase  # before C's friendly step (due 14 Dec)
    assert ("2026-12-15", "reminder", "friendly", ("C",)) in chase


# --- An invoice mailed after its due date gets a practical deadline -----------------------


def test_an_invoice_mailed_late_gets_the_terms_from_the_day_it_was_mailed():
    """The Quick start's sample: issued 2 Nov, due 16 Nov, first mailed Fri 4 Dec. The client
    has until 18 Dec (14 days, the invoice's own terms); the reminders count from then."""
    client = Client_([_invoice("A", date(2026, 11, 2), date(2026, 11, 16))])
    mails = client.live(date(2026, 12, 4), date(2026, 12, 31))
    assert _chase(mails)[:2] == [
        ("2026-12-15", "reminder", "heads_up", ("A",)),
        ("2026-12-21", "reminder", "friendly", ("A",)),
    ]


def test_the_owner_is_told_once_when_an_invoice_is_mailed_after_its_due_date():
    client = Client_([_invoice("A", date(2026, 11, 2), date(2026, 11, 16))])
    client.live(date(2026, 12, 4), date(2026, 12, 10))
    assert [(day, number) for day, number, _ in client.notices] == [(date(2026, 12, 4), "A")]
    assert "2026-12-18" in client.notices[0][2]


def test_late_mail_terms_can_be_set_by_the_owner():
    client = Client_([_invoice("A", date(2026, 11, 2), date(2026, 11, 16))], Chase(late_mail_terms_days=7))
    mails = client.live(date(2026, 12, 4), date(2026, 12, 14))
    assert _chase(mails)[0] == ("2026-12-08", "reminder", "heads_up", ("A",))  # 3 days before 11 Dec


def test_effective_due_is_the_ledger_due_date_for_an_invoice_mailed_in_time():
    from mailbot.decide.states import effective_due

    invoice = _invoice("A", date(2026, 11, 2), date(2026, 11, 16))
    mailed = policy.Facts([OutboxRow(1, "A", "invoice", 0, "<m>", "sent", "2026-11-02T09:00:00+00:00",
                                     "2026-11-02T09:00:00+00:00", 1, None)])  # fmt: skip
    assert effective_due(invoice, mailed, CLIENT, RULES) == date(2026, 11, 16)
    late = policy.Facts([OutboxRow(1, "A", "invoice", 0, "<m>", "sent", "2026-12-04T09:00:00+00:00",
                                   "2026-12-04T09:00:00+00:00", 1, None)])  # fmt: skip
    assert effective_due(invoice, late, CLIENT, RULES) == date(2026, 12, 18)
    assert effective_due(invoice, policy.Facts(), CLIENT, RULES) == date(2026, 11, 16)


# --- Invoices go out in business hours too -------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 6, 0, 6, tzinfo=BERLIN),
        datetime(2026, 12, 7, 7, 0, tzinfo=BERLIN),
        datetime(2026, 12, 7, 18, 0, tzinfo=BERLIN),
    ],
)
def test_invoices_wait_for_the_clients_business_hours(moment):
    client = Client_([_invoice("A", date(2026, 12, 5), date(2026, 12, 19))])
    assert client.decide(moment) == []
    assert client.decide(datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)) == [
        policy.Action("A", "invoice", client="acme")
    ]


def test_owner_may_send_invoices_at_any_hour():
    client = Client_([_invoice("A", date(2026, 12, 5), date(2026, 12, 19))], Chase(invoice_hours="any"))
    assert client.decide(datetime(2026, 12, 6, 0, 6, tzinfo=BERLIN)) == [
        policy.Action("A", "invoice", client="acme")
    ]


# --- A month, day by day -----------------------------------------------------------------------


def test_a_month_with_two_invoices_a_claim_and_a_promise_reads_as_one_careful_conversation():
    """Two invoices a week apart; the client claims to have paid the first, promises the
    second. Every mail asks only for what is due, in its own tone, on its own day."""
    client = Client_([
        _invoice("A", date(2026, 11, 16), date(2026, 11, 30)),
        _invoice("B", date(2026, 11, 23), date(2026, 12, 7)),
    ])  # fmt: skip
    client.live(date(2026, 11, 16), date(2026, 12, 1))
    client.reply(date(2026, 12, 2), "A", "payment_claimed")
    client.reply(date(2026, 12, 2), "B", "promise_to_pay", until=date(2026, 12, 4))
    mails = client.live(date(2026, 12, 2), date(2026, 12, 31))
    assert _chase(mails) == [
        ("2026-11-27", "reminder", "heads_up", ("A",)),
        ("2026-12-01", "reminder", "friendly", ("A",)),
        ("2026-12-02", "ack", "", ("A",)),  # the claim is acknowledged; the promise needs no reply
        ("2026-12-09", "reminder", "promise_followup", ("B",)),  # 4 Dec + 2 working days, after 7 Dec
        ("2026-12-10", "reminder", "claim_check", ("A",)),  # 5 working days after 2 Dec
        ("2026-12-16", "reminder", "friendly", ("B",)),  # a week after its follow-up, one step on
        ("2026-12-17", "reminder", "firm_warm", ("A",)),  # a week after its check
        ("2026-12-23", "reminder", "firm_warm", ("B",)),
        ("2026-12-24", "reminder", "firm", ("A",)),
        ("2026-12-30", "reminder", "firm", ("B",)),
    ]


# --- Through the real pass: what the client and the owner receive -------------------------

CHASED = BASE_CONFIG.replace("enabled = false", 'enabled = true\ncountry = "DE"')
LATE = """\
invoice,client,issue_date,due_date,description,quantity,unit_price,tax_rate
2026-001,acme,2026-11-02,2026-11-16,Brand workshop,1,1200.00,19
"""


def _texts(server, to: str) -> list[str]:
    found = [
        message_from_bytes(m.raw, policy=email_policy.default) for m in server.messages if to in m.recipients
    ]
    return [mail.get_body(("plain",)).get_content() for mail in found]


def test_an_invoice_mailed_late_shows_its_new_due_date_and_the_owner_hears_once(
    tmp_path, smtp_server, late_mail_notices
):
    config = write_config(tmp_path, smtp_server.toml(), ledger=LATE, base=CHASED)
    for day in (4, 5, 7):
        run_once(load_settings(config), datetime(2026, 12, day, 10, tzinfo=BERLIN))
    (invoice,) = _texts(smtp_server, "ap@acme.example")
    said = " ".join(invoice.split())  # (the text part may wrap the sentence)
    assert "Please excuse the delay" in said
    assert "you still have the usual 14 days from today, so please pay by Friday, 18 December 2026." in said
    assert "has already passed" not in invoice
    (notice,) = _texts(smtp_server, "billing@muster-design.example")
    assert (
        "after its due date 16 Nov 2026" in notice and "pay by 18 Dec 2026" in notice
    )  # (the owner's locale)


def test_an_invoice_dated_on_a_sunday_goes_out_on_monday_morning(
    tmp_path, smtp_server, business_hours_for_invoices
):
    ledger = LATE.replace("2026-11-02,2026-11-16", "2026-12-06,2026-12-20")
    config = write_config(tmp_path, smtp_server.toml(), ledger=ledger, base=CHASED)
    run_once(load_settings(config), datetime(2026, 12, 6, 0, 6, tzinfo=BERLIN))
    run_once(load_settings(config), datetime(2026, 12, 7, 8, 0, tzinfo=BERLIN))
    assert smtp_server.messages == []
    invoice = _invoice("2026-001", date(2026, 12, 6), date(2026, 12, 20))
    sunday = datetime(2026, 12, 6, 0, 6, tzinfo=BERLIN)
    assert policy.next_action(invoice, policy.Facts(), sunday.date(), CLIENT, Chase(), sunday) == {
        "kind": "invoice", "on": "2026-12-07",
    }  # fmt: skip
    run_once(load_settings(config), datetime(2026, 12, 7, 9, 30, tzinfo=BERLIN))
    assert len(_texts(smtp_server, "ap@acme.example")) == 1


def test_invoice_hours_and_late_mail_terms_come_from_the_config_or_the_environment(
    tmp_path, monkeypatch, business_hours_for_invoices
):
    config = write_config(
        tmp_path, base=CHASED.replace('country = "DE"', 'country = "DE"\nlate_mail_terms_days = 10')
    )
    assert (load_settings(config).chase.invoice_hours, load_settings(config).chase.late_mail_terms_days) == (
        "business", 10,
    )  # fmt: skip
    monkeypatch.setenv("MAILBOT_CHASE__INVOICE_HOURS", "any")
    monkeypatch.setenv("MAILBOT_CHASE__LATE_MAIL_TERMS_DAYS", "21")
    assert (load_settings(config).chase.invoice_hours, load_settings(config).chase.late_mail_terms_days) == (
        "any", 21,
    )  # fmt: skip
