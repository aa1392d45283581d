"""The optional heartbeat (``[service] heartbeat_url``), the healthchecks.io convention:
``GET URL/start`` as a pass begins, ``GET URL`` after a good pass, ``POST URL/fail`` with a
short reason after a failed one.

A monitoring service that is slow or down must never slow or stop the worker: the pings
go out from one background thread, in order, with a short time-out, and are dropped when
too many wait.  The URL carries its check's token, so only its host is ever logged.
"""

from __future__ import annotations

import logging
import queue
import threading
import urllib.error
import urllib.request
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

QUEUED = 16  # pings waiting for a slow server beyond this are dropped (the next pass pings again)
REASON_BYTES = 1_000


class Heartbeat:
    """Pings ``url`` from a daemon thread; ``start``, ``ok`` and ``fail`` return at once."""

    def __init__(self, url: str, timeout: float = 5.0):
        self.url = url.rstrip("/")
        self.host = urlsplit(url).hostname or "?"
        self.timeout = timeout
        self._queue: queue.Queue[tuple[str, bytes | None] | None] = queue.Queue(QUEUED)
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def start(self) -> None:
        self._put(self.url + "/start", None)

    def ok(self) -> None:
        self._put(self.url, None)

    def fail(self, reason: str) -> None:
        self._put(self.url + "/fail", reason.encode("utf-8", "replace")[:REASON_BYTES])

    def close(self, wait: float = 0.0) -> None:
        """Stop the thread after the pings queued so far (waiting at most ``wait`` s)."""
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            return
        self._thread.join(wait)

    def _put(self, url: str, body: bytes | None) -> None:
        try:
            self._queue.put_nowait((url, body))
        except queue.Full:
            log.warning("heartbeat to %s: %d pings waiting; this one dropped", self.host, QUEUED)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            self._ping(*item)

    def _ping(self, url: str, body: bytes | None) -> None:
        request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET")  # noqa: S310 (http(s) only: config checks it)
        request.add_header("User-Agent", "mailbot")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read(1024)
        except (urllib.error.URLError, OSError, ValueError) as exc:  # (HTTPError is a URLError)
            why = f"HTTP {exc.code}" if isinstance(exc, urllib.error.HTTPError) else type(exc).__name__
            log.warning("heartbeat to %s failed: %s", self.host, why)  # never the URL: it holds a token
        except Exception:  # a bug here must not kill the thread, still less the worker
            log.warning("heartbeat to %s failed", self.host)


def heartbeat_of(url: str, timeout: float) -> Heartbeat | None:
    """The heartbeat for a configured URL, or None when none is set."""
    return Heartbeat(url, timeout) if url else None
