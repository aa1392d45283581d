"""Where replies arrive: an IMAP folder (watched with IDLE) or the Maildir ``inbox/``.

Both give ``fetch_new()``: the raw bytes of every message not handled yet,
oldest first, and ``wait(seconds)``: return early when new mail may be there.
The IMAP reader keeps a watermark ``(UIDVALIDITY, last UID)`` in the store, so
its cost follows new mail, not the size of the mailbox; when UIDVALIDITY
changes it reads the folder again and the store's record of handled
Message-IDs keeps anything from being handled twice.  It never deletes, moves
or marks mail ``\\Seen``: handled mail gets the keyword ``$MailbotHandled``.
"""

from __future__ import annotations

import contextlib
import logging
import mailbox
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.util import to_unicode

from mailbot.config.settings import Imap, Settings
from mailbot.config.tls import tls_context
from mailbot.inbound.parse import MAX_RAW
from mailbot.state.store import Store

log = logging.getLogger(__name__)
HANDLED = "$MailbotHandled"
IDLE_RENEW = 9 * 60  # RFC 2177: re-issue IDLE before the server's 30-minute cut-off
BATCH = 100  # messages per FETCH at most
FETCH_BYTES = 4 * 1024 * 1024  # bytes per FETCH at most, by the server's RFC822.SIZE (or one message)
SIZES = 1_000  # UIDs per RFC822.SIZE query
READ = MAX_RAW + 1  # bytes read of one message: one more than parse takes, so it sees a cut


@dataclass(frozen=True)
class Incoming:
    key: str  # the store's handle for it: "imap:<uidvalidity>:<uid>" or "maildir:<key>"
    uid: int  # IMAP UID, 0 for Maildir
    raw: bytes


class Inbox(Protocol):
    """The store is passed in, not kept: the service's inbox outlives each pass."""

    def fetch_new(self, store: Store) -> Iterator[Incoming]: ...
    def handled_before(self) -> bool: ...
    def mark_handled(self, message: Incoming, store: Store) -> None: ...
    def wait(self, seconds: float, stop: threading.Event | None = None) -> bool: ...
    def close(self) -> None: ...


class InboxError(Exception):
    """The mailbox could not be read now; the caller reconnects with backoff."""


class ConnectionLost(InboxError):
    """A working connection ended (a BYE, a killed session, a restarted server): the
    server was there a moment ago, so the caller reconnects soon, without backing off
    further: the backoff is for connections that cannot be made."""


NETWORK_ERRORS = (IMAPClientError, OSError, socket.timeout, ssl.SSLError, EOFError)


