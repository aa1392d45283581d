"""Real ``mailbot`` processes killed at the worst moments: what reaches the server and
the owner afterwards.  At least once, never under two Message-IDs; a forward to the
owner is never lost."""

from __future__ import annotations

import mailbox
import sqlite3
import subprocess
import sys
from email import message_from_bytes
from email.utils import formatdate

from conftest import ROOT, write_config

from mailbot.cli.main import main

DIES_AFTER_RECORDING_A_REPLY = """
import os, sys
from mailbot.state.store import Store
record_reply = Store.record_reply
def record_then_die(self, *args, **kwargs):
    found = record_reply(self, *args, **kwargs)
    if found and args[1]:  # a reply with events: the process dies right after recording it
        os._exit(9)
    return found
Store.record_reply = record_then_die
from mailbot.cli.main import main
main(sys.argv[1:])
"""


def _dispute(invoice_message_id: str) -> bytes:
    return (
        "From: Jane Smith <ap@acme.example>\r\nTo: billing@muster-design.example\r\n"
        f"Subject: Re: Invoice 2026-001\r\nDate: {formatdate()}\r\n"
        f"Message-ID: <dispute.1@acme.example>\r\nIn-Reply-To: {invoice_message_id}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "The amount is wrong, we never agreed to the logo design.\r\n"
    ).encode()


def _forwards(outbox) -> list:
    found = [message_from_bytes(outbox.get_bytes(key)) for key in outbox.iterkeys()]
    return [m for m in found if m["X-Mailbot"] == "forward"]


def test_a_dispute_recorded_just_before_a_crash_still_reaches_the_owner(tmp_path):
    config = write_config(tmp_path)
    assert main(["--config", str(config), "run", "--once"]) == 0  # the invoices, to the Maildir outbox
    with sqlite3.connect(tmp_path / "var" / "mailbot.db") as db:
        (invoice_id,) = db.execute("SELECT message_id FROM outbox WHERE invoice = '2026-001'").fetchone()
    inbox = mailbox.Maildir(tmp_path / "var" / "mail" / "inbox", create=True)
    inbox.add(_dispute(invoice_id))
    crashed = subprocess.run(
        [sys.executable, "-c", DIES_AFTER_RECORDING_A_REPLY, "--config", str(config), "run", "--once"],
        cwd=ROOT, capture_output=True, check=False, timeout=120,
    )  # fmt: skip
    assert crashed.returncode == 9, crashed.stderr.decode()[-2000:]
    outbox = mailbox.Maildir(tmp_path / "var" / "mail" / "outbox", create=False)
    assert _forwards(outbox) == []  # it died before sending anything

    main(["--config", str(config), "run", "--once"])
    main(["--config", str(config), "run", "--once"])
    forwards = _forwards(outbox)
    assert len(forwards) == 1, [f["Subject"] for f in forwards]
    assert "dispute" in forwards[0]["Subject"]
