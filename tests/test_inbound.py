"""The embedded default reads replies from the Maildir inbox; bad mail never stops the rest."""

from __future__ import annotations

import json
import mailbox
import sqlite3
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from conftest import write_config
from test_replies import KNOWN

from mailbot.cli.main import main
from mailbot.inbound.forward import build_forward
from mailbot.inbound.replies import classify
from mailbot.state.store import SCHEMA_VERSION, Store

CORPUS = Path(__file__).parent / "replies" / "corpus"
NOW = datetime.now(UTC)  # replies are fresh: mail older than 30 days is left alone


def _fresh(raw: bytes) -> bytes:
    """The corpus mail as if it came in now (mail older than 30 days is left alone)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = [b"Date: " + format_datetime(NOW).encode() if ln.startswith(b"Date:") else ln
             for ln in head.split(b"\r\n")]  # fmt: skip
    return b"\r\n".join(lines) + sep + body


def _drop(config: Path, raw: bytes) -> None:
    box = mailbox.Maildir(config.parent / "var" / "mail" / "inbox", create=True)
    box.add(raw)


def _message_id(config: Path, invoice: str) -> str:
    db = sqlite3.connect(config.parent / "var" / "mailbot.db")
    (found,) = db.execute("SELECT message_id FROM outbox WHERE invoice = ?", (invoice,)).fetchone()
    return found


def test_maildir_inbox_replies_are_applied(tmp_path, capsys):
    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    msgid = _message_id(config, "2026-004")
    raw = (
        "From: buchhaltung@kaiser-soehne.example\r\nSubject: AW: Rechnung\r\n"
        f"In-Reply-To: {msgid}\r\nMessage-ID: <m1@kaiser-soehne.example>\r\n"
        f"Date: {format_datetime(NOW)}\r\n\r\nWir überweisen bis zum 15.\r\n"
    ).encode()
    _drop(config, raw)
    main(["--config", str(config), "run", "--once"])
    capsys.readouterr()
    main(["--config", str(config), "status", "--json"])
    row = next(r for r in json.loads(capsys.readouterr().out) if r["invoice"] == "2026-004")
    assert row["state"] == "promised"
    assert row["last_reply"]["intent"] == "promise_to_pay"
    # The file stays where it was, and a second pass does not read it again.
    main(["--config", str(config), "run", "--once"])
    capsys.readouterr()
    main(["--config", str(config), "history", "2026-004", "--json"])
    events = json.loads(capsys.readouterr().out)
    assert [e["type"] for e in events] == ["sent", "reply"]
    today = NOW.date()
    fifteenth = (
        today.replace(day=15)
        if today.day <= 15
        else (today.replace(day=1) + timedelta(days=32)).replace(day=15)
    )
    assert events[1]["until"] == fifteenth.isoformat()


def test_hostile_and_broken_mail_never_stop_the_others(tmp_path, capsys):
    config = write_config(tmp_path)
    main(["--config", str(config), "run", "--once"])
    for name in ("spoof_hostile_html_script", "spoof_hostile_long_line", "spoof_hostile_garbage_subject",
                 "en_outlook_broken_mime"):  # fmt: skip
        _drop(config, _fresh((CORPUS / f"{name}.eml").read_bytes()))
    _drop(config, b"\x00\xff garbage without headers")
    _drop(config, b"")
    good = (
        b"From: ap@acme.example\r\nSubject: Re: Invoice 2026-001\r\nMessage-ID: <ok@acme.example>\r\n"
        b"Date: " + format_datetime(NOW).encode() + b"\r\n\r\nPaid yesterday.\r\n"
    )
    _drop(config, good)
    assert main(["--config", str(config), "run", "--once"]) == 0
    db = sqlite3.connect(tmp_path / "var" / "mailbot.db")
    intents = [row[0] for row in db.execute("SELECT intent FROM events WHERE type = 'reply'")]
    assert len(intents) == 7
    assert "payment_claimed" in intents
    capsys.readouterr()
    main(["--config", str(config), "status", "--json"])
    row = next(r for r in json.loads(capsys.readouterr().out) if r["invoice"] == "2026-001")
    assert row["state"] == "payment_claimed"


def test_mailbots_own_forward_is_recognised_and_left_alone():
    reply = classify((CORPUS / "en_gmail_amount_wrong.eml").read_bytes(), KNOWN)
    forward = build_forward(
        reply, "dispute", b"From: x\r\n\r\nbody\r\n", "Muster Design", "billing@muster-design.example",
        "billing@muster-design.example", "<f@muster-design.example>", datetime.now(UTC),
    )  # fmt: skip
    again = classify(forward, KNOWN)
    assert again.own is True


def test_version_1_state_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    from mailbot.state.schema import MIGRATIONS

    db.executescript(MIGRATIONS[1] + "; PRAGMA user_version = 1;")
    db.execute(
        "INSERT INTO outbox (invoice, kind, step, message_id, status, claimed_at)"
        " VALUES ('2026-001', 'invoice', 0, '<a@x>', 'sent', '2026-11-01T00:00:00+00:00')"
    )
    db.commit()
    db.close()
    with Store(path) as store:
        (row,) = store.outbox()
        assert (row.invoice, row.status, row.payload) == ("2026-001", "sent", None)
        assert store.watermark("imap:x") == (0, 0)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