class ImapInbox:
    def __init__(self, config: Imap, resolve=Path):
        self.config = config
        self.ca_file = resolve(config.ca_file) if config.ca_file else None
        self.client: IMAPClient | None = None
        self.uidvalidity = 0
        self.pending: list[int] = []  # handled UIDs whose keyword is not set yet
        self.source = f"imap:{config.username}@{config.host}:{config.effective_port}/{config.folder}"

    # connection ---------------------------------------------------------------

    def connect(self) -> IMAPClient:
        cfg = self.config
        context = tls_context(cfg.verify, self.ca_file)
        try:
            client = IMAPClient(
                cfg.host, port=cfg.effective_port, ssl=cfg.security == "ssl",
                ssl_context=context, timeout=cfg.timeout, use_uid=True,
            )  # fmt: skip
            if cfg.security == "starttls":
                client.starttls(context)
            client.login(cfg.username, cfg.password.get_secret_value())
            selected = client.select_folder(cfg.folder)
        except NETWORK_ERRORS as exc:
            raise InboxError(f"imap {cfg.host}:{cfg.effective_port}: {exc}") from None
        self.uidvalidity = int(selected[b"UIDVALIDITY"])
        keep_alive(client.socket())
        self.client = client
        return client

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):  # the server may be gone already
                self.client.logout()
            self.client = None

    def _client(self) -> IMAPClient:
        return self.client or self.connect()

    # reading ------------------------------------------------------------------

    def fetch_new(self, store: Store) -> Iterator[Incoming]:
        """Every message above the watermark, oldest first, at most ``READ`` bytes of each,
        in batches of at most ``FETCH_BYTES`` (by the sizes the server gives first): what a
        pass holds does not grow with the size or number of new messages."""
        client = self._client()
        try:
            uids = self._new_uids(client, store)
            for start in range(0, len(uids), SIZES):
                chunk = uids[start : start + SIZES]
                for batch in batches(chunk, self._sizes(client, chunk)):
                    fetched = client.fetch(batch, [f"BODY.PEEK[]<0.{READ}>"])
                    for uid in batch:
                        data = fetched.pop(uid, {})
                        raw = next((v for k, v in data.items() if k.startswith(b"BODY[]")), b"")
                        yield Incoming(f"imap:{self.uidvalidity}:{uid}", uid, raw or b"")
                    del fetched
                    self._flag_handled(client)
            self._flag_handled(client)
        except NETWORK_ERRORS as exc:
            self.close()
            raise InboxError(f"imap {self.config.host}: {exc}") from None

    @staticmethod
    def _sizes(client: IMAPClient, uids: list[int]) -> dict[int, int]:
        """RFC822.SIZE of each message (a message the server does not size counts as ``READ``)."""
        found = client.fetch(uids, ["RFC822.SIZE"])
        return {uid: int(data.get(b"RFC822.SIZE", READ)) for uid, data in found.items()}

    def _new_uids(self, client: IMAPClient, store: Store) -> list[int]:
        validity, last = store.watermark(self.source)
        if validity != self.uidvalidity:
            if validity:
                log.warning("%s: UIDVALIDITY changed (%s -> %s): reading the folder again",
                            self.source, validity, self.uidvalidity)  # fmt: skip
            last = 0
            store.set_watermark(self.source, self.uidvalidity, 0)
        found = client.search(["UID", f"{last + 1}:*"])
        return sorted(uid for uid in found if uid > last)  # "n:*" returns the last one too

    def handled_before(self) -> bool:
        """Whether a mailbot marked mail here (``$MailbotHandled``): the mailbox's memory of
        a state that may have been lost with its folder, marker and all."""
        return bool(self._client().search(["KEYWORD", HANDLED]))

    def mark_handled(self, message: Incoming, store: Store) -> None:
        """Move the watermark now; the keyword follows for the whole batch (one STORE)."""
        self.pending.append(message.uid)
        _validity, last = store.watermark(self.source)
        if message.uid > last:
            store.set_watermark(self.source, self.uidvalidity, message.uid)

    def _flag_handled(self, client: IMAPClient) -> None:
        """Keyword, not \\Seen (the owner reads this mailbox too), one STORE per batch:
        Dovecot's cost per STORE grows with the folder."""
        if not self.pending:
            return
        uids, self.pending = self.pending, []
        try:
            client.add_flags(uids, [HANDLED], silent=True)
        except NETWORK_ERRORS as exc:  # the keyword is a courtesy; the watermark is the record
            log.debug("could not set %s on %d messages: %s", HANDLED, len(uids), exc)

    def wait(self, seconds: float, stop: threading.Event | None = None) -> bool:
        """IDLE until the server says something, ``seconds`` pass or ``stop`` is set;
        True only when it announced mail.

        Checks once a second inside one IDLE command, so a stop request is
        honoured at once; IDLE is re-issued by the caller at least every 9 minutes.
        A keep-alive (Dovecot's ``OK Still here`` every 2 minutes) ends the wait as no
        news: read as mail, it cost the idle worker a pass over the whole ledger.
        Without IDLE on the server, this is a plain poll interval.
        """
        client = self._client()
        deadline = time.monotonic() + min(seconds, IDLE_RENEW)
        try:
            if b"IDLE" not in client.capabilities():
                _sleep(deadline, stop)
                return True
            # Mail that came while the pass ran is not announced by a later IDLE: ask first.
            if _announces_mail(client.noop()[1]):
                return True
            client.idle()
            responses: list = []
            try:
                while not responses and time.monotonic() < deadline:
                    if stop is not None and stop.is_set():
                        break
                    responses = client.idle_check(timeout=1)
                    if not responses and _closed(client.socket()):
                        raise ConnectionLost(f"imap {self.config.host}: the server closed the connection")
            finally:
                if not any(_is_bye(r) for r in responses):
                    client.idle_done()
        except ConnectionLost:
            self.close()
            raise
        except NETWORK_ERRORS as exc:
            self.close()
            raise ConnectionLost(f"imap {self.config.host}: {exc}") from None
        if any(_is_bye(r) for r in responses):
            self.close()
            raise ConnectionLost(f"imap {self.config.host}: server said BYE")
        return _announces_mail(responses)


