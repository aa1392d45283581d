"""Whole stories, day by day under a controlled clock, against aiosmtpd and Dovecot.

Each test runs the real pass (``run_pass.run_once``) at 10:00 Berlin time on each
day; clients answer through the IMAP server; the tests read what reached the
SMTP server and what the history says.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from conftest import BASE_CONFIG, write_config

from mailbot.config.settings import load_settings
from mailbot.service.run_pass import run_once
from mailbot.state.store import Event, Store, iso

BERLIN = ZoneInfo("Europe/Berlin")
LEDGER = """\
invoice,client,issue_date,due_date,description,quantity,unit_price,tax_rate,paid_on
2026-001,acme,2026-11-02,2026-11-16,Brand workshop,1,1200.00,19,{paid}
"""


class Story:
    def __init__(self, tmp_path, smtp_server, dovecot, extra: str = ""):
        imap = (
            f'\n[imap]\nhost = "127.0.0.1"\nport = {dovecot.port}\nsecurity = "none"\n'
            f'username = "{dovecot.user}"\npassword = "{dovecot.password}"\n'
        )
        base = BASE_CONFIG.replace("enabled = false", 'enabled = true\ncountry = "DE"')
        self.config = write_config(tmp_path, smtp_server.toml() + imap + extra,
                                   ledger=LEDGER.format(paid=""), base=base)  # fmt: skip
        self.smtp, self.dovecot = smtp_server, dovecot
        self.db = tmp_path / "var" / "mailbot.db"

    def run(self, first: date, last: date, skip: tuple[date, date] | None = None) -> None:
        day = first
        while day <= last:
            if not (skip and skip[0] <= day <= skip[1]):
                run_once(
                    load_settings(self.config), datetime(day.year, day.month, day.day, 10, tzinfo=BERLIN)
                )
            day += timedelta(days=1)

    def reply(self, day: date, body: str, headers: str = "", subject: str = "Re: Invoice 2026-001") -> None:
        invoice_id = self._message_id("invoice")
        raw = (
            f"From: Jane Smith <ap@acme.example>\r\nTo: billing@muster-design.example\r\n"
            f"Subject: {subject}\r\nDate: {day:%a, %d %b %Y} 08:00:00 +0100\r\n"
            f"Message-ID: <{day.isoformat()}.{len(body)}@acme.example>\r\n"
            f"In-Reply-To: {invoice_id}\r\nReferences: {invoice_id}\r\n{headers}"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
        )
        self.dovecot.append(raw.encode())

    def pay(self, day: date) -> None:
        (self.config.parent / "ledger.csv").write_text(LEDGER.format(paid=day.isoformat()))

    def owner(self, day: date, type_: str) -> None:
        """What `mailbot resume` / `pause` record, at the story's time."""
        with Store(self.db) as store:
            at = datetime(day.year, day.month, day.day, 9, tzinfo=BERLIN)
            store.add_event(Event("2026-001", iso(at), type_))

    def _message_id(self, kind: str) -> str:
        db = sqlite3.connect(self.db)
        (found,) = db.execute("SELECT message_id FROM outbox WHERE kind = ?", (kind,)).fetchone()
        return found

    def mails(self) -> list[tuple[str, str, str]]:
        """(Berlin day, kind, tone) of every mail to the client, in order."""
        db = sqlite3.connect(self.db)
        rows = db.execute(
            "SELECT sent_at, kind, tone FROM outbox WHERE status = 'sent' AND kind != 'forward' ORDER BY id"
        )
        return [(datetime.fromisoformat(at).astimezone(BERLIN).date().isoformat(), kind, tone or "")
                for at, kind, tone in rows]  # fmt: skip

    def received(self) -> list:
        return [message_from_bytes(m.raw, policy=policy.default) for m in self.smtp.messages
                if "ap@acme.example" in m.recipients]  # fmt: skip


@pytest.fixture
def story(tmp_path, smtp_server, dovecot):
    return Story(tmp_path, smtp_server, dovecot)


