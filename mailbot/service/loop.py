"""The service (``mailbot run``): a pass now, on new mail, and every ``interval`` seconds.

A signal only sets a flag, so the mail at hand is finished before the process
exits (a warm stop, bounded: ``signals``; a second signal stops at once).  The config
is read again before each pass, and at once on SIGHUP; a broken edit keeps the last
good config running.  Changed IMAP settings reconnect the inbox; SMTP is opened anew
each pass anyway.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import schedule

from mailbot.config.settings import ConfigError, Settings
from mailbot.inbound.inbox import ConnectionLost, Inbox, open_inbox
from mailbot.service import signals
from mailbot.service.caches import FactsCache, LedgerCache
from mailbot.service.clock import utcnow
from mailbot.service.notify import alive, notify, watchdog_every
from mailbot.service.problem_log import ProblemLog
from mailbot.service.run_pass import run_once
from mailbot.service.sending import STOP
from mailbot.service.smtp_backoff import BACKOFF
from mailbot.service.watch import PassWatch, stopped_by
from mailbot.state.store import StateError, Store

log = logging.getLogger(__name__)


class ConfigWatch:
    """The config as the service last read it well.

    The owner edits the file while the service runs; a broken edit must neither
    stop the service nor fill the log every pass.  Its problems are logged once
    per broken content of the file, and the last good settings stay in use.
    """

    def __init__(self, path: Path, load: Callable[[Path], Settings]):
        self.path, self._load = path, load
        self.settings = load(path)  # at start a broken config is the caller's error (exit 1)
        self._reported: bytes | None = None

    def current(self) -> Settings:
        try:
            self.settings = self._load(self.path)
        except (ConfigError, OSError, ValueError) as exc:  # (a file caught mid-write: bad UTF-8)
            problems = exc.problems if isinstance(exc, ConfigError) else [f"{self.path}: {exc}"]
            content = self._content()
            if content != self._reported:
                self._reported = content
                for problem in problems:
                    log.error("%s (the last good config stays in use)", problem)
            return self.settings
        if self._reported is not None:
            log.info("%s: read again without problems", self.path)
            self._reported = None
        return self.settings

    def _content(self) -> bytes:
        """What the broken file holds now: one report per content, whatever the error
        (reading a file as it is replaced can word one content's problem two ways)."""
        try:
            return hashlib.blake2b(self.path.read_bytes(), digest_size=16).digest()
        except OSError as exc:
            return str(exc).encode()


def run_forever(
    config_path: Path, load: Callable[[Path], Settings], interval: float, backfill: bool = False
) -> int:
    """``_serve`` with the signals handled: SIGTERM/SIGINT stop warm, SIGHUP reloads."""
    with signals.handled(reload=True):
        return _serve(config_path, load, interval, backfill)


def _inbox_for(inbox: Inbox | None, opened_for: tuple, settings: Settings) -> tuple[Inbox, tuple]:
    """The open inbox, or a new one when the IMAP settings (or the Maildir) changed: an
    edited server, login or folder takes effect on the next pass, not at a restart."""
    wanted = (settings.imap, settings.mail_dir)
    if inbox is not None and wanted == opened_for:
        return inbox, opened_for
    if inbox is not None:
        log.info("inbox settings changed: connecting anew")
        inbox.close()
    return open_inbox(settings), wanted


def _serve(
    config_path: Path, load: Callable[[Path], Settings], interval: float, backfill: bool = False
) -> int:
    """The service: a pass now, one whenever mail arrives, and one every ``interval`` s.

    One thread does it all: it waits on the inbox (IMAP IDLE, or polling the
    Maildir) until ``schedule`` says the next periodic pass is due, and runs a
    pass early when the server announces new mail.  A lost connection is
    reopened with backoff (1 s doubling to 5 min while it cannot be made; 1 s after a
    connection that worked was lost); a failing pass is logged and
    the service goes on.  Each pass is recorded for ``mailbot health``, pinged to the
    heartbeat URL if one is set, and what needs a person is told once (``watch``).
    A config broken at start raises ConfigError, a state file that cannot be used
    (lost, damaged, a folder) StateError: a supervisor sees the exit.  A state that
    becomes unusable while it runs (made read-only, damaged, deleted, its disk full) ends
    the service after that pass with one CRITICAL line and exit 1, rather than a pass
    failing forever: systemd restarts it (and gives up loudly), Docker marks it exited.
    ``backfill``: the first pass mails every unsent invoice, whatever its issue date.
    """
    config = ConfigWatch(config_path, load)
    Store(config.settings.state_path).close()  # (refuses a lost or damaged state now)
    scheduler = schedule.Scheduler()
    inbox: Inbox | None = None
    opened_for: tuple = ()
    ledgers, known = LedgerCache(), FactsCache()
    problems, watch = ProblemLog(), PassWatch(interval)
    backoff = 1.0
    BACKOFF.start()
    unusable = [""]  # why the state file cannot be used: the service stops after the pass

    def one_pass() -> None:
        nonlocal inbox, opened_for, backfill
        settings = config.settings
        report, failure, pass_id = None, "", None
        try:
            settings = config.current()  # re-read: the owner may edit config and ledger
            pass_id = watch.begin(settings, utcnow())
            inbox, opened_for = _inbox_for(inbox, opened_for, settings)
            report = run_once(settings, utcnow(), inbox=inbox, ledgers=ledgers, known=known,
                              backfill=backfill, problem_log=problems)  # fmt: skip
            backfill = False
        except StateError as exc:  # lost, damaged, unwritable: the service stops (below)
            failure = unusable[0] = stopped_by(settings, exc)
        except sqlite3.DatabaseError as exc:
            failure = stopped_by(settings, exc)
            if busy(exc):  # another process held a write a moment too long: next pass
                log.error("%s; nothing more was sent this pass", failure)
            else:
                unusable[0] = failure
        except Exception as exc:  # the service must outlive any one bad pass
            log.exception("the pass failed; trying again in %s s", interval)
            failure = stopped_by(settings, exc)
        watch.end(settings, pass_id, utcnow(), report, failure[:500])

    scheduler.every(interval).seconds.do(one_pass)  # type: ignore[arg-type]  # (seconds may be a float)
    log.info("mailbot running (a pass every %s s and on new mail); stop with SIGTERM", interval)
    notify("READY=1")
    one_pass()
    watchdog = watchdog_every()
    while not STOP.is_set() and not unusable[0]:
        alive()
        wait = min(max(0.0, scheduler.idle_seconds or interval), watchdog or interval)
        try:
            wake = signals.WAKE  # a stop or a SIGHUP ends the wait
            arrived = inbox.wait(wait, wake) if inbox is not None else wake.wait(wait)
            backoff = 1.0
        except Exception as exc:  # InboxError, or a bug: either way, reconnect and go on
            if isinstance(exc, ConnectionLost):  # it worked until now: no reason to wait long
                backoff = 1.0
            log.warning("inbox: %s; reconnecting in %.0f s", exc, backoff)
            if inbox is not None:
                inbox.close()
            signals.WAKE.wait(backoff)
            backoff = min(backoff * 2, 300.0)
            arrived = True  # read what may have come meanwhile
        if STOP.is_set():
            break
        if signals.reload_requested():
            log.info("SIGHUP: reading config and ledger again now")
            arrived = True
        if arrived:
            one_pass()
        if not unusable[0]:
            scheduler.run_pending()
    notify("STOPPING=1")
    if inbox is not None:
        inbox.close()
    watch.close()
    if unusable[0]:
        log.critical("%s; mailbot stopped: nothing can be recorded, so nothing is sent (exit 1)",
                     unusable[0])  # fmt: skip
        return 1
    log.info("mailbot stopped")
    return 0


def busy(exc: sqlite3.DatabaseError) -> bool:
    """SQLite's BUSY or LOCKED: another process (``mailbot status``, a backup) held the
    file a moment too long.  It passes; every other state error does not, by itself."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
