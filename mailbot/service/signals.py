"""Signals: SIGTERM/SIGINT stop the worker warm, SIGHUP has it read config and ledger now.

A handler only sets flags (``STOP``, ``RELOAD``, and ``WAKE`` that ends the wait for
new mail), so the mail at hand is finished: a mail is never cut in two by a signal.

A warm stop is bounded all the same.  A hung server (one that took the connection and
never answers) would hold the worker for a whole socket time-out (30 s for SMTP, 60 s
for IMAP by default) and a supervisor kills it meanwhile.  So ``GRACE`` seconds after the
first signal every blocking network call still running is cut with a ``TimeoutError``
(SIGALRM, again every ``CUT_EVERY`` s while the worker closes its connections), and
``LAST_RESORT`` s after it the process exits 0 whatever it is doing.

A second signal stops at once.  The mail being handed over then, if any, is left in
doubt exactly as after a crash (README "Guarantees"): sent again only under its own
Message-ID, which the client's mail program shows once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from mailbot.service.sending import STOP

log = logging.getLogger(__name__)

RELOAD = threading.Event()  # SIGHUP: read config and ledger again now
WAKE = threading.Event()  # ends the wait for new mail: a stop or a reload
GRACE = 6.0  # seconds a warm stop may take before hung network calls are cut
CUT_EVERY = 0.5  # seconds: after GRACE, each further blocking call gets this long
LAST_RESORT = 9.0  # seconds after the first signal: exit 0 whatever is running
_LAST: list[threading.Timer] = []  # the last-resort exit, armed by a stop request


class StopOverdue(TimeoutError):
    """A network call still blocking ``GRACE`` s after a stop request: the server hangs.

    A ``TimeoutError`` (an ``OSError``), so the transports treat it as the time-out it
    is: a mail not handed over stays claimed for the next run."""


def _stop(signum: int, _frame: object) -> None:
    if STOP.is_set():
        log.warning("signal %d again: stopping at once", signum)
        raise SystemExit(128 + signum)  # a second signal: cold stop
    log.info("signal %d: finishing the current mail, then stopping", signum)
    STOP.set()
    WAKE.set()
    signal.setitimer(signal.ITIMER_REAL, GRACE, CUT_EVERY)
    _LAST.append(threading.Timer(LAST_RESORT, _exit_now))
    _LAST[-1].daemon = True
    _LAST[-1].start()


def _overdue(_signum: int, _frame: object) -> None:
    raise StopOverdue(f"stopping: no answer within {GRACE:.0f} s of the stop request")


def _exit_now() -> None:
    """Straight to stderr, not through logging: the stuck main thread may hold its lock."""
    line = f"mailbot: still not stopped {LAST_RESORT:.0f} s after the stop request: exiting\n"
    with contextlib.suppress(OSError):
        os.write(2, line.encode())
    os._exit(0)


def _reload(_signum: int, _frame: object) -> None:
    RELOAD.set()
    WAKE.set()


@contextmanager
def handled(reload: bool = True) -> Iterator[None]:
    """SIGTERM and SIGINT stop warm (and SIGHUP reloads, for the service) while the block
    runs; the previous handlers and no pending cut afterwards.  Main thread only."""
    names = [signal.SIGTERM, signal.SIGINT, signal.SIGALRM] + ([signal.SIGHUP] if reload else [])
    before = {sig: signal.getsignal(sig) for sig in names}
    for flag in (STOP, RELOAD, WAKE):
        flag.clear()  # (a stop of an earlier run in this process is not this one's)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGALRM, _overdue)
    if reload:
        signal.signal(signal.SIGHUP, _reload)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        while _LAST:
            _LAST.pop().cancel()
        for sig, handler in before.items():
            signal.signal(sig, handler)


def reload_requested() -> bool:
    """Whether a SIGHUP came since the last call (and forget it); ``WAKE`` is cleared
    first, so a SIGHUP arriving meanwhile still ends the next wait."""
    if not STOP.is_set():
        WAKE.clear()
    if RELOAD.is_set():
        RELOAD.clear()
        return True
    return False