def test_client_who_pays_after_the_second_reminder(story):
    story.run(date(2026, 11, 2), date(2026, 11, 17))
    story.pay(date(2026, 11, 18))
    story.run(date(2026, 11, 18), date(2026, 12, 31))
    assert story.mails() == [
        ("2026-11-02", "invoice", ""),
        ("2026-11-13", "reminder", "heads_up"),  # Friday, three days before the due date
        ("2026-11-17", "reminder", "friendly"),  # the day after it
        ("2026-11-18", "receipt", ""),  # thank you, and never another reminder
    ]
    mails = story.received()
    friendly = mails[2]
    assert friendly["Subject"] == "Re: Invoice 2026-001 from Muster Design: 1,428.00 EUR due 16 Nov 2026"
    assert friendly["In-Reply-To"] == mails[0]["Message-ID"]  # in the invoice's thread
    assert friendly["Auto-Submitted"] is None  # a person stands behind it: replies are welcome
    text = friendly.get_body(("plain",)).get_content()
    assert "was due 1 day ago, on Monday, 16 November 2026" in text
    assert "DE89 3704 0044 0532 0130 00" in text and "Brand workshop" in text  # how to pay, the invoice again
    assert mails[3]["Auto-Submitted"] == "auto-generated"


def test_client_who_promises_a_date_and_pays_late(story):
    story.run(date(2026, 11, 2), date(2026, 11, 17))
    story.reply(date(2026, 11, 18), "Sorry! We will pay on Friday.")
    story.run(date(2026, 11, 18), date(2026, 11, 26))
    story.pay(date(2026, 11, 27))
    story.run(date(2026, 11, 27), date(2026, 12, 10))
    assert story.mails()[1:] == [
        ("2026-11-13", "reminder", "heads_up"),
        ("2026-11-17", "reminder", "friendly"),
        # promised Friday 20 Nov + 2 working days = Tue 24 Nov; no firm reminder on the 23rd
        ("2026-11-25", "reminder", "promise_followup"),
        ("2026-11-27", "receipt", ""),
    ]
    followup = story.received()[3].get_body(("plain",)).get_content()
    assert "invoice 2026-001" in followup and "would be paid on Friday, 20 November 2026" in followup


def test_client_out_of_office_is_not_chased_while_away(story):
    story.run(date(2026, 11, 2), date(2026, 11, 17))
    story.reply(date(2026, 11, 17), "I am out of the office and will be back on 1 December.",
                headers="Auto-Submitted: auto-replied\r\n", subject="Automatic reply: Invoice 2026-001")  # fmt: skip
    story.run(date(2026, 11, 18), date(2026, 12, 10))
    assert story.mails()[1:] == [
        ("2026-11-13", "reminder", "heads_up"),
        ("2026-11-17", "reminder", "friendly"),
        ("2026-12-02", "reminder", "firm_warm"),  # the first working day after the return
        ("2026-12-09", "reminder", "firm"),  # the ladder's spacing kept
    ]
    with sqlite3.connect(story.db) as db:
        notes = [r[0] for r in db.execute("SELECT detail FROM events WHERE type = 'note'")]
    assert "away (auto-reply) until 2026-12-01" in notes  # the adaptation, with its reason


def test_dispute_waits_for_the_owner_to_resume(story):
    story.run(date(2026, 11, 2), date(2026, 11, 17))
    story.reply(date(2026, 11, 18), "The amount is wrong, we agreed on 1000 net.")
    story.run(date(2026, 11, 18), date(2026, 11, 29))
    assert story.mails()[-1] == ("2026-11-18", "ack", "")
    ack = story.received()[-1].get_body(("plain",)).get_content()
    assert "you will not receive any reminders about this invoice" in ack
    story.owner(date(2026, 11, 30), "resume")
    story.run(date(2026, 11, 30), date(2026, 12, 8))
    assert story.mails()[3:] == [
        ("2026-11-18", "ack", ""),
        ("2026-11-30", "reminder", "firm_warm"),  # the next step, not a jump to the firmest
        ("2026-12-07", "reminder", "firm"),
    ]


def test_worker_down_for_three_weeks_sends_one_reminder_not_a_burst(story):
    story.run(date(2026, 11, 2), date(2026, 12, 31), skip=(date(2026, 11, 7), date(2026, 11, 29)))
    assert story.mails() == [
        ("2026-11-02", "invoice", ""),
        # back on 30 Nov (due + 14): one reminder; the final notice needs three before it,
        # so it is the step that leaves room for them, and the rest keep their spacing
        ("2026-11-30", "reminder", "friendly"),
        ("2026-12-07", "reminder", "firm_warm"),  # 30 Nov + 6 = Sunday 6 Dec -> Monday
        ("2026-12-14", "reminder", "firm"),
        ("2026-12-30", "final", "final"),
    ]
    with sqlite3.connect(story.db) as db:
        (detail,) = db.execute(
            "SELECT detail FROM events WHERE kind = 'reminder' ORDER BY id LIMIT 1"
        ).fetchone()
    assert "one is sent, not a burst" in detail


