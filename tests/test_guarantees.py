"""The guarantees of sending, each against a real SMTP server (aiosmtpd on 127.0.0.1).

One chase mail per client per client-day, counting claims still pending from
earlier days; a client's grouped mail claimed at once or not at all; every
claim's result checked.  Passes run with ``now`` passed in, at 10:00 Berlin.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from conftest import BASE_CONFIG, write_config

from mailbot.config.settings import load_settings
from mailbot.service.run_pass import run_once
from mailbot.state.store import Event, iso

BERLIN = ZoneInfo("Europe/Berlin")
CHASED = BASE_CONFIG.replace("enabled = false", 'enabled = true\ncountry = "DE"')
# X: heads-up Fri 13 Nov, friendly Tue 17 Nov. Y (due the day after it is mailed, so no
# heads-up): friendly Wed 18 Nov. Reminders travel together only in the same tone.
TWO_INVOICES = """\
invoice,client,issue_date,due_date,description,quantity,unit_price,tax_rate
X,acme,2026-11-02,2026-11-16,Brand workshop,1,1200.00,19
Y,acme,2026-11-16,2026-11-17,Logo design,1,800.00,19
"""
GREYLISTED = "451 4.3.0 try again later"


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=BERLIN)


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _mails_per_day(config, server, first: date, last: date, refused_on=()) -> dict[str, int]:
    """Run one pass a day; how many mails reached acme each day (counted at the server)."""
    per_day: dict[str, int] = {}
    for day in _days(first, last):
        before = len(server.messages)
        if day in refused_on:
            server.handler.reject["ap@acme.example"] = GREYLISTED
        run_once(load_settings(config), _at(day))
        server.handler.reject.pop("ap@acme.example", None)
        arrived = [m for m in server.messages[before:] if "ap@acme.example" in m.recipients]
        if arrived:
            per_day[day.isoformat()] = len(arrived)
    return per_day


def test_reminder_refused_for_now_and_a_newly_due_one_reach_the_client_as_one_mail(tmp_path, smtp_server):
    config = write_config(tmp_path, smtp_server.toml(), ledger=TWO_INVOICES, base=CHASED)
    per_day = _mails_per_day(config, smtp_server, date(2026, 11, 2), date(2026, 11, 30),
                             refused_on={date(2026, 11, 17)})  # fmt: skip
    assert all(count == 1 for count in per_day.values()), per_day
    assert "2026-11-17" not in per_day  # the server said "try again later"
    assert "2026-11-18" in per_day  # and it was tried again the next day
    on_18th = [m for m in smtp_server.messages if b"Open invoices" in m.raw]
    first = message_from_bytes(on_18th[0].raw, policy=policy.default)
    assert first["Subject"] == "Open invoices from Muster Design: X, Y"  # one mail about both
    with sqlite3.connect(tmp_path / "var" / "mailbot.db") as db:
        pending = db.execute("SELECT count(*) FROM outbox WHERE status = 'claimed'").fetchone()[0]
        ids = Counter(r[0] for r in db.execute("SELECT message_id FROM outbox WHERE status = 'sent'"))
    assert pending == 0
    sent_ids = Counter(message_from_bytes(m.raw)["Message-ID"] for m in smtp_server.messages)
    assert set(sent_ids) == set(ids)  # every mail at the server is one the state knows as sent


class _Crash(BaseException):
    """The process dies here (nothing after it runs; no transaction is open)."""


def test_reminder_in_doubt_goes_again_under_its_own_message_id_and_alone(tmp_path, smtp_server, monkeypatch):
    """A crash after the server accepted a reminder, before the state recorded it: the
    next day the same mail goes again (same Message-ID, so mail programs show it once),
    not re-decided into a new one, and the client's newly due reminder waits a day."""
    from mailbot.outbound import transport

    config = write_config(tmp_path, smtp_server.toml(), ledger=TWO_INVOICES, base=CHASED)
    _mails_per_day(config, smtp_server, date(2026, 11, 2), date(2026, 11, 16))
    send = transport.SmtpOutbox.send

    def accepted_then_crash(self, raw, sender, recipients):
        send(self, raw, sender, recipients)
        raise _Crash

    with monkeypatch.context() as patched:
        patched.setattr(transport.SmtpOutbox, "send", accepted_then_crash)
        with pytest.raises(_Crash):
            run_once(load_settings(config), _at(date(2026, 11, 17)))
    in_doubt = message_from_bytes(smtp_server.messages[-1].raw)["Message-ID"]
    per_day = _mails_per_day(config, smtp_server, date(2026, 11, 18), date(2026, 11, 30))
    assert all(count == 1 for count in per_day.values()), per_day
    ids = [message_from_bytes(m.raw)["Message-ID"] for m in smtp_server.messages]
    assert ids.count(in_doubt) == 2  # the one duplicate, under the same Message-ID
    assert ids[-len(per_day)] == in_doubt  # sent again first thing on the 18th
    assert "2026-11-19" in per_day  # Y's reminder a day later


