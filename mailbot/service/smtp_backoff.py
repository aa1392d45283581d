"""How long the service leaves an SMTP server alone after a pass could send nothing.

A server that is down refuses every pass; without a pause each pass (one on every new
reply, and every ``interval``) would build every claimed mail's PDF again and log a
failure per mail.  After a pass whose mail all failed for now, sending waits 5 s,
doubling to 5 minutes; the mail stays claimed (nothing is lost) and goes out once, on
the first pass after the pause that reaches the server.  Replies are read meanwhile.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)
FIRST, LONGEST = 5.0, 300.0


class SmtpBackoff:
    """Inert until the service ``start``s it: ``run --once`` never waits."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self.active = False
        self.delay = 0.0
        self.until = 0.0

    def start(self) -> None:
        """The service begins: no pause yet, and pauses from now on."""
        self.active, self.delay, self.until = True, 0.0, 0.0

    def waiting(self) -> bool:
        """Whether sending should pause this pass."""
        return self.active and self._clock() < self.until

    def after(self, sent: int, retry: int) -> None:
        """Record a pass's sending: nothing sent and something refused for now backs off."""
        if not self.active:
            return
        if retry and not sent:
            self.delay = min(max(self.delay * 2, FIRST), LONGEST)
            self.until = self._clock() + self.delay
            log.warning("SMTP: %d mail(s) not sent; trying again in %.0f s", retry, self.delay)
        elif self.delay:
            log.info("SMTP: sending again")
            self.delay, self.until = 0.0, 0.0


BACKOFF = SmtpBackoff()
