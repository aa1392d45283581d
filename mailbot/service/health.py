"""``mailbot health``: whether the running worker is alive, from the passes it recorded.

A supervisor (systemd, Docker's HEALTHCHECK, a Kubernetes probe) asks this from another
process while ``mailbot run`` holds its lock, so it only reads the state file.  The
worker is healthy when a pass ended well within two of its intervals and the latest
passes are not all failing; ``verdict`` decides that from the rows and ``now`` alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from mailbot.state.store import PassRow, read_passes

SHOWN_FAILURES = 5  # the failed passes listed under the verdict line


@dataclass(frozen=True)
class Health:
    ok: bool
    line: str  # the one-line verdict
    last_good: str | None = None  # when the last good pass ended (UTC, ISO)
    interval: float | None = None
    failed_since: list[PassRow] = field(default_factory=list)  # newest first

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "message": self.line,
            "last_good_pass": self.last_good,
            "interval": self.interval,
            "failed_since": [{"at": p.ended_at, "detail": p.detail or ""} for p in self.failed_since],
        }

    def failure_lines(self) -> list[str]:
        shown = [f"failed at {p.ended_at}: {p.detail or '?'}" for p in self.failed_since[:SHOWN_FAILURES]]
        more = len(self.failed_since) - SHOWN_FAILURES
        return shown + ([f"... and {more} more failed passes"] if more > 0 else [])


def check_health(state_path: Path, now: datetime, failing: int) -> Health:
    """The verdict on the worker whose state file is ``state_path``."""
    return verdict(read_passes(state_path), now, failing, state_path)


def verdict(passes: list[PassRow] | None, now: datetime, failing: int, where: Path | str = "") -> Health:
    """Healthy only if a pass ended well within two intervals and fewer than ``failing``
    passes in a row failed since.  ``passes``: newest first (None: no pass table)."""
    if not passes:
        return Health(
            False, f"not healthy: no pass of the worker recorded in {where} (is `mailbot run` running?)"
        )
    interval = passes[0].interval
    done = [p for p in passes if p.outcome is not None]
    good = next((p for p in done if p.outcome == "ok"), None)
    failed = [p for p in done[: done.index(good)] if p.outcome == "failed"] if good else list(done)
    if good is None or good.ended_at is None:
        latest = f" (latest: {failed[0].detail})" if failed else ""
        return Health(False, f"not healthy: no pass completed well yet; {len(failed)} failed{latest}",
                      None, interval, failed)  # fmt: skip
    ended = datetime.fromisoformat(good.ended_at)
    age = (now - ended).total_seconds()
    when = f"the last good pass ended at {good.ended_at} ({_ago(age)})"
    if len(failed) >= failing:
        line = f"not healthy: the last {len(failed)} passes failed (latest: {failed[0].detail}); {when}"
        return Health(False, line, good.ended_at, interval, failed)
    if age > 2 * interval:
        return Health(False, f"not healthy: {when}, more than two intervals ({2 * interval:g} s) ago",
                      good.ended_at, interval, failed)  # fmt: skip
    since = f"; {len(failed)} failed since" if failed else ""
    return Health(True, f"ok: {when}; a pass every {interval:g} s{since}", good.ended_at, interval, failed)


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{max(seconds, 0):.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"
