"""Ledger problems in the log: once when they appear, once when they are gone.

The service reads the ledger every pass; a broken ledger of 10,000 rows logged every
pass would bury everything else (and fill the disk).  ``ProblemLog`` remembers what it
logged: a pass logs only the problems that are new (at most ``SHOWN`` lines, then one line
with how many more: ``mailbot check`` lists them all), and one line when some are fixed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

log = logging.getLogger(__name__)

SHOWN = 20


class ProblemLog:
    """What was logged, so that the next pass logs only the difference."""

    def __init__(self) -> None:
        self.known: set[str] = set()

    def report(self, problems: Iterable[str]) -> list[str]:
        """Log the new problems and the count of fixed ones; returns the new ones."""
        now = list(dict.fromkeys(problems))  # (in the ledger's order, each once)
        current = set(now)
        new = [p for p in now if p not in self.known]
        gone = len(self.known - current)
        for problem in new[:SHOWN]:
            log.warning("%s", problem)
        if len(new) > SHOWN:
            more = len(new) - SHOWN
            log.warning("... and %d more new ledger problems (`mailbot check` lists them all)", more)
        if gone:
            left = f"; {len(current)} left" if current else "; none left"
            log.info("%d ledger problem(s) fixed%s", gone, left)
        self.known = current
        return new
