"""A server's keep-alive during IDLE is no new mail: the worker does not run a pass for it.

Dovecot says ``* OK Still here`` every ``imap_idle_notify_interval`` (2 minutes by
default) to a client in IDLE.  Read as news, it woke the idle worker for a whole pass
over the ledger every two minutes (benchmarks/service_idle.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from servers.dovecot import DovecotServer

from mailbot.config.servers import Imap
from mailbot.inbound.inbox import ImapInbox


class ChattyDovecot(DovecotServer):
    """Dovecot saying "Still here" every second instead of every two minutes."""

    def _write_config(self) -> None:
        super()._write_config()
        with self.config_path.open("a") as config:
            config.write("imap_idle_notify_interval = 1 secs\n")


@pytest.fixture
def chatty() -> Iterator[DovecotServer]:
    with ChattyDovecot() as server:
        yield server


def _inbox(server: DovecotServer) -> ImapInbox:
    config = Imap(host=server.host, port=server.port, security="none", username=server.user,
                  password=server.password, timeout=10)  # fmt: skip
    return ImapInbox(config)


def test_keepalive_during_idle_is_no_new_mail(chatty: DovecotServer) -> None:
    inbox = _inbox(chatty)
    try:
        t0 = time.monotonic()
        woken = [inbox.wait(3) for _ in range(3)]  # each ends at a keep-alive (or after 3 s)
        waited = time.monotonic() - t0
    finally:
        inbox.close()
    assert woken == [False, False, False]
    assert waited < 8  # (the keep-alives came: the waits ended before their time)


def test_new_mail_during_idle_still_wakes_the_worker(chatty: DovecotServer) -> None:
    inbox = _inbox(chatty)
    try:
        inbox.wait(0.1)  # connected and selected
        chatty.append(b"From: a@example.com\r\nSubject: hi\r\n\r\nnew\r\n")
        assert inbox.wait(10)
    finally:
        inbox.close()
