"""Signals against real processes and servers on 127.0.0.1: SIGTERM stops warm and in
bounded time even with a hung server, a second signal at once, SIGHUP reloads."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from conftest import ROOT, SmtpServer, write_config
from servers.dovecot import DovecotServer, group_members

BOUND = 10.0  # seconds: a stop request is done within this, whatever the servers do


def _start(config: Path, *args: str, env: dict | None = None) -> tuple[subprocess.Popen, Path]:
    log_path = config.parent / "service.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mailbot", "--config", str(config), "run", *args],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    return process, log_path


def _wait_for(log_path: Path, text: str, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    found = ""
    while time.monotonic() < deadline:
        found = log_path.read_text(errors="replace") if log_path.exists() else ""
        if text in found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{text!r} not in the log:\n{found[-3000:]}")


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> tuple[int, float]:
    """Send ``sig``; the exit code and the seconds until the process was gone."""
    start = time.monotonic()
    process.send_signal(sig)
    try:
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return code, time.monotonic() - start


def _save(path: Path, text: str) -> None:
    partial = path.with_suffix(".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


class _Mute:
    """A server that accepts every connection and never says a word (``connected`` is set)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connected = threading.Event()
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _addr = self.listener.accept()
            except OSError:
                return
            self.held.append(conn)
            self.connected.set()

    def close(self) -> None:
        self.listener.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def hung_smtp():
    server = _Mute()
    try:
        yield server, f'\n[smtp]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
    finally:
        server.close()


class _SlowData:
    """Takes each mail but answers DATA only after ``delay`` s (``started`` set meanwhile)."""

    def __init__(self, delay: float):
        self.delay, self.started, self.messages = delay, threading.Event(), []

    async def handle_DATA(self, server, session, envelope):
        self.started.set()
        await asyncio.sleep(self.delay)
        self.messages.append(envelope.rcpt_tos)
        return "250 Message accepted"


@pytest.fixture
def slow_smtp():
    handler = _SlowData(delay=3.0)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, f'\n[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
    finally:
        controller.stop()


@pytest.mark.parametrize("once", [False, True], ids=["run", "run --once"])
def test_sigterm_with_a_smtp_server_that_never_answers_exits_0_within_10_s(tmp_path, hung_smtp, once):
    server, toml = hung_smtp
    config = write_config(tmp_path, toml)
    process, log_path = _start(config, *(["--once"] if once else ["--interval", "300"]))
    assert server.connected.wait(20), log_path.read_text()
    time.sleep(0.5)  # the pass waits for the server's greeting (a 30 s time-out)
    assert process.poll() is None
    code, seconds = _stop(process)
    print(f"exit {seconds:.1f} s after SIGTERM with a hung SMTP server ({'once' if once else 'run'})")
    text = log_path.read_text()
    assert seconds < BOUND, text
    assert code == (1 if once else 0), text  # --once: a mail left to retry is exit 1
    assert "invoice sent" not in text


def test_sigterm_during_idle_with_a_hung_imap_server_exits_0_within_10_s(tmp_path, dovecot, smtp_server):
    imap = (f'\n[imap]\nhost = "127.0.0.1"\nport = {dovecot.port}\nsecurity = "none"\n'
            f'username = "{dovecot.user}"\npassword = "{dovecot.password}"\n')  # fmt: skip
    config = write_config(tmp_path, smtp_server.toml() + imap)
    process, log_path = _start(config, "--interval", "300")
    _wait_for(log_path, "invoice sent to ap@acme.example")
    time.sleep(1.0)  # the worker is in IDLE now
    pgid = os.getpgid(dovecot.pid)
    for pid in group_members(pgid):
        os.kill(pid, signal.SIGSTOP)  # the server hangs: no answer to DONE or LOGOUT
    try:
        code, seconds = _stop(process)
    finally:
        for pid in group_members(pgid):
            os.kill(pid, signal.SIGCONT)
    print(f"exit {seconds:.1f} s after SIGTERM with a hung IMAP server")
    text = log_path.read_text()
    assert seconds < BOUND, text
    assert code == 0, text
    assert "mailbot stopped" in text


@pytest.mark.parametrize("once", [False, True], ids=["run", "run --once"])
def test_sigterm_finishes_the_mail_being_sent_and_leaves_the_rest(tmp_path, slow_smtp, once):
    handler, toml = slow_smtp
    config = write_config(tmp_path, toml)
    process, log_path = _start(config, *(["--once"] if once else ["--interval", "300"]))
    assert handler.started.wait(20), log_path.read_text()
    code, seconds = _stop(process)  # while the server takes its time over the first mail
    text = log_path.read_text()
    assert code == 0, text
    assert seconds < BOUND, text
    assert len(handler.messages) == 1, text  # the mail at hand went out, the second did not
    assert text.count("invoice sent to") == 1, text
    assert "stop requested: leaving the rest for the next pass" in text


