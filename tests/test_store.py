"""The SQLite store: claims are unique, sent stays sent, the schema is versioned."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from mailbot.state.store import SCHEMA_VERSION, Event, StateError, Store, iso

NOW = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)


def test_a_step_can_be_claimed_only_once(tmp_path):
    with Store(tmp_path / "s.db") as store:
        assert store.claim("2026-001", "invoice", 0, "<a@x>", NOW) is True
        assert store.claim("2026-001", "invoice", 0, "<b@x>", NOW) is False
        assert store.claim("2026-001", "reminder", 1, "<c@x>", NOW) is True
        assert [r.message_id for r in store.claimed()] == ["<a@x>", "<c@x>"]


def test_a_second_connection_sees_the_claim(tmp_path):
    """Two workers on one file: the second cannot claim what the first did."""
    with Store(tmp_path / "s.db") as first, Store(tmp_path / "s.db") as second:
        assert first.claim("2026-001", "invoice", 0, "<a@x>", NOW)
        assert not second.claim("2026-001", "invoice", 0, "<b@x>", NOW)


def test_mark_sent_records_the_event_and_leaves_the_claimed_list(tmp_path):
    with Store(tmp_path / "s.db") as store:
        store.claim("2026-001", "invoice", 0, "<a@x>", NOW)
        row = store.claimed()[0]
        event = Event("2026-001", iso(NOW), "sent", kind="invoice", step=0, message_id="<a@x>")
        store.mark_sent(row, event, NOW)
        assert store.claimed() == []
        assert store.outbox()[0].status == "sent"
        assert store.events("2026-001") == [event]
        assert not store.claim("2026-001", "invoice", 0, "<z@x>", NOW)


def test_failed_mail_is_not_retried(tmp_path):
    with Store(tmp_path / "s.db") as store:
        store.claim("2026-001", "invoice", 0, "<a@x>", NOW)
        row = store.claimed()[0]
        store.mark_failed(row, Event("2026-001", iso(NOW), "error", detail="550 no such user"))
        assert store.claimed() == []
        assert store.outbox()[0].error == "550 no such user"


def test_event_json_leaves_out_what_does_not_apply():
    event = Event("2026-001", "2026-11-22T09:30:00+00:00", "sent", kind="invoice", step=0)
    assert event.as_json() == {
        "at": "2026-11-22T09:30:00+00:00", "type": "sent", "kind": "invoice", "step": 0,
    }  # fmt: skip


def test_schema_is_versioned_and_a_newer_one_is_refused(tmp_path):
    path = tmp_path / "s.db"
    Store(path).close()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StateError, match=r"newer than this mailbot.*run the mailbot that wrote it"):
        Store(path)
