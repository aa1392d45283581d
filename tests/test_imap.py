"""Replies over a real IMAP server (Dovecot on 127.0.0.1): read, applied, never twice."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.utils import format_datetime
from pathlib import Path

import pytest
from conftest import ROOT, write_config

from mailbot.cli.main import main

OWNER = "owner@muster-design.example"


def _config(tmp_path: Path, smtp_server, dovecot, extra: str = "") -> Path:
    imap = (
        f'\n[imap]\nhost = "127.0.0.1"\nport = {dovecot.port}\nsecurity = "none"\n'
        f'username = "{dovecot.user}"\npassword = "{dovecot.password}"\ntimeout = 10\n'
    )
    config = write_config(tmp_path, smtp_server.toml() + imap + extra)
    text = config.read_text().replace(
        'tax_id = "DE123456789"', f'tax_id = "DE123456789"\nowner_email = "{OWNER}"', 1
    )
    config.write_text(text)
    return config


def _sent_ids(config: Path) -> dict[str, str]:
    db = sqlite3.connect(config.parent / "var" / "mailbot.db")
    return dict(db.execute("SELECT invoice, message_id FROM outbox WHERE kind = 'invoice'"))


def reply(
    msgid: str, in_reply_to: str, body: str, sender: str = "ap@acme.example",
    subject: str = "Re: Invoice", date: str = "",
) -> bytes:  # fmt: skip
    date = date or format_datetime(datetime.now(UTC))  # fresh mail: old mail is left alone
    head = (
        f"From: Client <{sender}>\r\nTo: billing@muster-design.example\r\nSubject: {subject}\r\n"
        f"Date: {date}\r\nMessage-ID: <{msgid}>\r\n"
    )
    if in_reply_to:
        head += f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n"
    head += "Content-Type: text/plain; charset=utf-8\r\n"
    return (head + "\r\n" + body + "\r\n").encode()


def _history(config: Path, invoice: str, capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["--config", str(config), "history", invoice, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _status(config: Path, capsys) -> dict[str, dict]:
    capsys.readouterr()
    assert main(["--config", str(config), "status", "--json"]) == 0
    return {row["invoice"]: row for row in json.loads(capsys.readouterr().out)}


def _forwards(smtp_server) -> list:
    return [m for m in smtp_server.messages if m.recipients == [OWNER]]


def test_replies_are_read_matched_recorded_and_forwarded_once(tmp_path, smtp_server, dovecot, capsys):
    config = _config(tmp_path, smtp_server, dovecot)
    assert main(["--config", str(config), "run", "--once"]) == 0
    ids = _sent_ids(config)
    dovecot.append(reply("r1@acme.example", ids["2026-001"], "Paid yesterday, thanks!"))
    dovecot.append(reply("r2@kaiser-soehne.example", ids["2026-004"], "Der Betrag stimmt nicht.",
                         sender="buchhaltung@kaiser-soehne.example"))  # fmt: skip
    dovecot.append(reply("r3@else.example", "", "Hello, is this spam?", sender="x@else.example"))
    assert main(["--config", str(config), "run", "--once"]) == 0

    status = _status(config, capsys)
    assert status["2026-001"]["state"] == "payment_claimed"
    assert status["2026-001"]["last_reply"]["intent"] == "payment_claimed"
    assert status["2026-001"]["last_reply"]["trusted"] is True
    assert status["2026-004"]["state"] == "disputed"
    event = _history(config, "2026-004", capsys)[1]
    assert (event["type"], event["intent"], event["trusted"]) == ("reply", "dispute", True)
    assert "betrag stimmt nicht" in json.loads(event["detail"])["phrase"]

    forwards = [message_from_bytes(m.raw, policy=policy.default) for m in _forwards(smtp_server)]
    subjects = sorted(f["Subject"] for f in forwards)
    assert len(forwards) == 2, subjects  # the dispute and the unmatched mail; not the payment claim
    dispute = next(f for f in forwards if "dispute" in f["Subject"])
    assert dispute["Auto-Submitted"] == "auto-generated"
    assert dispute.get_body(("plain",)).get_content().startswith("Dispute on invoice 2026-004")
    attached = [p for p in dispute.walk() if p.get_content_type() == "message/rfc822"]
    assert attached, "the original travels with the forward"

    # The client gets one short acknowledgment, in the thread of their own mail.
    history = _history(config, "2026-004", capsys)
    assert [(e["type"], e.get("kind")) for e in history] == [
        ("sent", "invoice"), ("reply", None), ("sent", "forward"), ("sent", "ack"),
    ]  # fmt: skip
    ack = next(m for m in smtp_server.messages if "kaiser" in m.recipients[0] and b"auto-replied" in m.raw)
    ack_mail = message_from_bytes(ack.raw, policy=policy.default)
    assert ack_mail["In-Reply-To"] == "<r2@kaiser-soehne.example>"
    assert ack_mail["Subject"] == "Re: Invoice"  # their own subject, not "AW: Re: ..."

    # A second pass reads nothing new, records nothing twice, forwards nothing twice.
    before = len(smtp_server.messages)
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert len(_history(config, "2026-004", capsys)) == 4
    assert len(smtp_server.messages) == before


def test_handled_mail_gets_a_keyword_and_stays_unread(tmp_path, smtp_server, dovecot):
    config = _config(tmp_path, smtp_server, dovecot)
    main(["--config", str(config), "run", "--once"])
    dovecot.append(reply("k1@acme.example", _sent_ids(config)["2026-001"], "Thanks, received!"))
    main(["--config", str(config), "run", "--once"])
    with dovecot.client() as imap:
        imap.select_folder("INBOX")
        flags = next(iter(imap.get_flags(imap.search("ALL")).values()))
    assert b"$MailbotHandled" in flags
    assert b"\\Seen" not in flags


def test_uidvalidity_change_rescans_without_duplicates(tmp_path, smtp_server, dovecot, capsys):
    config = _config(tmp_path, smtp_server, dovecot)
    main(["--config", str(config), "run", "--once"])
    ids = _sent_ids(config)
    dovecot.append(reply("u1@acme.example", ids["2026-001"], "We will pay on Friday."))
    main(["--config", str(config), "run", "--once"])
    dovecot.change_uidvalidity()
    dovecot.append(reply("u2@acme.example", ids["2026-001"], "Paid this morning."))
    main(["--config", str(config), "run", "--once"])
    replies = [e for e in _history(config, "2026-001", capsys) if e["type"] == "reply"]
    assert [e["intent"] for e in replies] == ["promise_to_pay", "payment_claimed"]
    today = datetime.now(UTC).date()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    assert replies[0]["until"] == friday.isoformat()


def test_untrusted_payment_claim_changes_nothing_and_goes_to_the_owner(
    tmp_path, smtp_server, dovecot, capsys
):
    config = _config(tmp_path, smtp_server, dovecot)
    main(["--config", str(config), "run", "--once"])
    spoof = reply("s1@evil.example", _sent_ids(config)["2026-001"], "Paid yesterday.",
                  sender="ap@acme-ltd.example")  # fmt: skip
    dovecot.append(spoof)
    main(["--config", str(config), "run", "--once"])
    row = _status(config, capsys)["2026-001"]
    assert row["state"] == "overdue"
    assert row["last_reply"] == {"intent": "payment_claimed", "at": row["last_reply"]["at"], "trusted": False}
    (forward,) = _forwards(smtp_server)
    assert b"NOT verified" in forward.raw


def test_auto_reply_is_recorded_but_never_answered_or_forwarded(tmp_path, smtp_server, dovecot, capsys):
    config = _config(tmp_path, smtp_server, dovecot)
    main(["--config", str(config), "run", "--once"])
    ooo = reply("o1@acme.example", _sent_ids(config)["2026-001"],
                "I am out of the office and will be back on 1 December.",
                subject="Automatic reply: Invoice 2026-001")  # fmt: skip
    ooo = ooo.replace(b"Content-Type:", b"Auto-Submitted: auto-replied\r\nContent-Type:")
    dovecot.append(ooo)
    sent_before = len(smtp_server.messages)
    main(["--config", str(config), "run", "--once"])
    assert len(smtp_server.messages) == sent_before
    event = _history(config, "2026-001", capsys)[-1]
    assert (event["intent"], event["until"]) == ("auto_reply", "2026-12-01")


def test_check_connect_logs_in_to_imap(tmp_path, smtp_server, dovecot, capsys):
    config = _config(tmp_path, smtp_server, dovecot)
    assert main(["--config", str(config), "check", "--connect"]) == 0
    bad = config.read_text().replace(dovecot.password, "wrong")
    config.write_text(bad)
    assert main(["--config", str(config), "check", "--connect"]) == 1
    assert "imap 127.0.0.1" in capsys.readouterr().out


def _wait_for(predicate, seconds: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


def _replies_in_db(config: Path) -> int:
    db = sqlite3.connect(config.parent / "var" / "mailbot.db")
    try:
        return db.execute("SELECT count(*) FROM events WHERE type = 'reply'").fetchone()[0]
    finally:
        db.close()


@pytest.fixture
def service(tmp_path, smtp_server, dovecot):
    """`mailbot run` as ops start it: a separate process, stopped with SIGTERM."""
    config = _config(tmp_path, smtp_server, dovecot)
    main(["--config", str(config), "run", "--once"])
    log = (tmp_path / "service.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "mailbot", "--config", str(config), "run", "--interval", "300"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    _wait_for(lambda: b"mailbot running" in (tmp_path / "service.log").read_bytes(), 10)
    time.sleep(0.5)  # the first pass and the IDLE command
    yield config, process
    process.terminate()
    assert process.wait(timeout=10) == 0, (tmp_path / "service.log").read_text()


def test_idle_records_a_reply_within_seconds(service, dovecot):
    config, _process = service
    ids = _sent_ids(config)
    dovecot.append(reply("i1@acme.example", ids["2026-001"], "Paid today."))
    latency = _wait_for(lambda: _replies_in_db(config) == 1, 5)
    print(f"IDLE latency from APPEND to recorded event: {latency:.2f} s")


def test_service_reconnects_after_a_server_restart(service, dovecot, tmp_path):
    config, process = service
    dovecot.restart()
    ids = _sent_ids(config)
    dovecot.append(reply("c1@acme.example", ids["2026-001"], "Paid today."))
    _wait_for(lambda: _replies_in_db(config) == 1, 15)
    assert process.poll() is None


def test_check_connect_suggests_whose_authentication_results_to_trust(tmp_path, smtp_server, dovecot, capsys):
    config = _config(tmp_path, smtp_server, dovecot)
    assert main(["--config", str(config), "check", "--connect"]) == 0
    assert "hint:" not in capsys.readouterr().out  # an empty folder: nothing to say
    mail = (b"From: ap@acme.example\r\nTo: billing@muster-design.example\r\nSubject: Re: Invoice 2026-001\r\n"
            b"Authentication-Results: mx.google.com;\r\n dkim=pass header.d=acme.example\r\n\r\nPaid today.\r\n")  # fmt: skip
    dovecot.append(mail)
    assert main(["--config", str(config), "check", "--connect"]) == 0  # advice, not a failure
    out = capsys.readouterr().out
    assert "hint: imap 127.0.0.1" in out and '[imap] authserv_id = "mx.google.com"' in out
    trusting = config.read_text().replace("[imap]\n", '[imap]\nauthserv_id = "mx.google.com"\n')
    assert trusting != config.read_text()
    config.write_text(trusting)
    assert main(["--config", str(config), "check", "--connect"]) == 0
    assert "hint:" not in capsys.readouterr().out


def test_a_state_lost_with_its_folder_is_refused_while_the_mailbox_remembers(
    tmp_path, smtp_server, dovecot, capsys
):
    """The whole var/ gone (a new host): the marker went with the state, but the mailbox
    still holds mail a mailbot marked. Nothing is mailed again until the owner says so."""
    config = _config(tmp_path, smtp_server, dovecot)
    assert main(["--config", str(config), "run", "--once"]) == 0
    dovecot.append(reply("lost1@acme.example", _sent_ids(config)["2026-001"], "Thanks, received!"))
    assert main(["--config", str(config), "run", "--once"]) == 0
    sent = len(smtp_server.messages)
    shutil.rmtree(tmp_path / "var")
    capsys.readouterr()

    assert main(["--config", str(config), "run", "--once"]) == 1

    err = capsys.readouterr().err
    assert "the mailbox INBOX holds mail a mailbot marked $MailbotHandled" in err
    assert "mailbot state new" in err and "Traceback" not in err
    assert len(smtp_server.messages) == sent  # nothing mailed again

    assert main(["--config", str(config), "state", "new"]) == 0
    assert main(["--config", str(config), "run", "--once"]) == 0
    assert len(smtp_server.messages) > sent  # the owner said so: a first run (here, every invoice)
