"""A spam wave through the real pass over a Maildir inbox: the owner's inbox afterwards,
and the state file.  Junk is not amplified: strangers and bulk senders get at most one
forward a day each (and ``[inbox] forwards_per_day`` in all), the rest one digest the
next day; clients' own disputes still reach the owner one by one, at once."""

from __future__ import annotations

import mailbox
import sqlite3
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from conftest import write_config
from junk_corpus import MB, _mail, client_mails, hostile

from mailbot.config.settings import Settings, load_settings
from mailbot.service.run_pass import run_once

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
PER_DAY = 20  # [inbox] forwards_per_day, the default
KEEP_DAYS = 90  # [inbox] keep_days, the default
LEDGER = """\
invoice,client,issue_date,due_date,description,quantity,unit,unit_price,tax_rate,discount
J-001,acme,2026-12-06,2026-12-20,Brand workshop,1,day,1200.00,19,
J-002,kaiser,2026-12-06,2026-12-20,Geschäftsausstattung,1,Pauschale,850.00,19,
"""


def _setup(tmp_path: Path, extra: str = "") -> Settings:
    config = write_config(tmp_path, extra=extra, ledger=LEDGER)
    settings = load_settings(config)
    run_once(settings, NOW)  # the two invoices go out, so clients' replies have something to match
    return settings


def _drop(settings: Settings, mails: list[bytes]) -> None:
    box = mailbox.Maildir(settings.mail_dir / "inbox", create=True)
    for raw in mails:
        box.add(raw)


def _to_owner(settings: Settings) -> list[Message]:
    """What reached the owner's inbox (the Maildir outbox, headers only)."""
    box = mailbox.Maildir(settings.mail_dir / "outbox", create=False)
    found = []
    for key in box.iterkeys():
        with box.get_file(key) as handle:
            head = handle.read(8192).split(b"\r\n\r\n")[0]
        message = message_from_bytes(head)
        if message["X-Mailbot"] in ("forward", "digest"):
            found.append(message)
    return found


def _state_size(settings: Settings) -> int:
    path = settings.state_path
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def _subject(message: Message) -> str:
    return str(message["Subject"] or "")


def test_a_spam_wave_costs_the_owner_a_few_forwards_and_one_digest(tmp_path):
    settings = _setup(tmp_path)
    corpus = hostile(NOW)
    clients = client_mails(NOW)
    _drop(settings, corpus.mails[:1500] + [raw for _marker, raw in clients] + corpus.mails[1500:])
    before = _state_size(settings)

    run_once(settings, NOW)

    grown = _state_size(settings) - before
    owner = _to_owner(settings)
    forwards = [m for m in owner if m["X-Mailbot"] == "forward"]
    from_clients = [m for m in forwards if any(marker in _subject(m) for marker, _raw in clients)]
    # The clients' real voices: each one forwarded on its own, in this pass.
    assert len(from_clients) == len(clients), [_subject(m) for m in from_clients]
    limited = len(forwards) - len(from_clients)
    assert limited <= min(len(corpus.limited_senders), PER_DAY)
    assert grown < 50 * MB, (
        f"the state file grew by {grown / MB:.1f} MB for {corpus.raw_bytes / MB:.0f} MB of mail"
    )

    run_once(settings, NOW + timedelta(days=1))  # the next day: the digest of the rest
    digests = [m for m in _to_owner(settings) if m["X-Mailbot"] == "digest"]
    assert len(digests) == 1
    assert "held back" in _subject(digests[0])
    run_once(settings, NOW + timedelta(days=1, hours=1))
    assert len([m for m in _to_owner(settings) if m["X-Mailbot"] == "digest"]) == 1  # never twice


def test_a_stranger_gets_one_forward_a_day_and_the_rest_waits_for_the_digest(tmp_path):
    settings = _setup(tmp_path)
    flood = hostile(NOW, strangers=0, newsletters=0, big=0, one_sender=30, garbage=0).mails
    _drop(settings, flood)
    run_once(settings, NOW)
    assert len(_to_owner(settings)) == 1

    _drop(settings, hostile(NOW + timedelta(days=1), strangers=0, newsletters=0, big=0, one_sender=5,
                            garbage=0, seed=12).mails)  # fmt: skip
    run_once(settings, NOW + timedelta(days=1))
    owner = _to_owner(settings)
    assert sorted(str(m["X-Mailbot"]) for m in owner) == ["digest", "forward", "forward"]
    body = _digest_text(settings)
    assert "29 mails from 1 sender" in body
    assert "flood@spammer.example" in body


