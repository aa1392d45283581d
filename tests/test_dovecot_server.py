"""Tests of the real-Dovecot test helper (tests/servers/dovecot.py).

They prove the behaviours mailbot's IMAP tests rely on: login, APPEND/FETCH
round trip, IDLE push latency, disconnect on restart, UIDVALIDITY change.
"""

from __future__ import annotations

import imaplib
import time

import pytest
from servers.dovecot import (  # dovecot_fixture registers the `dovecot` fixture
    DovecotServer,
    dovecot_fixture,  # noqa: F401
    group_members,
)

MESSAGE = (
    b"From: client@example.test\r\n"
    b"To: billing@example.test\r\n"
    b"Subject: Re: Invoice 2024-001\r\n"
    b"Message-ID: <reply-1@example.test>\r\n"
    b"\r\n"
    b"Paid yesterday, thanks.\r\n"
)


def _message(n: int) -> bytes:
    return MESSAGE.replace(b"reply-1", f"reply-{n}".encode())


def test_login_works(dovecot: DovecotServer) -> None:
    assert dovecot.host == "127.0.0.1"
    assert dovecot.port > 0
    with dovecot.client() as imap:
        assert imap.select_folder("INBOX")[b"EXISTS"] == 0


def test_wrong_password_is_rejected_without_penalising_later_logins(
    dovecot: DovecotServer,
) -> None:
    password, dovecot.password = dovecot.password, "wrong"
    for _ in range(2):
        with pytest.raises(imaplib.IMAP4.error):
            dovecot.client()
    dovecot.password = password
    started = time.monotonic()
    dovecot.client().logout()
    # Dovecot's auth penalty would delay this by 2-15 s; the helper disables it.
    assert time.monotonic() - started < 1.0


def test_append_then_fetch_returns_the_bytes(dovecot: DovecotServer) -> None:
    dovecot.append(MESSAGE)
    with dovecot.client() as imap:
        imap.select_folder("INBOX", readonly=True)
        uids = imap.search("ALL")
        assert len(uids) == 1
        assert imap.fetch(uids, ["RFC822"])[uids[0]][b"RFC822"] == MESSAGE
    assert any((dovecot.maildir / "new").iterdir()) or any((dovecot.maildir / "cur").iterdir())


def test_create_folder_and_append_there(dovecot: DovecotServer) -> None:
    dovecot.create_folder("Archive/2024")
    dovecot.append(MESSAGE, folder="Archive/2024")
    with dovecot.client() as imap:
        assert imap.select_folder("Archive/2024")[b"EXISTS"] == 1
        assert imap.select_folder("INBOX")[b"EXISTS"] == 0
    assert dovecot.folder_path("Archive/2024").is_dir()


def test_idle_gets_exists_within_3_seconds(dovecot: DovecotServer) -> None:
    with dovecot.client() as idler:
        idler.select_folder("INBOX")
        idler.idle()
        started = time.monotonic()
        dovecot.append(MESSAGE)  # from another connection
        appended = time.monotonic()
        responses: list[tuple[object, ...]] = []
        while (1, b"EXISTS") not in responses:
            remaining = started + 3.0 - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"no EXISTS within 3 s after APPEND; got {responses!r}")
            responses += idler.idle_check(timeout=remaining)
        notified = time.monotonic()
        idler.idle_done()
    print(
        f"IDLE: APPEND took {(appended - started) * 1000:.0f} ms, EXISTS arrived "
        f"{(notified - appended) * 1000:.0f} ms after it "
        f"({(notified - started) * 1000:.0f} ms total)"
    )


def test_restart_drops_connections_and_keeps_mail(dovecot: DovecotServer) -> None:
    dovecot.append(MESSAGE)
    old = dovecot.client()
    old.select_folder("INBOX")
    idler = dovecot.client()
    idler.select_folder("INBOX")
    idler.idle()
    port = dovecot.port

    dovecot.restart()

    assert dovecot.port == port
    # An IDLE-ing client is told why. Beware: after that, imapclient's
    # idle_check() just returns [] on the closed socket, it does not raise.
    assert idler.idle_check(timeout=3)[0][0] == b"BYE"
    with pytest.raises((imaplib.IMAP4.error, OSError)) as dropped:
        old.noop()
    print(f"old connection after restart: {dropped.value!r}")
    with dovecot.client() as new:
        assert new.select_folder("INBOX")[b"EXISTS"] == 1
        assert new.fetch([1], ["RFC822"])[1][b"RFC822"] == MESSAGE


def test_change_uidvalidity_keeps_messages(dovecot: DovecotServer) -> None:
    for n in range(3):
        dovecot.append(_message(n))
    with dovecot.client() as imap:
        before = imap.select_folder("INBOX")[b"UIDVALIDITY"]

    new = dovecot.change_uidvalidity()

    with dovecot.client() as imap:
        info = imap.select_folder("INBOX")
        assert info[b"UIDVALIDITY"] == new != before
        assert info[b"EXISTS"] == 3
        fetched = imap.fetch(imap.search("ALL"), ["RFC822"])
        bodies = sorted(data[b"RFC822"] for data in fetched.values())
    assert bodies == sorted(_message(n) for n in range(3))


def test_change_uidvalidity_of_other_folder(dovecot: DovecotServer) -> None:
    dovecot.create_folder("Replies")
    dovecot.append(MESSAGE, folder="Replies")
    inbox_before = dovecot.uidvalidity("INBOX")
    before = dovecot.uidvalidity("Replies")
    assert dovecot.change_uidvalidity("Replies") != before
    assert dovecot.uidvalidity("INBOX") == inbox_before
    with dovecot.client() as imap:
        assert imap.select_folder("Replies")[b"EXISTS"] == 1


def test_stop_leaves_no_process_and_context_manager() -> None:
    started = time.monotonic()
    with DovecotServer() as server:
        startup = time.monotonic() - started
        pid = server.pid
        assert pid is not None
        with server.client() as imap:
            imap.noop()
        root = server.root
    print(f"dovecot startup: {startup * 1000:.1f} ms")
    assert not server.running
    assert not root.exists()
    assert group_members(pid) == []