def batches(uids: list[int], sizes: dict[int, int]) -> list[list[int]]:
    """UIDs in order, cut into FETCHes of at most ``BATCH`` messages and ``FETCH_BYTES``
    bytes read (each message counts as at most ``READ``); a bigger message goes alone."""
    out: list[list[int]] = []
    batch: list[int] = []
    total = 0
    for uid in uids:
        size = min(sizes.get(uid, READ), READ)
        if batch and (total + size > FETCH_BYTES or len(batch) >= BATCH):
            out.append(batch)
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        out.append(batch)
    return out


def _announces_mail(responses: list) -> bool:
    """New mail in the folder: ``(3, b"EXISTS")`` or ``(1, b"RECENT")``."""
    return any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses)


def _is_bye(response: tuple) -> bool:
    """``(b"BYE", b"Server shutting down.")``; EXISTS and friends come as ``(3, b"EXISTS")``."""
    first = response[0] if response else None
    return isinstance(first, bytes | str) and to_unicode(first).upper() == "BYE"


def keep_alive(sock: socket.socket, idle: int = 10, interval: int = 5, probes: int = 3) -> None:
    """TCP keepalive on the IMAP socket: a session that vanishes without a word (a
    server host gone, a NAT that forgot us) is noticed within ``idle + interval * probes``
    seconds (25 s), while IDLE itself would wait for data that never comes."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", idle), ("TCP_KEEPINTVL", interval), ("TCP_KEEPCNT", probes)):
        if hasattr(socket, name):  # (Linux; other systems keep their defaults)
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


def _closed(sock: socket.socket) -> bool:
    """Whether the peer closed the connection: readable, yet nothing to read.

    ``idle_check`` swallows EOF and returns no responses at once, again and again: without
    this check a killed session made the wait spin a core until its deadline.  The peek
    reads the raw descriptor (TLS sockets refuse flags), so nothing is consumed."""
    raw = socket.socket(fileno=os.dup(sock.fileno()))
    try:
        return raw.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except (BlockingIOError, InterruptedError):
        return False
    except OSError:
        return True  # reset by the peer
    finally:
        raw.close()


def _sleep(deadline: float, stop: threading.Event | None) -> None:
    remaining = max(0.0, deadline - time.monotonic())
    if stop is not None:
        stop.wait(remaining)
    else:
        time.sleep(remaining)


class MaildirInbox:
    """The embedded default: ``<mail.dir>/inbox`` as a Maildir, files left where they are."""

    def __init__(self, path: Path):
        self.path = path

    def fetch_new(self, store: Store) -> Iterator[Incoming]:
        for sub in ("new", "cur", "tmp"):  # a hand-made folder may lack some
            (self.path / sub).mkdir(parents=True, exist_ok=True)
        box = mailbox.Maildir(self.path, create=True)
        for key in sorted(box.keys()):  # Maildir names start with the delivery time
            handle = f"maildir:{key}"
            if store.seen(handle):
                continue
            try:
                with box.get_file(key) as handle_file:
                    raw = handle_file.read(READ)
            except (OSError, KeyError):
                continue  # moved away meanwhile
            yield Incoming(handle, 0, raw)

    def handled_before(self) -> bool:
        """A Maildir keeps no mark of its own (it lives beside the state, and is lost with it)."""
        return False

    def mark_handled(self, message: Incoming, store: Store) -> None:
        """The store's record (written with the reply's events) is the mark."""

    def wait(self, seconds: float, stop: threading.Event | None = None) -> bool:
        """Poll ``new/`` once a second: cheap, and a dropped file is seen at once."""
        deadline = time.monotonic() + seconds
        before = self._stamp()
        while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
            _sleep(min(deadline, time.monotonic() + 1.0), stop)
            if self._stamp() != before:
                return True
        return False

    def _stamp(self) -> tuple[float, float]:
        stamps = []
        for sub in ("new", "cur"):
            try:
                stamps.append((self.path / sub).stat().st_mtime)
            except OSError:
                stamps.append(0.0)
        return stamps[0], stamps[1]

    def close(self) -> None:
        pass


def open_inbox(settings: Settings) -> Inbox:
    """IMAP when ``imap.host`` is set, else the Maildir inbox."""
    if settings.imap.host:
        return ImapInbox(settings.imap, resolve=settings.resolve)
    return MaildirInbox(settings.mail_dir / "inbox")