def test_a_flood_forged_in_a_clients_name_gets_what_a_strangers_gets(tmp_path):
    """Where our server writes Authentication-Results, 300 disputes "from" the client
    without one are forgeries: the first reaches the owner, the rest the digest."""
    settings = _setup(tmp_path, extra='\n[imap]\nauthserv_id = "mx.muster-design.example"\n')
    words = "The amount is wrong, we dispute this invoice."
    forged = [
        _mail("ap@acme.example", f"Re: Invoice J-001 ({n})", words, NOW, f"forged{n}") for n in range(300)
    ]
    _drop(settings, forged)
    run_once(settings, NOW)
    assert len(_to_owner(settings)) == 1
    run_once(settings, NOW + timedelta(days=1))
    assert sorted(str(m["X-Mailbot"]) for m in _to_owner(settings)) == ["digest", "forward"]
    assert "299 mails from 1 sender" in _digest_text(settings)


def _digest_text(settings: Settings) -> str:
    box = mailbox.Maildir(settings.mail_dir / "outbox", create=False)
    for key in box.iterkeys():
        message = message_from_bytes(box.get_bytes(key))
        if message["X-Mailbot"] == "digest":
            return message.get_payload(decode=True).decode()
    return ""


def test_a_clients_oversized_dispute_is_forwarded_at_once_with_the_attachment_cut(tmp_path):
    settings = _setup(tmp_path)
    big = hostile(NOW, strangers=0, newsletters=0, big=1, one_sender=0, garbage=0, big_size=3 * MB).mails[0]
    raw = (
        big.replace(b"From: big0@heavy.example", b"From: ap@acme.example")
        .replace(b"Subject: Big file 0", b"Subject: Re: Invoice J-001")
        .replace(b"Please see the attached file.", b"The amount is wrong, we dispute this invoice.")
    )
    _drop(settings, [raw])
    run_once(settings, NOW)
    (forward,) = _to_owner(settings)
    assert "dispute" in _subject(forward)
    with sqlite3.connect(settings.state_path) as db:
        (stored,) = db.execute("SELECT length(payload) FROM outbox WHERE kind = 'forward'").fetchone()
    assert stored < 1.5 * MB < 3 * MB < len(raw)  # [inbox] keep_bytes: 1 MB, in base64


def test_stored_mails_are_dropped_after_the_retention_and_the_file_stops_growing(tmp_path):
    settings = _setup(tmp_path)
    every = timedelta(days=KEEP_DAYS + 1)
    for wave in range(3):  # each wave finds the one before expired
        now = NOW + every * wave
        corpus = hostile(now, strangers=50, newsletters=0, big=20, one_sender=20, garbage=10, seed=wave)
        _drop(settings, corpus.mails)
        run_once(settings, now)
        run_once(settings, now + timedelta(days=1))  # the digest
    # Only the last wave's stored mails are left; the older waves' were dropped, and
    # the file holds little more than them (their space was reused or given back).
    last_wave = (NOW + every * 2).date().isoformat()
    with sqlite3.connect(settings.state_path) as db:
        query = "SELECT claimed_at, length(payload) FROM outbox WHERE payload IS NOT NULL"
        kept = db.execute(query).fetchall()
        assert kept and all(at >= last_wave for at, _size in kept)
        live = sum(size for _at, size in kept)
        assert _state_size(settings) < live + 3 * MB, (_state_size(settings) / MB, live / MB)
        assert db.execute("SELECT min(day) FROM held_back").fetchone()[0] >= last_wave
    run_once(settings, NOW + every * 3 + timedelta(days=1))  # past the retention of the last digest too
    with sqlite3.connect(settings.state_path) as db:
        assert db.execute("SELECT count(*) FROM outbox WHERE payload IS NOT NULL").fetchone()[0] == 0
    assert _state_size(settings) < 3 * MB  # compacted: the space went back to the disk


def test_the_owner_sets_the_days_forwards_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MAILBOT_INBOX__FORWARDS_PER_DAY", "3")
    settings = _setup(tmp_path)
    _drop(settings, hostile(NOW, strangers=10, newsletters=0, big=0, one_sender=0, garbage=0).mails)
    run_once(settings, NOW)
    assert len(_to_owner(settings)) == 3