NOW = datetime(2026, 11, 18, 9, tzinfo=BERLIN)
DAY_START = "2026-11-17T23:00:00+00:00"


def test_a_clients_grouped_mail_is_claimed_whole_or_not_at_all(tmp_path):
    from mailbot.state.store import Claim, Store

    with Store(tmp_path / "s.db") as store:
        assert store.claim("X", "reminder", 2, "<old@x>", NOW)
        store.mark_sent(store.claimed()[0], Event("X", "2026-11-10T09:00:00+00:00", "sent"), NOW)
        group = [Claim("Y", "reminder", 1, "<new@x>"), Claim("X", "reminder", 2, "<new@x>")]
        # X's row exists (sent earlier): Y's must not be claimed alone under a new mail.
        assert store.claim_chase(group, {"X", "Y"}, "2026-11-19T00:00:00+00:00", NOW) is False
        assert [(r.invoice, r.message_id) for r in store.outbox()] == [("X", "<old@x>")]


def test_a_pending_chase_claim_from_an_earlier_day_keeps_the_clients_next_mail_out(tmp_path):
    from mailbot.state.store import Claim, Store

    yesterday = NOW - timedelta(days=1)
    with Store(tmp_path / "s.db") as store:
        assert store.claim("X", "reminder", 2, "<old@x>", yesterday)
        assert store.claim_chase([Claim("Y", "reminder", 1, "<new@x>")], {"X", "Y"}, DAY_START, NOW) is False
        assert store.claim_chase([Claim("Z", "reminder", 1, "<z@x>")], {"Z"}, DAY_START, NOW) is True


def test_a_chase_mail_sent_today_keeps_the_clients_next_mail_out(tmp_path):
    from mailbot.state.store import Claim, Store

    with Store(tmp_path / "s.db") as store:
        assert store.claim_chase([Claim("X", "receipt", 0, "<r@x>")], {"X", "Y"}, DAY_START, NOW)
        row = store.claimed()[0]
        assert store.begin_send([row]) and store.mark_sent(row, Event("X", iso(NOW), "sent"), NOW)
        assert not store.claim_chase([Claim("Y", "reminder", 1, "<y@x>")], {"X", "Y"}, DAY_START, NOW)
        tomorrow = "2026-11-18T23:00:00+00:00"
        assert store.claim_chase([Claim("Y", "reminder", 1, "<y@x>")], {"X", "Y"}, tomorrow, NOW)


def test_every_outcome_is_a_compare_and_set_on_the_claim(tmp_path):
    from mailbot.state.store import Store, in_doubt

    with Store(tmp_path / "s.db") as store:
        store.claim("X", "invoice", 0, "<a@x>", NOW)
        row = store.claimed()[0]
        assert not in_doubt(row)
        assert store.begin_send([row])
        assert in_doubt(store.claimed()[0])  # sending began, no outcome: perhaps delivered
        assert store.mark_retry(row, "451 later")
        assert not in_doubt(store.claimed()[0])  # refused for now: known not delivered
        assert store.mark_sent(row, Event("X", iso(NOW), "sent"), NOW)
        assert not store.mark_sent(row, Event("X", iso(NOW), "sent"), NOW)  # recorded once
        assert not store.begin_send([row]) and not store.release(row) and not store.mark_retry(row, "x")
        assert [e.type for e in store.events("X")] == ["sent"]
