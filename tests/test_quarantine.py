"""Reading can never block sending: a message that kills the worker is quarantined.

A real ``mailbot run --once`` in a child process whose classifier kills its own
process with SIGKILL (as the kernel's OOM killer would) on one marked message.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from email import message_from_bytes
from email.utils import format_datetime
from pathlib import Path

from conftest import write_config

from mailbot.cli.main import main
from mailbot.inbound import apply

OWNER = "billing@muster-design.example"  # business.owner_email defaults to business.email

KILLER = r"""
import os, signal, sys
import mailbot.inbound.apply as apply

real = apply.classify

def classify(raw, known):
    if b"X-Test-Deadly: yes" in raw:
        os.kill(os.getpid(), signal.SIGKILL)  # what the OOM killer does: no exception, no cleanup
    return real(raw, known)

apply.classify = classify
from mailbot.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def _mail(name: str, body: str, extra: str = "") -> bytes:
    return (
        f"From: Someone <{name}@else.example>\r\nTo: {OWNER}\r\nSubject: about {name}\r\n"
        f"Message-ID: <{name}@else.example>\r\nDate: {format_datetime(datetime.now(UTC))}\r\n{extra}"
        f"\r\n{body}\r\n"
    ).encode()


def _run(config: Path) -> int:
    done = subprocess.run(
        [sys.executable, "-c", KILLER, "--config", str(config), "run", "--once"],
        capture_output=True, timeout=120,
    )  # fmt: skip
    return done.returncode


def _outbox(config: Path) -> list:
    folder = config.parent / "var" / "mail" / "outbox" / "new"
    return [message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*"))] if folder.exists() else []


def test_message_that_kills_the_worker_is_quarantined_and_invoices_still_go_out(tmp_path):
    config = write_config(tmp_path)
    inbox = tmp_path / "var" / "mail" / "inbox" / "new"
    inbox.mkdir(parents=True)
    (inbox / "1700000001.deadly.eml").write_bytes(_mail("deadly", "Hello", "X-Test-Deadly: yes\r\n"))
    (inbox / "1700000002.fine.eml").write_bytes(_mail("fine", "Hello, a question."))

    assert _run(config) == -signal.SIGKILL  # the inbox is read first: nothing went out
    assert _outbox(config) == []

    assert _run(config) == -signal.SIGKILL  # the last pass died reading: it sends first
    invoices = [m for m in _outbox(config) if m["To"] != OWNER]
    assert len(invoices) == 2  # both invoices of the ledger

    assert _run(config) == -signal.SIGKILL  # the third attempt at the message
    assert _run(config) == 0  # not read a fourth time: quarantined
    assert _run(config) == 0

    to_owner = [m for m in _outbox(config) if m["To"] == OWNER]
    notices = [m for m in to_owner if "about deadly" in m["Subject"]]
    assert len(notices) == 1  # told once
    assert not notices[0].is_multipart()  # the original is not attached
    assert b"failed 3 times" in notices[0].get_payload(decode=True)
    assert any("about fine" in m["Subject"] for m in to_owner)  # the next message was read
    assert len(_outbox(config)) == len(invoices) + len(to_owner)  # no invoice twice
    db = sqlite3.connect(tmp_path / "var" / "mailbot.db")
    details = [json.loads(d) for (d,) in db.execute("SELECT detail FROM events WHERE type = 'reply'")]
    quarantined = [d for d in details if d.get("quarantined")]
    assert [(d["sender"], d["subject"], d["quarantined"]) for d in quarantined] == [
        ("deadly@else.example", "about deadly", 3)
    ]
    assert db.execute("SELECT COUNT(*) FROM inbox_attempts").fetchone()[0] == 0


def test_message_whose_handling_raises_is_quarantined_at_once_and_the_owner_told(tmp_path, monkeypatch):
    config = write_config(tmp_path)
    inbox = tmp_path / "var" / "mail" / "inbox" / "new"
    inbox.mkdir(parents=True)
    (inbox / "1700000001.bad.eml").write_bytes(_mail("bad", "Hello", "X-Test-Deadly: yes\r\n"))
    real = apply.classify

    def classify(raw, known):
        if b"X-Test-Deadly: yes" in raw:
            raise MemoryError
        return real(raw, known)

    monkeypatch.setattr(apply, "classify", classify)
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert main(["--config", str(config), "run", "--once"]) == 0
    notices = [m for m in _outbox(config) if m["To"] == OWNER]
    assert [m["Subject"] for m in notices] == ["[mailbot] other: about bad"]
    assert b"MemoryError" in notices[0].get_payload(decode=True)
