"""``mailbot health``: exit 0 only if the running worker completed a pass within two
intervals; the ledger's problems logged once; what needs a person told once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import ROOT, write_config

from mailbot.cli.main import main
from mailbot.service.health import verdict
from mailbot.state.store import PassRow

INTERVAL = "1.0"  # health's window is two of them: wide enough for a loaded machine
FAST = "0.2"  # for tests that only count passes


def _health(config: Path, capsys, *extra: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--config", str(config), "health", *extra])
    return code, capsys.readouterr().out


@contextmanager
def _service(
    config: Path, log_path: Path, env: dict[str, str] | None = None, interval: str = INTERVAL
) -> Iterator[subprocess.Popen]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "mailbot", "--config", str(config), "run", "--interval", interval],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
        )  # fmt: skip
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _wait_for(path: Path, text: str, seconds: float = 30, count: int = 1) -> str:
    deadline = time.monotonic() + seconds
    found = ""
    while time.monotonic() < deadline:
        found = path.read_text(errors="replace") if path.exists() else ""
        if found.count(text) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not {count} times in the log:\n{found[-3000:]}")


def test_health_without_a_worker_that_ever_ran_exits_1(tmp_path, capsys):
    code, out = _health(write_config(tmp_path), capsys)
    assert code == 1
    assert out.startswith("not healthy: no pass of the worker recorded")


def test_health_is_0_while_the_worker_runs_and_1_once_it_stopped(tmp_path, capsys):
    config = write_config(tmp_path)
    log_path = tmp_path / "service.log"
    with _service(config, log_path):
        _wait_for(log_path, "2026-004: invoice sent")
        time.sleep(1.0)  # a few passes more: the worker holds its lock now and then
        code, out = _health(config, capsys)
        assert code == 0, out
        assert out.startswith("ok: the last good pass ended at")
        code, out = _health(config, capsys, "--json")
        report = json.loads(out)
        assert code == 0
        assert report["ok"] is True
        assert report["interval"] == float(INTERVAL)
        assert report["failed_since"] == []
        assert datetime.fromisoformat(report["last_good_pass"]) > datetime.now(UTC) - timedelta(seconds=5)
    time.sleep(3 * float(INTERVAL))
    code, out = _health(config, capsys)
    assert code == 1
    assert "more than two intervals" in out


def _pass(id_: int, at: datetime, outcome: str | None, detail: str = "") -> PassRow:
    return PassRow(id_, at.isoformat(), at.isoformat() if outcome else None, outcome, detail, 60.0)  # type: ignore[arg-type]


NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_a_pass_failed_since_the_last_good_one_is_shown_but_still_healthy():
    passes = [
        _pass(2, NOW - timedelta(seconds=10), "failed", "SMTP down"),
        _pass(1, NOW - timedelta(seconds=70), "ok"),
    ]
    health = verdict(passes, NOW, failing=3)
    assert health.ok
    assert "1 failed since" in health.line
    assert health.failure_lines() == [f"failed at {passes[0].ended_at}: SMTP down"]


def test_passes_failing_in_a_row_are_not_healthy_even_with_a_recent_good_one():
    passes = [_pass(i, NOW - timedelta(seconds=5 * (5 - i)), "failed", f"boom {i}") for i in (4, 3, 2)]
    passes.append(_pass(1, NOW - timedelta(seconds=30), "ok"))
    health = verdict(passes, NOW, failing=3)
    assert not health.ok
    assert health.line.startswith("not healthy: the last 3 passes failed (latest: boom 4)")


def test_a_worker_that_only_ever_failed_is_not_healthy():
    health = verdict([_pass(1, NOW, "failed", "ledger gone")], NOW, failing=3)
    assert not health.ok
    assert "no pass completed well yet" in health.line


def test_a_pass_still_running_does_not_hide_a_stale_last_good_one():
    passes = [_pass(2, NOW - timedelta(minutes=9), None), _pass(1, NOW - timedelta(minutes=10), "ok")]
    health = verdict(passes, NOW, failing=3)
    assert not health.ok
    assert "more than two intervals (120 s)" in health.line


BAD_ROW = "2026-009,acme,not-a-date,,Extra,1,,100.00,19,\n"


def test_a_ledger_problem_is_logged_once_when_it_appears_and_once_when_fixed(tmp_path):
    config = write_config(tmp_path)
    ledger = tmp_path / "ledger.csv"
    good = ledger.read_text()
    ledger.write_text(good + BAD_ROW)
    log_path = tmp_path / "service.log"
    with _service(config, log_path, interval=FAST):
        _wait_for(log_path, "2026-004: invoice sent")
        time.sleep(10 * float(FAST))  # ten passes or so over the same broken row
        ledger.write_text(good)
        _wait_for(log_path, "ledger problem(s) fixed")
        time.sleep(3 * float(FAST))
    lines = log_path.read_text().splitlines()
    problem = [line for line in lines if "not-a-date" in line]
    assert len(problem) == 1, problem
    assert len([line for line in lines if "ledger problem(s) fixed; none left" in line]) == 1


def test_a_large_broken_ledger_logs_a_bounded_number_of_lines_once(tmp_path):
    rows = "".join(f"2027-{n:04d},acme,not-a-date,,Extra,1,,100.00,19,\n" for n in range(2_000))
    config = write_config(tmp_path)
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(ledger.read_text() + rows)
    log_path = tmp_path / "service.log"
    with _service(config, log_path, interval=FAST):
        _wait_for(log_path, "2026-004: invoice sent")
        time.sleep(8 * float(FAST))
    text = log_path.read_text()
    assert text.count("more new ledger problems") == 1
    assert len([line for line in text.splitlines() if "not-a-date" in line]) <= 20


def test_passes_that_keep_failing_are_told_to_the_owner_once_and_their_end_logged_once(tmp_path, capsys):
    config = write_config(tmp_path)
    ledger = tmp_path / "ledger.csv"
    good = ledger.read_text()
    log_path = tmp_path / "service.log"
    outbox = tmp_path / "var" / "mail" / "outbox" / "new"
    with _service(config, log_path):
        _wait_for(log_path, "2026-004: invoice sent")
        ledger.unlink()  # the owner moved the ledger away: every pass fails now
        _wait_for(log_path, "ALERT: the last 3 passes failed")
        time.sleep(3 * float(INTERVAL))  # more failing passes: no second alert
        code, out = _health(config, capsys)
        assert code == 1
        assert "passes failed (latest: the ledger cannot be used" in out, out
        ledger.write_text(good)
        _wait_for(log_path, "recovered: passes failing is over")
        assert _health(config, capsys)[0] == 0
    text = log_path.read_text()
    assert text.count("ALERT:") == 1
    assert text.count("recovered:") == 1
    alerts = [p for p in outbox.iterdir() if b"X-Mailbot: alert" in p.read_bytes()]
    assert len(alerts) == 1
    assert b"passes are failing" in alerts[0].read_bytes()


def test_health_reads_while_a_pass_holds_the_lock_and_a_write_transaction(tmp_path, capsys):
    from mailbot.config.settings import load_settings
    from mailbot.service.clock import utcnow
    from mailbot.service.run_pass import one_pass_at_a_time
    from mailbot.service.watch import PassWatch
    from mailbot.state.store import Store

    config = write_config(tmp_path)
    settings = load_settings(config)
    watch = PassWatch(60.0)
    watch.end(settings, watch.begin(settings, utcnow()), utcnow(), None, "")
    with one_pass_at_a_time(settings.state_path) as alone, Store(settings.state_path) as store:
        assert alone
        with store.transaction() as db:  # the worker is writing right now
            db.execute("INSERT INTO passes (started_at, interval) VALUES (?, 60)", (utcnow().isoformat(),))
            code, out = _health(config, capsys)
    assert code == 0, out
    assert out.startswith("ok: the last good pass ended at")
