"""``mailbot run --once``: one pass, recorded as the service records its passes.

A cron job that runs the pass every hour has no service loop, yet wants the same
answer from ``mailbot health``, the same heartbeat pings (healthchecks.io was made for
cron) and the same alerts.  So the pass is wrapped by ``PassWatch`` like the service's.
The interval it records is the one cron was told (``--interval``): the worker cannot
know it; 0 when not said, and ``health`` then asks for ``--max-age`` rather than guess.
A ``--dry-run`` records nothing: it is not the worker at work.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mailbot.config.settings import Settings
from mailbot.service.run_pass import PassReport, run_once
from mailbot.service.signals import handled
from mailbot.service.watch import PassWatch, stopped_by

UNSAID = 0.0  # the interval of a `run --once` whose schedule was not given


def run_once_watched(
    settings: Settings, clock: Callable[[], datetime], interval: float | None, backfill: bool = False
) -> PassReport:
    """One pass with its start and end recorded for ``mailbot health``; a failure that
    stops it (a state that cannot be used) is recorded if it can be, then raised."""
    watch = PassWatch(UNSAID if interval is None else interval)
    pass_id = watch.begin(settings, clock())
    report, failure = None, ""
    try:
        with handled(reload=False):  # SIGTERM: the mail at hand is finished, the rest left
            report = run_once(settings, clock(), backfill=backfill)
    except Exception as exc:
        failure = stopped_by(settings, exc)
        raise
    finally:
        watch.end(settings, pass_id, clock(), report, failure[:500])
        watch.close()
    return report
