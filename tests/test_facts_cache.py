"""The service keeps each invoice's facts between passes and reads only what was saved since."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime

from mailbot.records.rows import Event, iso
from mailbot.service.caches import FactsCache
from mailbot.state.store import Store

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def _payment(invoice: str, amount: str) -> Event:
    return Event(invoice, iso(NOW), "payment", detail=json.dumps({"amount": amount, "on": "2026-11-20"}))


def test_a_kept_fact_changes_when_another_program_records_a_payment(tmp_path):
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.claim("A-1", "invoice", 0, "<a@x>", NOW)
        store.claim("B-1", "invoice", 0, "<b@x>", NOW)
    known = FactsCache()
    with Store(path) as store:
        first = known.load(store, path)
    assert set(first) == {"A-1", "B-1"} and first["A-1"].payments == ()
    with Store(path) as other:  # `mailbot mark-paid`, a bank import: another process
        other.add_event(_payment("A-1", "10.00"))
    with Store(path) as store:
        again = known.load(store, path)
    assert again["A-1"].paid_in() == 10 and again["B-1"].payments == ()


def test_a_pass_reads_only_the_summaries_saved_since_the_last(tmp_path):
    path = tmp_path / "s.db"
    with Store(path) as store:
        for n in range(5):
            store.claim(f"A-{n}", "invoice", 0, f"<{n}@x>", NOW)
        everything, seq = store.facts_saved_since(-1)
        store.add_event(_payment("A-3", "1.00"))
        changed, later = store.facts_saved_since(seq)
        nothing, _ = store.facts_saved_since(later)
    assert len(everything) == 5 and set(changed) == {"A-3"} and nothing == {}


def test_a_state_file_put_back_from_a_backup_is_read_whole_again(tmp_path):
    path, backup = tmp_path / "s.db", tmp_path / "backup.db"
    with Store(path) as store:
        store.claim("A-1", "invoice", 0, "<a@x>", NOW)
        store.decision_facts()
    shutil.copy(path, backup)
    known = FactsCache()
    with Store(path) as store:
        store.add_event(_payment("A-1", "10.00"))
        store.claim("A-2", "invoice", 0, "<b@x>", NOW)
        assert known.load(store, path)["A-1"].paid_in() == 10
    shutil.copy(backup, path)  # the owner restores yesterday's file: its seq went back
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"s.db{suffix}").unlink(missing_ok=True)
    with Store(path) as store:
        restored = known.load(store, path)
    assert set(restored) == {"A-1"} and restored["A-1"].paid_in() == 0


def test_a_busy_pass_lets_go_of_the_kept_facts_and_a_quiet_one_keeps_them(tmp_path, monkeypatch):
    """Sending a backlog holds many records; the kept facts are let go of first (memory)."""
    from conftest import write_config

    from mailbot.config.settings import load_settings
    from mailbot.service import run_pass

    settings = load_settings(write_config(tmp_path))
    known = FactsCache()
    monkeypatch.setattr(run_pass, "BACKLOG", 0)  # every pass with an action is "busy"
    run_pass.run_once(settings, NOW, known=known)  # sends the two invoices
    assert known._facts == {}
    monkeypatch.setattr(run_pass, "BACKLOG", 1_000)
    run_pass.run_once(settings, NOW, known=known)  # nothing new to send: a quiet pass
    assert set(known._facts) == {"2026-001", "2026-004"}
