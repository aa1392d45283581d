"""Faults against the real servers (issue 16 part 4): a restarted or killed Dovecot, an
SMTP server that is down, a state file that cannot be written. The worker runs as ops
run it, ``mailbot run`` in its own process."""

from __future__ import annotations

import mailbox
import os
import signal
import sqlite3
import subprocess
import sys
import time
from email import message_from_bytes
from pathlib import Path

import pytest
from conftest import ROOT, write_config
from servers.dovecot import group_members
from test_imap import _config, _replies_in_db, _sent_ids, _wait_for, reply

from mailbot.cli.main import main
from mailbot.state.connection import Connection


@pytest.fixture
def worker(tmp_path, smtp_server, dovecot):
    """`mailbot run` after a first pass (so the invoices are sent), stopped with SIGTERM."""
    config = _config(tmp_path, smtp_server, dovecot)
    assert subprocess.run(_command(config, "--once"), cwd=ROOT, capture_output=True).returncode == 0
    log = tmp_path / "service.log"
    with log.open("wb") as out:
        process = subprocess.Popen(_command(config), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    _wait_for(lambda: b"mailbot running" in log.read_bytes(), 10)
    time.sleep(0.5)  # the first pass and the IDLE command
    yield config, process, log
    process.terminate()
    assert process.wait(timeout=15) == 0, log.read_text()


def _command(config: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "mailbot", "--config", str(config), "run", "--interval", "300", *extra]


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _imap_sessions(dovecot) -> list[int]:
    """Pids of Dovecot's ``imap`` processes: one per logged-in session."""
    pids = []
    for pid in group_members(dovecot.pid):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "imap":
                pids.append(pid)
        except OSError:
            continue
    return pids


def test_worker_records_every_reply_once_across_ten_dovecot_restarts(worker, dovecot):
    config, process, log = worker
    ids = _sent_ids(config)
    for n in range(1, 11):
        dovecot.restart()
        dovecot.append(reply(f"restart{n}@acme.example", ids["2026-001"], f"Reply number {n}."))
        _wait_for(lambda n=n: _replies_in_db(config) >= n, 20)
        assert process.poll() is None, log.read_text()
    time.sleep(1.5)  # time for a duplicate to show
    assert _replies_in_db(config) == 10, log.read_text()


def test_worker_notices_a_killed_imap_session_within_30_s_without_spinning(worker, dovecot):
    config, process, log = worker
    _wait_for(lambda: _imap_sessions(dovecot), 10)
    (session,) = _imap_sessions(dovecot)
    cpu_before, started = _cpu_seconds(process.pid), time.monotonic()
    os.kill(session, signal.SIGKILL)  # no BYE: the session just ends
    detected = _wait_for(lambda: [p for p in _imap_sessions(dovecot) if p != session], 30)
    dovecot.append(reply("after-kill@acme.example", _sent_ids(config)["2026-001"], "Paid today."))
    _wait_for(lambda: _replies_in_db(config) == 1, 10)
    time.sleep(max(0.0, 5 - (time.monotonic() - started)))  # at least 5 s measured
    cpu, wall = _cpu_seconds(process.pid) - cpu_before, time.monotonic() - started
    print(f"killed session noticed (new session) after {detected:.2f} s; CPU {cpu:.2f} s of {wall:.2f} s")
    assert cpu / wall < 0.2, f"CPU {cpu:.2f} s over {wall:.2f} s"
    assert process.poll() is None, log.read_text()


def _outbox(config: Path) -> list[tuple[str, str, str | None]]:
    db = sqlite3.connect(config.parent / "var" / "mailbot.db")
    try:
        return list(db.execute("SELECT message_id, status, error FROM outbox ORDER BY id"))
    finally:
        db.close()


def test_mail_claimed_while_smtp_is_down_is_sent_once_when_it_is_back(tmp_path, smtp_server):
    config = write_config(tmp_path, smtp_server.toml())
    smtp_server.stop()
    log = tmp_path / "service.log"
    command = [sys.executable, "-m", "mailbot", "--config", str(config), "run", "--interval", "1"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(lambda: "trying again in 20 s" in log.read_text(), 40)  # 5, 10, 20: backing off
        text = log.read_text()
        print(
            f"SMTP down: {text.count('cannot connect')} failed sends in {text.count('trying again in')} passes"
        )
        assert text.count("SMTP: ") == 3  # one pause a pass that tried, not a failure every pass
        claimed = _outbox(config)
        assert claimed and all(status == "claimed" and error for _id, status, error in claimed)
        smtp_server.start()
        _wait_for(lambda: len(smtp_server.messages) >= len(claimed), 25)
        time.sleep(2.5)  # two more passes: time for a duplicate to show
        ids = sorted(message_from_bytes(m.raw)["Message-ID"] for m in smtp_server.messages)
        assert ids == sorted(f"<{mid}>" if not mid.startswith("<") else mid for mid, _s, _e in claimed)
        assert {status for _id, status, _e in _outbox(config)} == {"sent"}
        assert process.poll() is None, log.read_text()
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0, log.read_text()


def _full_at_its_size(monkeypatch) -> None:
    """The state file can grow no more: SQLite's own SQLITE_FULL ("database or disk is
    full"), as on a full disk, without a disk to fill (a tmpfs needs root and mount)."""
    opened = Connection.__init__

    def full(self, path: Path) -> None:
        opened(self, path)
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        self.db.execute(f"PRAGMA max_page_count = {max(pages, 1)}")

    monkeypatch.setattr(Connection, "__init__", full)


def _maildir_replies(config: Path, to: str, count: int) -> None:
    box = mailbox.Maildir(config.parent / "var" / "mail" / "inbox", create=True)
    for n in range(count):
        box.add(reply(f"full{n}@acme.example", to, "We will pay on Friday. " + "Regards. " * 300))


REPLIES = 200  # more than the free pages of a fresh state file can ever hold


def test_a_full_state_disk_stops_the_run_with_a_clear_error_and_half_writes_nothing(
    tmp_path, monkeypatch, capsys
):
    config = write_config(tmp_path)
    assert main(["--config", str(config), "run", "--once"]) == 0
    state = tmp_path / "var" / "mailbot.db"
    invoice_id = sqlite3.connect(state).execute("SELECT message_id FROM outbox LIMIT 1").fetchone()[0]
    _maildir_replies(config, invoice_id, REPLIES)
    capsys.readouterr()
    with monkeypatch.context() as full:
        _full_at_its_size(full)
        assert main(["--config", str(config), "run", "--once"]) == 1
    err = capsys.readouterr().err
    assert f"{state}: cannot use the state file: database or disk is full" in err
    assert "Traceback" not in err
    db = sqlite3.connect(state)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    recorded = db.execute("SELECT count(*) FROM events WHERE type = 'reply'").fetchone()[0]
    assert recorded < REPLIES  # the disk filled before the end
    db.close()
    assert main(["--config", str(config), "run", "--once"]) == 0  # space again: the rest, once
    assert _replies_in_db(config) == REPLIES
