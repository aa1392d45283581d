"""Real ``mailbot`` processes killed at the worst moments: what reaches the server and
the owner afterwards.  At least once, never under two Message-IDs; a forward to the
owner is never lost."""

from __future__ import annotations

import mailbox
import os
import random
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from email import message_from_bytes, policy
from email.utils import formatdate
from pathlib import Path

from conftest import ROOT, SmtpServer, write_config

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


CLIENTS = ("acme", "kaiser")


def _many_invoices(count: int) -> str:
    rows = [
        f"K-{n:03},{CLIENTS[n % 2]},2026-11-02,2026-11-16,Work,1,day,{100 + n}.00,19,\n" for n in range(count)
    ]
    return (
        "invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,discount\n"
        + "".join(rows)
    )


class KillingHandler:
    """aiosmtpd's handler: accepts each mail a little slowly (so a batch takes a while),
    and on chosen mails kills the sending process right after accepting DATA, before
    the client can hear "250" and record it: the one window where a mail goes twice."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.kill_at: set[int] = set()  # the n-th mail received
        self.pid = 0

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        self.messages.append(bytes(envelope.original_content))
        await asyncio.sleep(0.05)
        if len(self.messages) in self.kill_at and self.pid:
            os.kill(self.pid, signal.SIGKILL)
        return "250 Message accepted"


def _recorded(db_path: Path) -> tuple[set[str], int]:
    """The Message-IDs recorded sent and the claims still open, read-only: a kill may come
    before the state file exists, or while its tables are being made (nothing sent yet)."""
    if not db_path.is_file():
        return set(), 0
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
            sent = {r[0] for r in db.execute("SELECT message_id FROM outbox WHERE status = 'sent'")}
            pending = db.execute("SELECT count(*) FROM outbox WHERE status = 'claimed'").fetchone()[0]
    except sqlite3.OperationalError:  # (no outbox table yet)
        return set(), 0
    return sent, pending


def test_sigkill_at_random_moments_loses_no_mail_and_repeats_one_only_under_its_message_id(tmp_path):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    count = 24
    handler = KillingHandler()
    handler.kill_at = {3, 11}  # right after the server accepted DATA
    server = SmtpServer()
    server.handler = handler  # type: ignore[assignment]
    server.start()
    try:
        config = write_config(tmp_path, server.toml(), ledger=_many_invoices(count))
        db_path = tmp_path / "var" / "mailbot.db"
        in_window: Counter[str] = Counter()  # at the server, not recorded sent when a process died
        runs = []
        for attempt in range(30):
            process = subprocess.Popen(
                [sys.executable, "-m", "mailbot", "--config", str(config), "run", "--once"],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            handler.pid = process.pid
            try:
                code = process.wait(timeout=rng.uniform(0.8, 3.0) if attempt < 6 else 120)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                code = process.wait()
            handler.pid = 0
            runs.append(code)
            sent, pending = _recorded(db_path)
            if code != 0:
                at_server = {message_from_bytes(raw)["Message-ID"] for raw in handler.messages}
                in_window.update(at_server - sent)
            elif pending == 0 and len(sent) == count:
                break
        received = [message_from_bytes(raw, policy=policy.default) for raw in handler.messages]
    finally:
        server.stop()
    why = f"seed {seed}, exit codes {runs}"
    assert -signal.SIGKILL in runs, why  # it was killed at least once
    ids_by_invoice: dict[str, set[str]] = {}
    for mail in received:
        ids_by_invoice.setdefault(mail["Subject"].split()[1], set()).add(mail["Message-ID"])
    assert len(ids_by_invoice) == count, why  # none missing
    assert all(len(ids) == 1 for ids in ids_by_invoice.values()), why  # never under two Message-IDs
    copies = Counter(mail["Message-ID"] for mail in received)
    repeated = {mid for mid, n in copies.items() if n > 1}
    assert repeated, why  # the kills right after DATA did make duplicates ...
    # ... and only in that one window: one more copy at most for each process that died in it
    assert all(copies[mid] <= 1 + in_window[mid] for mid in repeated), why