def test_a_second_sigterm_exits_at_once(tmp_path, hung_smtp):
    server, toml = hung_smtp
    config = write_config(tmp_path, toml)
    process, log_path = _start(config, "--interval", "300")
    assert server.connected.wait(20), log_path.read_text()
    process.send_signal(signal.SIGTERM)
    _wait_for(log_path, "finishing the current mail")
    code, seconds = _stop(process)
    assert seconds < 2.0, log_path.read_text()
    assert code == 128 + signal.SIGTERM


def test_sighup_reads_a_new_invoice_in_the_ledger_at_once(tmp_path):
    config = write_config(tmp_path)
    process, log_path = _start(config, "--interval", "300")
    try:
        _wait_for(log_path, "2026-004: invoice sent")
        ledger = tmp_path / "ledger.csv"
        _save(ledger, ledger.read_text() + "2026-009,acme,2026-11-05,2026-11-19,Extra,1,,100.00,19,\n")
        process.send_signal(signal.SIGHUP)
        _wait_for(log_path, "2026-009: invoice sent", 5)  # not after the 300 s interval
        assert process.poll() is None  # SIGHUP no longer kills the service
    finally:
        code, _seconds = _stop(process)
    assert code == 0


def test_changed_smtp_settings_take_effect_on_the_next_pass(tmp_path, smtp_server):
    other = SmtpServer()
    other.start()
    try:
        config = write_config(tmp_path, smtp_server.toml())
        process, log_path = _start(config, "--interval", "300")
        try:
            _wait_for(log_path, "2026-004: invoice sent")
            _save(config, config.read_text().replace(smtp_server.toml(), other.toml()))
            ledger = tmp_path / "ledger.csv"
            _save(ledger, ledger.read_text() + "2026-009,acme,2026-11-05,2026-11-19,Extra,1,,100.00,19,\n")
            process.send_signal(signal.SIGHUP)
            _wait_for(log_path, "2026-009: invoice sent", 5)
        finally:
            code, _seconds = _stop(process)
        assert code == 0
        assert len(smtp_server.messages) == 2
        assert [b"2026-009" in m.raw for m in other.messages] == [True]
    finally:
        other.stop()


def _reply_to_first_invoice(config: Path) -> bytes:
    import sqlite3

    db = sqlite3.connect(config.parent / "var" / "mailbot.db")
    try:
        (message_id,) = db.execute(
            "SELECT message_id FROM outbox WHERE invoice = '2026-001' AND kind = 'invoice'"
        ).fetchone()
    finally:
        db.close()
    return (f"From: ap@acme.example\r\nTo: billing@muster-design.example\r\n"
            f"Subject: Re: Invoice 2026-001\r\nMessage-ID: <r1@acme.example>\r\n"
            f"In-Reply-To: {message_id}\r\n\r\nWe will pay on Friday.\r\n").encode()  # fmt: skip


def _imap_toml(server: DovecotServer) -> str:
    return (f'\n[imap]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
            f'username = "{server.user}"\npassword = "{server.password}"\n')  # fmt: skip


def test_changed_imap_settings_reconnect_on_the_next_pass(tmp_path, smtp_server, dovecot):
    with DovecotServer(password="another-secret") as other:
        config = write_config(tmp_path, smtp_server.toml() + _imap_toml(dovecot))
        process, log_path = _start(config, "--interval", "300")
        try:
            _wait_for(log_path, "invoice sent to ap@acme.example")
            _save(config, config.read_text().replace(_imap_toml(dovecot), _imap_toml(other)))
            process.send_signal(signal.SIGHUP)
            _wait_for(log_path, "inbox settings changed: connecting anew", 5)
            other.append(_reply_to_first_invoice(config))  # only the new server has the reply
            _wait_for(log_path, "reply <r1@acme.example>", 10)
        finally:
            code, _seconds = _stop(process)
        assert code == 0, log_path.read_text()


def test_systemd_is_told_ready_and_stopping(tmp_path):
    """``Type=notify``: READY=1 once config and state are usable, STOPPING=1 on SIGTERM."""
    address = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as listener:
        listener.bind(address)
        listener.settimeout(20)
        config = write_config(tmp_path)
        env = {**os.environ, "NOTIFY_SOCKET": address, "WATCHDOG_USEC": "2000000"}
        process, log_path = _start(config, "--interval", "300", env=env)
        try:
            assert listener.recv(100) == b"READY=1"
            assert listener.recv(100) == b"WATCHDOG=1"
            assert listener.recv(100) == b"WATCHDOG=1"  # again within WatchdogSec (2 s), while idle
        finally:
            code, _seconds = _stop(process)
        received = []
        listener.settimeout(0.2)
        while True:
            try:
                received.append(listener.recv(100))
            except TimeoutError:
                break
    assert code == 0, log_path.read_text()
    assert received[-1] == b"STOPPING=1"
