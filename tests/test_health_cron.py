"""``mailbot health`` for a cron setup: each ``mailbot run --once`` records its pass, with
the interval cron runs it at (``--interval``), or ``health --max-age`` gives the window.

Real ``mailbot`` processes on the embedded Maildir default, as cron would start them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conftest import ROOT, write_config
from test_heartbeat import TOKEN, pings  # noqa: F401 (a fixture)

from mailbot.service.health import verdict
from mailbot.state.store import PassRow


def _mailbot(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mailbot", "--config", str(config), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=dict(os.environ),
    )  # fmt: skip


def _health(config: Path, *args: str) -> tuple[int, str]:
    done = _mailbot(config, "health", *args)
    return done.returncode, done.stdout + done.stderr


def test_a_cron_pass_with_its_interval_is_healthy_until_two_intervals_passed(tmp_path):
    config = write_config(tmp_path)
    assert _mailbot(config, "run", "--once", "--interval", "5").returncode == 0
    ended = time.monotonic()
    code, out = _health(config)
    assert code == 0, out
    assert out.startswith("ok: the last good pass ended at")
    assert "a pass every 5 s" in out
    time.sleep(max(0.0, ended + 10.5 - time.monotonic()))  # two intervals: cron did not run it again
    code, out = _health(config)
    assert code == 1, out
    assert "more than two intervals (10 s) ago" in out


def test_a_cron_pass_without_an_interval_makes_health_ask_for_max_age(tmp_path):
    config = write_config(tmp_path)
    assert _mailbot(config, "run", "--once").returncode == 0
    code, out = _health(config)
    assert code == 1
    assert "`mailbot run --once` without --interval" in out
    assert "--max-age" in out
    code, out = _health(config, "--max-age", "2h", "--json")
    report = json.loads(out)
    assert code == 0, out
    assert report["ok"] is True
    assert report["window"] == 7200
    assert report["interval"] == 0
    assert datetime.fromisoformat(report["last_good_pass"]) > datetime.now(UTC) - timedelta(minutes=1)


def test_max_age_shorter_than_the_last_cron_pass_is_not_healthy(tmp_path):
    config = write_config(tmp_path)
    assert _mailbot(config, "run", "--once", "--interval", "3600").returncode == 0
    time.sleep(1.5)
    code, out = _health(config, "--max-age", "1s")
    assert code == 1
    assert "more than --max-age (1 s) ago" in out
    assert _health(config, "--max-age", "1h")[0] == 0


def test_failing_cron_passes_are_recorded_and_make_health_1_with_their_reason(tmp_path):
    config = write_config(tmp_path)
    assert _mailbot(config, "run", "--once", "--interval", "3600").returncode == 0
    ledger = tmp_path / "ledger.csv"
    good = ledger.read_text()
    ledger.unlink()  # every pass fails now
    assert _mailbot(config, "run", "--once", "--interval", "3600").returncode == 1
    code, out = _health(config)
    assert code == 0, out  # one failure is not yet a failing worker ([service] failing_passes = 3)
    assert "1 failed since" in out
    assert "the ledger cannot be used" in out
    for _ in range(2):
        assert _mailbot(config, "run", "--once", "--interval", "3600").returncode == 1
    code, out = _health(config)
    assert code == 1
    assert "not healthy: the last 3 passes failed (latest: the ledger cannot be used" in out
    ledger.write_text(good)
    assert _mailbot(config, "run", "--once", "--interval", "3600").returncode == 0
    assert _health(config)[0] == 0


def test_failing_cron_passes_are_told_to_the_owner_once(tmp_path):
    config = write_config(tmp_path)
    (tmp_path / "ledger.csv").unlink()
    for _ in range(5):
        assert _mailbot(config, "run", "--once", "--interval", "3600").returncode == 1
    outbox = tmp_path / "var" / "mail" / "outbox" / "new"
    alerts = [p for p in outbox.iterdir() if b"X-Mailbot: alert" in p.read_bytes()]
    assert len(alerts) == 1
    assert b"passes are failing" in alerts[0].read_bytes()


def test_a_dry_run_records_no_pass(tmp_path):
    config = write_config(tmp_path)
    assert _mailbot(config, "run", "--dry-run").returncode == 0
    code, out = _health(config, "--max-age", "1d")
    assert code == 1
    assert "no pass of the worker recorded" in out


def test_a_max_age_that_is_no_duration_is_bad_usage(tmp_path):
    config = write_config(tmp_path)
    code, out = _health(config, "--max-age", "soon")
    assert code == 2
    assert "'soon' is not a duration like 90s, 30m, 2h or 1d" in out


NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _pass(id_: int, ago: timedelta, outcome: str, interval: float, detail: str = "") -> PassRow:
    at = (NOW - ago).isoformat()
    return PassRow(id_, at, at, outcome, detail, interval)  # type: ignore[arg-type]


def test_a_manual_run_once_beside_the_service_does_not_change_its_window():
    passes = [
        _pass(3, timedelta(seconds=5), "failed", 0.0, "another pass held the lock"),
        _pass(2, timedelta(seconds=50), "ok", 60.0),
    ]
    health = verdict(passes, NOW, failing=3)
    assert health.ok, health.line
    assert health.window == 120


def test_the_window_is_the_good_passes_own_interval_not_an_older_ones():
    passes = [_pass(2, timedelta(minutes=50), "ok", 3600.0), _pass(1, timedelta(hours=2), "ok", 60.0)]
    assert verdict(passes, NOW, failing=3).ok
    assert not verdict(passes, NOW, failing=3, max_age=30 * 60).ok


def test_a_cron_pass_pings_the_heartbeat_start_then_success_before_it_exits(tmp_path, pings):  # noqa: F811
    found, url = pings
    config = write_config(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "mailbot", "--config", str(config), "run", "--once"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "MAILBOT_SERVICE__HEARTBEAT_URL": url},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert found.paths() == [f"/ping/{TOKEN}/start", f"/ping/{TOKEN}"]
    assert TOKEN not in done.stdout + done.stderr


def test_a_failing_cron_pass_posts_its_reason_to_fail(tmp_path, pings):  # noqa: F811
    found, url = pings
    config = write_config(tmp_path)
    (tmp_path / "ledger.csv").unlink()
    done = subprocess.run(
        [sys.executable, "-m", "mailbot", "--config", str(config), "run", "--once"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "MAILBOT_SERVICE__HEARTBEAT_URL": url},
    )  # fmt: skip
    assert done.returncode == 1
    assert found.paths() == [f"/ping/{TOKEN}/start", f"/ping/{TOKEN}/fail"]
    assert found.seen[1][2].startswith(b"the ledger cannot be used")
