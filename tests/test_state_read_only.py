"""A state file or folder mailbot cannot write: a clear error naming it, exit 1, nothing
half-written; and a service whose state becomes unusable while it runs stops (exit 1)
instead of failing every pass.

Making a file read-only for the test: a mode (0444) stops an ordinary user but not root
(CAP_DAC_OVERRIDE), and this suite runs as root here and in CI.  So as root the file or
folder gets the immutable flag (``chattr +i``, which needs CAP_LINUX_IMMUTABLE and a file
system that keeps the flag: ext4, xfs, btrfs, tmpfs): it refuses writes to root too, and
``os.access`` reports it, as it reports a read-only mount.  The flag is taken off again
at the end, or pytest could not delete the temporary folder.
"""

from __future__ import annotations

import hashlib
import mailbox
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conftest import ROOT, write_config
from test_imap import reply

from mailbot.service.loop import busy

READ_ONLY = "is not readable and writable by this user"


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` (a file or a folder) unwritable for this process, also when it is root."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    assert made.returncode == 0, (
        f"chattr +i {path}: {made.stderr.strip()} (root needs CAP_LINUX_IMMUTABLE and a file system"
        " that keeps the flag to make a file read-only for itself)"
    )
    try:
        assert not os.access(path, os.W_OK), "chattr +i did not make the file read-only"
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True, capture_output=True)


def _mailbot(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mailbot", "--config", str(config), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )  # fmt: skip


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sent(config: Path) -> int:
    return len(list((config.parent / "var" / "mail" / "outbox" / "new").iterdir()))


def _a_ran_business(tmp_path: Path) -> tuple[Path, Path]:
    """A config whose first pass ran (its invoices mailed), a client reply waiting in the inbox."""
    config = write_config(tmp_path)
    assert _mailbot(config, "run", "--once").returncode == 0
    state = tmp_path / "var" / "mailbot.db"
    invoice_mail = sqlite3.connect(state).execute("SELECT message_id FROM outbox LIMIT 1").fetchone()[0]
    box = mailbox.Maildir(tmp_path / "var" / "mail" / "inbox", create=True)
    box.add(reply("ro@acme.example", invoice_mail, "We will pay on Friday."))
    (tmp_path / "ledger.csv").write_text(
        (tmp_path / "ledger.csv").read_text() + "2026-050,acme,2026-01-10,,Extra,1,,100.00,19,\n"
    )
    return config, state


def test_run_once_on_a_read_only_state_file_names_it_exits_1_and_writes_nothing(tmp_path):
    config, state = _a_ran_business(tmp_path)
    before, sent = _digest(state), _sent(config)
    with read_only(state):
        done = _mailbot(config, "run", "--once")
    assert done.returncode == 1
    assert f"{state}: the state file {READ_ONLY}" in done.stderr
    assert "nothing was sent" in done.stderr
    assert "Traceback" not in done.stderr
    assert _digest(state) == before
    assert _sent(config) == sent  # the new invoice waits: it could not be recorded
    assert len(list((tmp_path / "var" / "mail" / "inbox" / "new").iterdir())) == 1  # the reply unread
    assert _mailbot(config, "run", "--once").returncode == 0  # writable again: the rest, once
    assert _sent(config) == sent + 1


def test_the_service_refuses_a_read_only_state_file_at_start(tmp_path):
    config, state = _a_ran_business(tmp_path)
    before = _digest(state)
    with read_only(state):
        done = _mailbot(config, "run", "--interval", "0.2")
    assert done.returncode == 1
    assert f"{state}: the state file {READ_ONLY}" in done.stderr
    assert _digest(state) == before


def test_a_read_only_state_folder_names_it_and_exits_1(tmp_path):
    config, state = _a_ran_business(tmp_path)
    sent = _sent(config)
    with read_only(state.parent):
        done = _mailbot(config, "run", "--once")
    assert done.returncode == 1
    assert f"{state}: its folder {state.parent} is not writable" in done.stderr
    assert _sent(config) == sent


def _service_until_it_exits(config: Path, log_path: Path, spoil) -> tuple[int, str]:
    """The service at a pass every 0.2 s; ``spoil()`` once it mailed; its exit code and log."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mailbot", "--config", str(config), "run", "--interval", "0.2"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ),
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while "2026-004: invoice sent" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # a few passes more
        with spoil():
            code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    return code, log_path.read_text()


def _stopped_by(tmp_path: Path, spoil) -> tuple[Path, str, str]:
    """The service's state file, its one CRITICAL line and its log, after ``spoil(state)``
    made it stop with exit 1."""
    config = write_config(tmp_path)
    state = tmp_path / "var" / "mailbot.db"
    code, log = _service_until_it_exits(config, tmp_path / "service.log", lambda: spoil(state))
    assert code == 1
    critical = [line for line in log.splitlines() if "CRITICAL" in line]
    assert len(critical) == 1, log
    return state, critical[0], log


def test_the_service_stops_with_exit_1_when_its_state_file_becomes_read_only(tmp_path):
    state, critical, log = _stopped_by(tmp_path, read_only)
    assert f"{state}: the state file {READ_ONLY}" in critical
    assert "mailbot stopped" in critical
    assert "Traceback" not in log
    db = sqlite3.connect(state)  # (writable again)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT count(*) FROM outbox WHERE status = 'claimed'").fetchone() == (0,)
    db.close()


@contextmanager
def _damaged(state: Path) -> Iterator[None]:
    with state.open("r+b") as file:  # a disk error or a stray write over the header
        file.write(b"\0" * 100)
    yield


def test_the_service_stops_with_exit_1_when_its_state_file_is_damaged(tmp_path):
    state, critical, _log = _stopped_by(tmp_path, _damaged)
    assert f"{state}: the state database is damaged" in critical


def test_a_state_busy_for_a_moment_is_passing_but_a_read_only_one_is_not(tmp_path):
    path = tmp_path / "s.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0)
    try:
        other.execute("INSERT INTO t VALUES (1)")
        raise AssertionError("the write went through a held lock")
    except sqlite3.OperationalError as exc:
        assert busy(exc), exc
    holder.execute("ROLLBACK")
    reader = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        reader.execute("INSERT INTO t VALUES (1)")
        raise AssertionError("a read-only connection wrote")
    except sqlite3.OperationalError as exc:
        assert not busy(exc), exc


def test_systemd_gives_up_on_a_service_that_keeps_exiting_on_its_state():
    """Each exit 1 restarts after RestartSec; the start limit must be reachable at that pace,
    or an unusable state restarts for ever instead of showing the unit as failed."""
    from test_operations import UNIT, _unit

    unit = _unit(UNIT.read_text())
    burst = int(unit["Unit"]["StartLimitBurst"][0])
    window = unit["Unit"]["StartLimitIntervalSec"][0]
    seconds = (
        int(window.removesuffix("min")) * 60 if window.endswith("min") else int(window.removesuffix("s"))
    )
    pause = int(unit["Service"]["RestartSec"][0].removesuffix("s"))
    assert unit["Service"]["Restart"] == ["on-failure"]
    assert burst * pause < seconds