def test_two_open_invoices_get_one_reminder_listing_both(tmp_path, smtp_server, dovecot):
    story = Story(tmp_path, smtp_server, dovecot)
    (story.config.parent / "ledger.csv").write_text(
        LEDGER.format(paid="") + "2026-002,acme,2026-11-02,2026-11-16,Logo design,1,800.00,19,\n"
    )  # due the same day: each one's step is due on the same days (a day apart, each goes on its own)
    story.run(date(2026, 11, 2), date(2026, 11, 24))
    reminders = [m for m in story.received() if "Open invoices" in m["Subject"]]
    assert reminders, [m["Subject"] for m in story.received()]
    assert reminders[0]["Subject"] == "Open invoices from Muster Design: 2026-001, 2026-002"
    text = reminders[0].get_body(("plain",)).get_content()
    assert "Due now:" in text and "Total due now: €2,380.00" in text  # both are due: both asked for
    with sqlite3.connect(story.db) as db:
        per_day = db.execute(
            "SELECT substr(sent_at, 1, 10), count(DISTINCT message_id), count(*) FROM outbox"
            " WHERE kind IN ('reminder', 'final') GROUP BY 1"
        ).fetchall()
    assert all(mails == 1 for _, mails, _ in per_day)  # never two reminders a day
    assert any(rows == 2 for _, _, rows in per_day)  # and the two invoices travel together


def test_late_fee_is_stated_once_from_its_step(tmp_path, smtp_server, dovecot):
    story = Story(tmp_path, smtp_server, dovecot,
                  '\n[chase.late_fee]\nenabled = true\npreset = "eu_b2b"\nbase_rate = 2.27\nfrom_step = 4\n')  # fmt: skip
    story.run(date(2026, 11, 2), date(2026, 12, 20))
    texts = {m["Subject"]: m for m in story.received()}
    bodies = [m.get_body(("plain",)).get_content() for m in story.received()]
    firm = next(b for b in bodies if "14 days overdue" in b)
    assert "from this reminder on, the late payment costs in our terms apply" in firm
    assert "a flat fee of €40.00 and interest of 11.27% a year" in firm
    # 1428.00 x 11.27 % x 14 / 365 = 6.17
    assert "so far €6.17" in firm
    final = next(b for b in bodies if "Despite our earlier reminders" in b)
    assert "from this reminder on" not in final and "a flat fee of €40.00" in final
    assert texts


def test_history_records_each_adaptation_with_its_reason(story, capsys):
    story.run(date(2026, 11, 2), date(2026, 11, 17))
    story.reply(date(2026, 11, 18), "Sorry! We will pay on Friday.")
    story.run(date(2026, 11, 18), date(2026, 11, 19))
    from mailbot.cli.main import main

    main(["--config", str(story.config), "history", "2026-001", "--json"])
    events = json.loads(capsys.readouterr().out)
    notes = [e["detail"] for e in events if e["type"] == "note"]
    assert any("promised to pay on 2026-11-20" in n for n in notes)


def test_reminder_held_by_a_failed_send_is_dropped_when_the_client_disputes(story):
    story.run(date(2026, 11, 2), date(2026, 11, 16))
    story.smtp.handler.reject["ap@acme.example"] = "451 4.3.0 try again later"
    story.run(date(2026, 11, 17), date(2026, 11, 17))  # the friendly reminder is claimed, not sent
    story.smtp.handler.reject.clear()
    story.reply(date(2026, 11, 18), "We never ordered this.")
    story.run(date(2026, 11, 18), date(2026, 11, 30))
    assert [kind for _, kind, tone in story.mails()] == ["invoice", "reminder", "ack"]
    assert story.mails()[1][2] == "heads_up"  # the friendly one never left
    with sqlite3.connect(story.db) as db:
        assert db.execute("SELECT count(*) FROM outbox WHERE status = 'claimed'").fetchone()[0] == 0


def test_two_passes_at_once_send_nothing_twice(story):
    from mailbot.service.run_pass import one_pass_at_a_time

    with one_pass_at_a_time(story.db):
        story.run(date(2026, 11, 2), date(2026, 11, 2))  # finds the lock taken: does nothing
    assert story.smtp.messages == []
    story.run(date(2026, 11, 2), date(2026, 11, 2))
    assert story.mails() == [("2026-11-02", "invoice", "")]
