"""systemd's notify protocol (``Type=notify``, ``WatchdogSec=``) with the standard library.

systemd passes ``NOTIFY_SOCKET`` (a datagram socket; ``@`` starts an abstract name) and,
with ``WatchdogSec=``, ``WATCHDOG_USEC``.  The worker says ``READY=1`` once config and
state are usable, ``WATCHDOG=1`` after every pass and wait (so a worker stuck anywhere
is restarted), ``STOPPING=1`` when it stops.  Without ``NOTIFY_SOCKET`` (Docker, a
terminal, tests) every call does nothing.  No dependency: one ``sendto`` per message.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time

_LAST_PING = [0.0]  # monotonic time of the last WATCHDOG=1


def notify(state: str) -> bool:
    """Send one notification (``READY=1``, ``WATCHDOG=1``, ``STATUS=...``); whether it went.

    A supervisor that does not listen must never stop the worker: errors are ignored."""
    address = os.environ.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]  # the abstract namespace
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.sendto(state.encode(), address)
        return True
    return False


def watchdog_every() -> float | None:
    """How often to send ``WATCHDOG=1``: half systemd's ``WatchdogSec=`` (None: not asked).

    ``WATCHDOG_PID``, when set, names the process meant; a child started by the worker
    (none today) must not answer for it."""
    pid = os.environ.get("WATCHDOG_PID")
    if pid and pid != str(os.getpid()):
        return None
    try:
        usec = int(os.environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec / 2_000_000 if usec > 0 else None


def alive() -> None:
    """``WATCHDOG=1`` if systemd asked for it, at most four times per ``WatchdogSec/2``:
    called after every wait and every mail sent, so a long backlog pass is not taken
    for a hung worker, and a stuck one is."""
    every = watchdog_every()
    now = time.monotonic()
    if every is not None and now - _LAST_PING[0] >= every / 4:
        _LAST_PING[0] = now
        notify("WATCHDOG=1")
