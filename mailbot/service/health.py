"""``mailbot health``: whether the running worker is alive, from the passes it recorded.

A supervisor (systemd, Docker's HEALTHCHECK, a Kubernetes probe) asks this from another
process while ``mailbot run`` holds its lock, so it only reads the state file.  The
worker is healthy when a pass ended well within two of its intervals and the latest
passes are not all failing; ``verdict`` decides that from the rows and ``now`` alone.
``run --once`` (cron) records its passes too, with the interval cron was said to run it
at; ``max_age`` (``health --max-age``) replaces the two intervals, and is needed when the
latest pass said no interval: a verdict without a window would be a guess.
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
    window: float | None = None  # seconds a good pass may be old: --max-age, else two intervals
    failed_since: list[PassRow] = field(default_factory=list)  # newest first

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "message": self.line,
            "last_good_pass": self.last_good,
            "interval": self.interval,
            "window": self.window,
            "failed_since": [{"at": p.ended_at, "detail": p.detail or ""} for p in self.failed_since],
        }

    def failure_lines(self) -> list[str]:
        shown = [f"failed at {p.ended_at}: {p.detail or '?'}" for p in self.failed_since[:SHOWN_FAILURES]]
        more = len(self.failed_since) - SHOWN_FAILURES
        return shown + ([f"... and {more} more failed passes"] if more > 0 else [])


def check_health(state_path: Path, now: datetime, failing: int, max_age: float | None = None) -> Health:
    """The verdict on the worker whose state file is ``state_path``."""
    return verdict(read_passes(state_path), now, failing, state_path, max_age)


NO_WINDOW = (
    "not healthy: the last good pass was `mailbot run --once` without --interval, so a late pass"
    " cannot be told from one not yet due: say how often cron runs it"
    " (`mailbot run --once --interval 3600`) or ask `mailbot health --max-age 2h`"
)


def verdict(
    passes: list[PassRow] | None,
    now: datetime,
    failing: int,
    where: Path | str = "",
    max_age: float | None = None,
) -> Health:
    """Healthy only if a pass ended well within ``max_age`` seconds (else two of the
    intervals that pass recorded) and fewer than ``failing`` passes in a row failed since.
    ``passes``: newest first (None: no pass table).  The good pass's own interval, not the
    newest row's: a manual ``run --once`` beside the service must not change its schedule."""
    if not passes:
        return Health(
            False,
            f"not healthy: no pass of the worker recorded in {where}"
            " (is `mailbot run` running, or cron's `mailbot run --once`?)",
        )
    done = [p for p in passes if p.outcome is not None]
    good = next((p for p in done if p.outcome == "ok"), None)
    failed = [p for p in done[: done.index(good)] if p.outcome == "failed"] if good else list(done)
    if good is None or good.ended_at is None:
        latest = f" (latest: {failed[0].detail})" if failed else ""
        return Health(False, f"not healthy: no pass completed well yet; {len(failed)} failed{latest}",
                      None, passes[0].interval, max_age, failed)  # fmt: skip
    interval = good.interval  # the schedule of whoever ran the pass judged (the service, or cron)
    window = max_age if max_age is not None else 2 * interval if interval > 0 else None
    if window is None:
        return Health(False, NO_WINDOW, good.ended_at, interval, None, failed)
    ended = datetime.fromisoformat(good.ended_at)
    age = (now - ended).total_seconds()
    when = f"the last good pass ended at {good.ended_at} ({_ago(age)})"
    if len(failed) >= failing:
        line = f"not healthy: the last {len(failed)} passes failed (latest: {failed[0].detail}); {when}"
        return Health(False, line, good.ended_at, interval, window, failed)
    if age > window:
        return Health(False, f"not healthy: {when}, more than {_window_words(window, max_age)} ago",
                      good.ended_at, interval, window, failed)  # fmt: skip
    since = f"; {len(failed)} failed since" if failed else ""
    every = f"within --max-age {window:g} s" if max_age is not None else f"a pass every {interval:g} s"
    return Health(True, f"ok: {when}; {every}{since}", good.ended_at, interval, window, failed)


def _window_words(window: float, max_age: float | None) -> str:
    return f"--max-age ({window:g} s)" if max_age is not None else f"two intervals ({window:g} s)"


def _ago(seconds: float) -> str:
    if seconds < 120:
        return f"{max(seconds, 0):.0f} s ago"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min ago"
    return f"{seconds / 3600:.1f} h ago"
