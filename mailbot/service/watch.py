"""What the service says of each pass: a row in the state (``mailbot health`` reads it),
the heartbeat pings, and the alerts that need a person.

None of it may stop a pass: a state that cannot be written or a monitoring server that
is down is logged, and the worker goes on sending.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime

from mailbot.config.settings import Settings
from mailbot.service import alerts
from mailbot.service.heartbeat import Heartbeat, heartbeat_of
from mailbot.service.run_pass import PassReport
from mailbot.state.guard import explain
from mailbot.state.store import StateError, Store

log = logging.getLogger(__name__)

RECENT = 50  # the passes the alerts look at (a run of failures longer than this is long enough)


class PassWatch:
    """One per service: ``begin`` before each pass, ``end`` after it, ``close`` at the end."""

    def __init__(self, interval: float):
        self.interval = interval
        self.heartbeat: Heartbeat | None = None
        self._url = ""

    def begin(self, settings: Settings, now: datetime) -> int | None:
        """The pass's row (its id), and ``/start`` to the heartbeat; None when the state
        cannot be written (the pass says why)."""
        self._follow(settings)
        if self.heartbeat is not None:
            self.heartbeat.start()
        try:
            with Store(settings.state_path) as store:
                return store.pass_started(now, self.interval)
        except (StateError, sqlite3.Error):
            return None

    def end(
        self, settings: Settings, pass_id: int | None, now: datetime, report: PassReport | None, failure: str
    ) -> None:
        """How the pass went, in the state and to the heartbeat; then the alerts.
        ``failure``: why the pass failed ("" when it ran to its end)."""
        failure = failure or failure_of(report)
        if self.heartbeat is not None:
            self.heartbeat.fail(failure) if failure else self.heartbeat.ok()
        try:
            with Store(settings.state_path) as store:
                if pass_id is not None:
                    store.pass_ended(pass_id, now, "failed" if failure else "ok", failure or summary(report))
                inbox_error = report.inbox_error if report else ""
                found = alerts.conditions(store, settings, inbox_error, store.recent_passes(RECENT), now)
                alerts.review(store, settings, found, now)
        except (StateError, sqlite3.Error) as exc:  # (a state that failed the pass was logged by it)
            if pass_id is not None:
                log.warning("the pass could not be recorded: %s", exc)
        except Exception:  # a bug here must not stop the service
            log.exception("the pass could not be recorded")

    def close(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat.close(wait=1.0)

    def _follow(self, settings: Settings) -> None:
        """The heartbeat of the config as read now (the owner may set or change the URL)."""
        url = settings.service.heartbeat_url.get_secret_value()
        if url != self._url:
            self.close()
            self._url = url
            self.heartbeat = heartbeat_of(url, settings.service.heartbeat_timeout)


def failure_of(report: PassReport | None) -> str:
    """Why a pass that ran to its end still did not do its work, or ""."""
    if report is None:
        return ""
    if report.locked:
        return "another pass held the lock"
    if report.unusable:
        return f"the ledger cannot be used: {report.unusable}"
    return ""


def stopped_by(settings: Settings, exc: Exception) -> str:
    """Why a pass that raised ``exc`` stopped, as ``health`` shows it: a state file's own
    message (``guard.explain``: the file, what happened, what to do), else the error."""
    if isinstance(exc, StateError):
        return str(exc)
    if isinstance(exc, sqlite3.DatabaseError):
        return explain(settings.state_path, exc)
    return f"{type(exc).__name__}: {exc}"


def summary(report: PassReport | None) -> str:
    """A good pass in a few words, for ``health``."""
    if report is None:
        return ""
    said = f"{len(report.sent)} sent, {len(report.retry)} to retry, {len(report.failed)} refused"
    return said + (f"; inbox not read: {report.inbox_error}" if report.inbox_error else "")
