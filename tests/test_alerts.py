"""What needs a person is logged once at ERROR and told to the owner once, not every pass;
its end is logged once: a mail stuck unsent (SMTP server down), the inbox unreachable."""

from __future__ import annotations

import logging
from datetime import timedelta

from conftest import write_config
from servers.dovecot import free_port

from mailbot.config.settings import load_settings
from mailbot.service.clock import utcnow
from mailbot.service.run_pass import run_once
from mailbot.service.watch import PassWatch


def _lines(caplog, text: str, level: int | None = None) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if text in r.getMessage() and (level is None or r.levelno == level)
    ]


def test_a_mail_stuck_past_the_limit_is_told_once_and_its_end_logged_once(tmp_path, smtp_server, caplog):
    caplog.set_level(logging.INFO)
    settings = load_settings(write_config(tmp_path, smtp_server.toml()))
    watch, start = PassWatch(60.0), utcnow()
    smtp_server.stop()
    for hours in (0, 1, 3, 4, 5):  # passes while the server is down: told at 3 h, not again
        report = run_once(settings, start + timedelta(hours=hours))
        assert report.retry
        watch.end(settings, None, start + timedelta(hours=hours), report, "")
    (alert,) = _lines(caplog, "ALERT:", logging.ERROR)
    assert "2 mail(s) claimed more than 2 h ago are still not sent" in alert
    assert "2026-001 (invoice)" in alert
    smtp_server.start()
    later = start + timedelta(hours=6)
    report = run_once(settings, later)  # the invoices and the alert go out
    watch.end(settings, None, later, report, "")
    watch.end(settings, None, later + timedelta(minutes=1), run_once(settings, later), "")
    assert len(_lines(caplog, "recovered: stuck mail is over")) == 1
    alerts = [m for m in smtp_server.messages if b"X-Mailbot: alert" in m.raw]
    assert len(alerts) == 1
    assert alerts[0].recipients == ["billing@muster-design.example"]
    assert len(smtp_server.messages) == 3  # the two invoices, once each, and the alert


def test_an_inbox_down_past_the_limit_is_told_once(tmp_path, caplog):
    imap = (f'\n[imap]\nhost = "127.0.0.1"\nport = {free_port()}\nsecurity = "none"\n'
            'username = "owner"\npassword = "secret"\ntimeout = 5\n')  # fmt: skip
    caplog.set_level(logging.INFO)
    config = write_config(tmp_path, imap)
    settings = load_settings(config)
    watch, start = PassWatch(60.0), utcnow()
    for minutes in (0, 10, 29):  # within [service] inbox_down_minutes (30): not yet
        report = run_once(settings, start + timedelta(minutes=minutes))
        assert report.inbox_error
        watch.end(settings, None, start + timedelta(minutes=minutes), report, "")
    assert not _lines(caplog, "ALERT:")
    for minutes in (31, 40, 90):
        watch.end(settings, None, start + timedelta(minutes=minutes), run_once(settings, start), "")
    (alert,) = _lines(caplog, "ALERT:", logging.ERROR)
    assert "the inbox could not be read" in alert
    outbox = tmp_path / "var" / "mail" / "outbox" / "new"
    told = [p for p in outbox.iterdir() if b"X-Mailbot: alert" in p.read_bytes()]
    assert len(told) == 1
    config.write_text(config.read_text().replace(imap, ""))  # the owner drops the IMAP settings
    fixed = load_settings(config)
    watch.end(fixed, None, start + timedelta(minutes=95), run_once(fixed, start), "")
    watch.end(fixed, None, start + timedelta(minutes=96), run_once(fixed, start), "")
    assert len(_lines(caplog, "recovered: inbox down is over")) == 1
