"""The state file as an operator lives it: lost, emptied, damaged, misplaced; and a first run.

A lost state must never mean every invoice mailed again, and a first run on a ledger of
past invoices mails only last week's (issue 11, part 5).  Commands run as the owner types
them, on the real clock, with ledgers dated relative to today.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from conftest import BASE_LEDGER, write_config

from mailbot.cli.main import main
from mailbot.decide import first_run
from mailbot.decide.policy import Action
from mailbot.ledger.invoices import Invoice

HEADER = BASE_LEDGER.splitlines()[0]


def _ledger(ages: dict[str, int]) -> str:
    """One invoice per number, issued that many days before today (acme's, one line each)."""
    today = date.today()
    rows = [f"{n},acme,{today - timedelta(days=d)},,Work,1,h,100.00,19," for n, d in ages.items()]
    return "\n".join([HEADER, *rows]) + "\n"


# A new user's ledger: twelve invoices a month apart over the past year, and one of 3 days ago.
YEAR = {f"2025-{m:03d}": 30 * m for m in range(1, 13)} | {"2026-100": 3}


def _outbox(config: Path) -> list[Path]:
    new = config.parent / "var/mail/outbox/new"
    return sorted(new.iterdir()) if new.exists() else []


def _mailbot(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def _status(config: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, dict]:
    capsys.readouterr()
    assert _mailbot(config, "status", "--json") == 0
    return {row["invoice"]: row for row in json.loads(capsys.readouterr().out)}


def _remove_state(config: Path) -> Path:
    state = config.parent / "var/mailbot.db"
    for path in (state, Path(f"{state}-wal"), Path(f"{state}-shm")):
        path.unlink(missing_ok=True)
    return state


def test_deleted_state_file_stops_the_run_and_sends_nothing(tmp_path, capsys):
    config = write_config(tmp_path)
    assert _mailbot(config, "run", "--once") == 0
    assert len(_outbox(config)) == 2
    state = _remove_state(config)
    capsys.readouterr()

    assert _mailbot(config, "run", "--once") == 1

    err = capsys.readouterr().err
    assert f"{state}: the state file is missing, but mailbot has run here before" in err
    assert "restore it from a backup" in err and "`mailbot state new`" in err
    assert "Traceback" not in err
    assert len(_outbox(config)) == 2  # nothing mailed again
    assert not state.exists()  # and no empty state made in its place


def test_deleted_state_file_stops_the_service_at_start(tmp_path, capsys):
    config = write_config(tmp_path)
    assert _mailbot(config, "run", "--once") == 0
    state = _remove_state(config)
    capsys.readouterr()

    assert _mailbot(config, "run", "--interval", "0.1") == 1  # refuses at once, never loops

    assert f"{state}: the state file is missing" in capsys.readouterr().err
    assert len(_outbox(config)) == 2


def test_emptied_state_file_stops_every_command_that_reads_it(tmp_path, capsys):
    config = write_config(tmp_path)
    assert _mailbot(config, "run", "--once") == 0
    state = _remove_state(config)
    state.write_bytes(b"")  # a restore that went wrong: the file is there, and empty
    capsys.readouterr()

    for args in (["run", "--once"], ["status"], ["history", "2026-001"], ["state", "check"], ["check"]):
        assert _mailbot(config, *args) == 1, args
        out = capsys.readouterr()
        assert f"{state}: the state file is empty, but mailbot has run here before" in out.err + out.out
    assert len(_outbox(config)) == 2


def test_state_new_after_a_lost_state_starts_afresh_with_the_first_run_window(
    tmp_path, capsys, first_run_window
):
    config = write_config(tmp_path, ledger=_ledger(YEAR))
    assert _mailbot(config, "run", "--once", "--backfill") == 0
    assert len(_outbox(config)) == 13
    _remove_state(config)

    assert _mailbot(config, "state", "new") == 0
    assert _mailbot(config, "run", "--once") == 0

    assert len(_outbox(config)) == 14  # only the invoice of 3 days ago went again
    assert _status(config, capsys)["2025-001"]["state"] == "skipped"


def test_state_new_never_replaces_a_state_with_records(tmp_path, capsys):
    config = write_config(tmp_path)
    assert _mailbot(config, "run", "--once") == 0
    capsys.readouterr()

    assert _mailbot(config, "state", "new") == 1

    assert "holds mailbot's records, not replaced" in capsys.readouterr().err
    assert _mailbot(config, "run", "--once") == 0
    assert len(_outbox(config)) == 2


def test_first_run_mails_only_last_weeks_invoices_and_lists_the_rest_as_skipped(
    tmp_path, capsys, first_run_window
):
    config = write_config(tmp_path, ledger=_ledger(YEAR))

    assert _mailbot(config, "run", "--once") == 0

    out = capsys.readouterr()
    assert len(_outbox(config)) == 1
    assert "sent 2026-100" in out.out
    skipped = [line.split()[1].rstrip(":") for line in out.out.splitlines() if line.startswith("skipped ")]
    assert sorted(skipped) == sorted(n for n in YEAR if n != "2026-100")
    assert "12 skipped (first run)" in out.err
    rows = _status(config, capsys)
    assert rows["2026-100"]["state"] == "sent"
    assert {rows[n]["state"] for n in skipped} == {"skipped"}
    assert {json.dumps(rows[n]["next_action"]) for n in skipped} == {"null"}


def test_invoices_a_first_run_skipped_stay_unmailed_on_later_runs(tmp_path, capsys, first_run_window):
    config = write_config(tmp_path, ledger=_ledger(YEAR))
    assert _mailbot(config, "run", "--once") == 0
    capsys.readouterr()

    assert _mailbot(config, "run", "--once") == 0

    assert len(_outbox(config)) == 1
    assert "skipped" not in capsys.readouterr().out  # skipped once, not reported anew
    capsys.readouterr()
    assert _mailbot(config, "history", "2025-003", "--json") == 0
    history = json.loads(capsys.readouterr().out)
    assert history[0]["type"] == "note" and history[0]["detail"].startswith("skipped by the first run")


def test_backfill_on_a_first_run_mails_every_invoice(tmp_path, capsys, first_run_window):
    config = write_config(tmp_path, ledger=_ledger(YEAR))

    assert _mailbot(config, "run", "--once", "--backfill") == 0

    assert len(_outbox(config)) == 13
    assert "skipped" not in capsys.readouterr().out


def test_backfill_after_a_first_run_mails_the_skipped_invoices(tmp_path, capsys, first_run_window):
    config = write_config(tmp_path, ledger=_ledger(YEAR))
    assert _mailbot(config, "run", "--once") == 0

    assert _mailbot(config, "run", "--once", "--backfill") == 0

    assert len(_outbox(config)) == 13
    assert {row["state"] for row in _status(config, capsys).values()} == {"sent", "overdue"}


def test_resume_mails_one_skipped_invoice(tmp_path, capsys, first_run_window):
    config = write_config(tmp_path, ledger=_ledger(YEAR))
    assert _mailbot(config, "run", "--once") == 0

    assert _mailbot(config, "resume", "2025-001") == 0
    assert _mailbot(config, "run", "--once") == 0

    assert len(_outbox(config)) == 2
    rows = _status(config, capsys)
    assert rows["2025-001"]["state"] == "overdue"
    assert rows["2025-002"]["state"] == "skipped"


def test_a_dry_first_run_says_what_it_would_skip_and_records_nothing(tmp_path, capsys, first_run_window):
    config = write_config(tmp_path, ledger=_ledger(YEAR))

    assert _mailbot(config, "run", "--dry-run") == 0

    assert "would skip 2025-001" in capsys.readouterr().out
    assert _mailbot(config, "run", "--once", "--backfill") == 0
    assert len(_outbox(config)) == 13


def _window(config: Path, days: int) -> None:
    text = config.read_text().replace(
        'path = "var/mailbot.db"', f'path = "var/mailbot.db"\nfirst_run_days = {days}'
    )
    config.write_text(text)


def test_the_first_run_window_has_an_environment_override(tmp_path, monkeypatch, first_run_window):
    config = write_config(tmp_path, ledger=_ledger(YEAR))
    _window(config, 65)
    monkeypatch.setenv("MAILBOT_STATE__FIRST_RUN_DAYS", "95")

    assert _mailbot(config, "run", "--once") == 0

    assert len(_outbox(config)) == 4  # issued 3, 30, 60 and 90 days ago


def test_first_run_days_in_the_file_sets_the_window(tmp_path, first_run_window):
    config = write_config(tmp_path, ledger=_ledger(YEAR))
    _window(config, 65)

    assert _mailbot(config, "run", "--once") == 0

    assert len(_outbox(config)) == 3  # issued 3, 30 and 60 days ago


def test_corrupt_state_file_is_a_message_and_exit_1(tmp_path, capsys):
    config = write_config(tmp_path)
    state = tmp_path / "var/mailbot.db"
    state.parent.mkdir(parents=True)
    state.write_bytes(b"this is not a database, it is a text file someone saved here\n" * 100)

    for args in (["run", "--once"], ["status"], ["mark-paid", "2026-001"]):
        assert _mailbot(config, *args) == 1, args
        err = capsys.readouterr().err
        assert f"{state}: the state database is damaged (not an SQLite database)" in err
        assert "restore it from a backup" in err and "`mailbot state check`" in err
        assert "Traceback" not in err
    assert _outbox(config) == []


def test_truncated_state_database_is_reported_not_papered_over(tmp_path, capsys):
    config = write_config(tmp_path, ledger=_ledger({f"2026-{n:03d}": 1 for n in range(1, 200)}))
    assert _mailbot(config, "run", "--once") == 0
    state = tmp_path / "var/mailbot.db"
    data = state.read_bytes()
    state.write_bytes(data[: len(data) // 2])  # a copy cut off half way
    capsys.readouterr()

    assert _mailbot(config, "state", "check") == 1
    out = capsys.readouterr().out
    assert f"{state}: the state database is damaged" in out

    assert _mailbot(config, "run", "--once") == 1
    err = capsys.readouterr().err
    assert f"{state}: the state database is damaged" in err and "Traceback" not in err
    assert len(_outbox(config)) == 199


def test_a_database_that_is_not_mailbots_is_refused_by_state_check(tmp_path, capsys):
    config = write_config(tmp_path)
    state = tmp_path / "var/mailbot.db"
    state.parent.mkdir(parents=True)
    with sqlite3.connect(state) as db:
        db.execute("PRAGMA user_version = 3")
        db.execute("CREATE TABLE people (name TEXT)")

    assert _mailbot(config, "state", "check") == 1

    assert f"{state}: not a mailbot state file" in capsys.readouterr().out


def test_state_check_gives_a_sound_file_its_verdict(tmp_path, capsys):
    config = write_config(tmp_path)
    state = tmp_path / "var/mailbot.db"
    assert _mailbot(config, "state", "check") == 0
    assert f"{state}: ok: no records yet" in capsys.readouterr().out
    assert _mailbot(config, "run", "--once") == 0
    capsys.readouterr()

    assert _mailbot(config, "state", "check") == 0

    assert f"{state}: ok: schema" in capsys.readouterr().out


COMMANDS = (
    ["run", "--once"], ["run", "--dry-run"], ["status"], ["history", "2026-001"], ["aging"],
    ["export-payments"], ["pause", "2026-001"], ["resume", "2026-001"], ["mark-paid", "2026-001"],
    ["unmark-paid", "2026-001"], ["state", "check"], ["state", "new"], ["check"],
)  # fmt: skip


def test_state_path_that_is_a_directory_is_a_message_and_exit_1_from_every_command(tmp_path, capsys):
    config = write_config(tmp_path)
    state = tmp_path / "var/mailbot.db"
    state.mkdir(parents=True)

    for args in COMMANDS:
        assert _mailbot(config, *args) == 1, args
        out = capsys.readouterr()
        assert f"{state}: is a directory" in out.err + out.out, args
        assert "Traceback" not in out.err
    assert _outbox(config) == []


def test_state_path_whose_folder_cannot_be_made_is_a_message_and_exit_1(tmp_path, capsys):
    config = write_config(tmp_path)
    state = tmp_path / "ledger.csv/mailbot.db"  # its folder would be a file
    config.write_text(config.read_text().replace('path = "var/mailbot.db"', f'path = "{state}"'))

    for args in COMMANDS:
        assert _mailbot(config, *args) == 1, args
        out = capsys.readouterr()
        assert f"{state}: cannot make its folder" in out.err + out.out, args
        assert "Traceback" not in out.err


def test_a_reply_read_before_the_first_invoice_mail_does_not_end_the_first_run(
    tmp_path, capsys, first_run_window
):
    config = write_config(tmp_path, ledger=HEADER + "\n")  # installed before the ledger was filled in
    inbox = tmp_path / "var/mail/inbox/new"
    inbox.mkdir(parents=True)
    (inbox / "1.eml").write_bytes(
        b"From: Jane Smith <ap@acme.example>\r\nTo: billing@muster-design.example\r\n"
        b"Subject: Re: Invoice 2025-004\r\nMessage-ID: <r1@acme.example>\r\n\r\nWe paid it last week.\r\n"
    )
    assert _mailbot(config, "run", "--once") == 0  # records the reply (and forwards it to the owner)
    (tmp_path / "ledger.csv").write_text(_ledger(YEAR))
    capsys.readouterr()

    assert _mailbot(config, "run", "--once") == 0

    out = capsys.readouterr()
    assert [line for line in out.out.splitlines() if line.startswith("sent ")] == ["sent 2026-100"]
    assert "12 skipped (first run)" in out.err


def test_a_state_of_a_newer_mailbot_is_a_message_not_a_traceback(tmp_path, capsys):
    config = write_config(tmp_path)
    assert _mailbot(config, "run", "--once") == 0
    with sqlite3.connect(tmp_path / "var/mailbot.db") as db:
        db.execute("PRAGMA user_version = 99")
    capsys.readouterr()

    assert _mailbot(config, "status") == 1
    assert _mailbot(config, "state", "check") == 1

    out = capsys.readouterr()
    assert "state schema 99 is newer than this mailbot" in out.err
    assert "schema 99 is newer than this mailbot's" in out.out


def test_the_window_counts_whole_days_back_from_today():
    now = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    invoices = {n: Invoice(n, "acme", 2, issue_date=d) for n, d in
                (("on", date(2026, 11, 29)), ("before", date(2026, 11, 28)), ("undated", None))}  # fmt: skip
    actions = [Action(n, "invoice") for n in invoices] + [Action("before", "reminder", 1)]

    start = first_run.window_start(now, 7)

    assert start == date(2026, 11, 29)
    assert first_run.too_old(actions, invoices, start) == ["before"]
    assert first_run.without(actions, {"before"}) == [actions[0], actions[2], actions[3]]


def test_check_refuses_the_state_files_run_would_refuse(tmp_path, capsys):
    """`check` said "all good" for a damaged or foreign database while `run` refused it."""
    config = write_config(tmp_path, ledger=_ledger({f"2026-{n:03d}": 1 for n in range(1, 50)}))
    assert _mailbot(config, "run", "--once") == 0
    state = tmp_path / "var/mailbot.db"
    _remove_state(config)
    state.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4080)  # a header, then nothing sound
    for damaged in (True, False):
        if not damaged:
            state.unlink()
            (tmp_path / "var/mailbot.db.marker").unlink()
            with sqlite3.connect(state) as db:
                db.execute("PRAGMA user_version = 3")
                db.execute("CREATE TABLE people (name TEXT)")
        capsys.readouterr()

        assert _mailbot(config, "check") == 1

        out = capsys.readouterr()
        assert str(state) in out.out + out.err
        assert "Traceback" not in out.err
        assert _mailbot(config, "run", "--once") == 1


def test_a_folder_where_the_lock_or_journal_belongs_is_a_message_and_exit_1(tmp_path, capsys):
    config = write_config(tmp_path)
    for side in ("mailbot.db.lock", "mailbot.db-wal"):
        beside = tmp_path / "var" / side
        beside.mkdir(parents=True)
        for args in (["check"], ["run", "--once"], ["status"], ["state", "check"]):
            assert _mailbot(config, *args) == 1, (side, args)
            out = capsys.readouterr()
            assert f"{beside}: is a directory where the state's" in out.err + out.out, (side, args)
            assert "Traceback" not in out.err
        beside.rmdir()
    assert _outbox(config) == []


def test_a_lock_file_that_cannot_be_made_is_a_message_and_exit_1(tmp_path, capsys, monkeypatch):
    """As under /sys or on a share that denies what its folder's mode allows."""
    config = write_config(tmp_path)
    real_open = open

    def refusing_open(file, *args, **kwargs):
        if str(file).endswith(".lock"):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing_open)

    assert _mailbot(config, "run", "--once") == 1

    err = capsys.readouterr().err
    assert "mailbot.db.lock: cannot make the lock file beside the state: Permission denied" in err
    assert "Traceback" not in err
    assert _outbox(config) == []
