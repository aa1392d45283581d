"""Reading replies over IMAP: bulk ingest, cost with a big mailbox, and IDLE latency.

    python benchmarks/imap_ingest.py [--replies 5000] [--old 50000] [--small 100]
        [--samples 10] [--what-if] [--stock-first-pass] [--profile N]

Real servers on 127.0.0.1: a private Dovecot per scenario (``tests/servers/dovecot.py``,
plus ``verbose_proctitle``) and aiosmtpd in its own process, which takes the invoices,
the forwards to the owner and the acknowledgments.  The config has the six clients of
the reply corpus (``tests/replies``) and 187 invoices, reminders off (``[chase]
enabled = false``: these passes are about reading).  A setup pass sends every invoice,
so replies thread to Message-IDs that mailbot really sent.

1. **Ingest** (target < 20 s): ``--replies`` messages made from the corpus ``.eml``
   files (six languages, HTML-only mails, auto-replies, bounces, spoofs), each with its
   own Message-ID and In-Reply-To/References re-pointed at a sent Message-ID of its
   client; plus 1 % mailbot's own forwards and 1 % exact duplicates.  Written as Maildir
   files before Dovecot starts; the first SELECT indexes them (fill time, not timed).
   Then one ``run_once(settings, now)`` **in-process**, timed from its start until
   ``read_inbox`` returns: every message is then in ``inbox_seen`` and every reply has its
   ``reply`` event (both are checked).
2. **Big folder** (target < 0.5 s after the server's announcement, and about the same
   as with ``--small`` messages): ``--old`` small, threaded thank-yous, handled by a
   first in-process pass (printed, not a target; it sets ``$MailbotHandled`` 100 UIDs
   per STORE, see ``BatchedKeywords``: mailbot's one STORE per message takes minutes
   here; ``--stock-first-pass`` runs it as it is).  Then ``mailbot run`` as a
   subprocess; each sample waits until its connection is in IDLE, APPENDs a reply and
   polls SQLite every 10 ms for its event.  Dovecot announces new mail about 0.5 s after
   it arrives; a bare IMAPClient IDLE watcher on the same server measures that delay,
   which is subtracted.
3. **IDLE latency** (target: median < 1.5 s): ``--samples`` APPENDs to the service of
   the small folder, APPEND returning to recorded event.  Then one reply APPENDed while
   a pass is still running (not a target, printed as a note).

``--what-if`` ingests the same mail again with the keyword STOREs batched;
``--profile N`` adds a cProfile of an ingest pass over N replies and of a pass with
nothing new on the big store.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import email.utils
import functools
import io
import logging
import multiprocessing as mp
import os
import pstats
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _common  # first: it puts the repository root on sys.path
from _common import ROOT, BenchClient, free_port, machine, median, verdict

sys.path.insert(0, str(ROOT / "tests"))  # the Dovecot helper of the test suite
from servers.dovecot import DovecotServer, group_members

from mailbot.config.settings import load_settings
from mailbot.decide import policy
from mailbot.inbound import apply as inbound
from mailbot.inbound.inbox import HANDLED, ImapInbox
from mailbot.outbound.mails import Mailer
from mailbot.service import run_pass, sending
from mailbot.state.store import Store

TARGET_INGEST_S = 20.0
TARGET_AFTER_NOTICE_S = 0.5
TARGET_IDLE_MEDIAN_S = 1.5
ABOUT_EQUAL_S = 0.2  # big vs small folder, after the announcement
RACE_LIMIT_S = 5.0  # how long to wait for a reply that arrived during a pass
SEED = 5150
SENT_AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # invoices go out (corpus: 23 Nov)
READ_AT = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # replies are read (corpus: up to 7 Dec)
OWNER = "owner@muster-design.example"
CORPUS = ROOT / "tests" / "replies"
SKIP_TEMPLATES = {"spoof_hostile_long_line"}  # a 2 MB one-line hostile mail, not a reply
EXTRA_PER_CLIENT = 30

# The clients of the reply corpus (tests/replies/README.md) and their corpus invoices.
CLIENTS = (
    BenchClient("acme", "Acme Ltd", "ap@acme.example", "Jane Smith",
                "1 Market Street\\nLondon EC1A 1AA", "en"),
    BenchClient("kaiser", "Kaiser & Söhne GmbH", "buchhaltung@kaiser-soehne.example",
                "Frau Weber", "Hauptstraße 5\\n80331 München", "de"),
    BenchClient("virtanen", "Virtanen Oy", "laskut@virtanen.example", "Mikko Virtanen",
                "Mannerheimintie 1\\n00100 Helsinki", "fi"),
    BenchClient("petrovic", "Petrović d.o.o.", "racuni@petrovic.example", "Ana Petrović",
                "Knez Mihailova 10\\n11000 Beograd", "sr"),
    BenchClient("dupont", "Dupont SARL", "compta@dupont.example", "Claire Dupont",
                "8 Rue de Rivoli\\n75004 Paris", "fr"),
    BenchClient("jane", "Jane Doe Design", "jane.doe.design@gmail.com", "Jane Doe",
                "12 High Street\\nBristol BS1 1AA", "en"),
)  # fmt: skip
CORPUS_INVOICES = {"2026-001": "acme", "2026-002": "acme", "2026-004": "kaiser",
                   "2026-005": "virtanen", "2026-006": "petrovic", "2026-007": "dupont",
                   "2026-008": "jane"}  # fmt: skip
# Old mail for the big folder: short, threaded, trusted thank-yous (no forward).
THANKS = {
    "acme": "Thanks, received.", "kaiser": "Danke, Rechnung erhalten.",
    "virtanen": "Kiitos, lasku saatu.", "petrovic": "Hvala, primili smo račun.",
    "dupont": "Merci, bien reçu.", "jane": "Got it, thank you!",
}  # fmt: skip


# servers ------------------------------------------------------------------------------


class _AcceptAll:
    def __init__(self, count):
        self.count = count

    async def handle_DATA(self, server, session, envelope):
        with self.count.get_lock():
            self.count.value += 1
        return "250 OK"


def _serve_smtp(port: int, ready, stop, count) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(_AcceptAll(count), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[int, object]]:
    """aiosmtpd in its own process (in-process it would compete for the GIL)."""
    ctx = mp.get_context("spawn")
    count, ready, stop = ctx.Value("q", 0), ctx.Event(), ctx.Event()
    port = free_port()
    process = ctx.Process(target=_serve_smtp, args=(port, ready, stop, count), daemon=True)
    process.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("the aiosmtpd server did not start")
        yield port, count
    finally:
        stop.set()
        process.join(10)


class BenchDovecot(DovecotServer):
    """The test suite's Dovecot plus ``verbose_proctitle``: an imap process's title then
    shows the command it is in, so a latency sample is taken only once mailbot waits
    in IDLE (mail that arrives during a pass is another case, measured on its own)."""

    def _write_config(self) -> None:
        super()._write_config()
        with self.config_path.open("a") as config:
            config.write("verbose_proctitle = yes\n")

    def idling(self) -> bool:
        for pid in group_members(self.pid or 0):
            with contextlib.suppress(OSError):
                title = Path(f"/proc/{pid}/cmdline").read_bytes()
                if title.startswith(b"dovecot/imap ") and title.rstrip(b"\0").endswith(b" IDLE]"):
                    return True
        return False


@contextlib.contextmanager
def dovecot(messages: list[bytes] | None = None) -> Iterator[tuple[DovecotServer, float, float]]:
    """A private Dovecot whose INBOX holds ``messages``, written as Maildir files before
    it starts; the first SELECT makes Dovecot index them.  Yields (server, write s,
    index s)."""
    server = BenchDovecot()
    try:
        t0 = time.perf_counter()
        write_maildir(server.maildir, messages or [])
        written = time.perf_counter() - t0
        server.start()
        t0 = time.perf_counter()
        with server.client(timeout=120) as imap:
            exists = imap.select_folder("INBOX")[b"EXISTS"]
        indexed = time.perf_counter() - t0
        if exists != len(messages or []):
            raise RuntimeError(f"Dovecot indexed {exists} of {len(messages or [])} messages")
        yield server, written, indexed
    finally:
        server.close()


def write_maildir(maildir: Path, messages: list[bytes]) -> None:
    """Delivered mail as Dovecot would find it in ``cur/`` (size in the name: no stat)."""
    uid, gid = maildir.stat().st_uid, maildir.stat().st_gid
    cur = str(maildir / "cur")
    base, pid = int(SENT_AT.timestamp()), os.getpid()
    for n, raw in enumerate(messages):
        fd = os.open(f"{cur}/{base + n}.M{n}P{pid}.bench,S={len(raw)}:2,",
                     os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # fmt: skip
        try:
            os.write(fd, raw)
            os.fchown(fd, uid, gid)
        finally:
            os.close(fd)


# config and the sent invoices -----------------------------------------------------------


def write_base(directory: Path) -> tuple[Path, list[list[str]]]:
    """Config (without [imap]/[smtp]) and a ledger: the 7 corpus invoices + 30 per client."""
    rng = random.Random(SEED)
    by_id = {c.id: c for c in CLIENTS}
    rows: list[list[str]] = []
    for number, client_id in CORPUS_INVOICES.items():
        invoice = _common.invoice_rows(rng, number, by_id[client_id], rng.randint(1, 4))
        invoice[0][2], invoice[0][3] = "2026-11-23", "2026-12-07"
        rows += invoice
    n = 100
    for _ in range(EXTRA_PER_CLIENT):
        for client in CLIENTS:
            n += 1
            rows += _common.invoice_rows(rng, f"2026-{n:04d}", client, rng.randint(1, 4))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ledger.csv").write_text(_common.ledger_csv(rows), encoding="utf-8")
    return directory / "mailbot.toml", rows


def write_config(directory: Path, smtp_port: int, imap: DovecotServer | None) -> Path:
    # Reminders off: the passes here are about reading replies (and the reminder
    # templates may not exist yet).
    # Every invoice is mailed by the setup pass: any hour, and no first-run window (the
    # environment override, as [state] is written by _common).
    os.environ["MAILBOT_STATE__FIRST_RUN_DAYS"] = "36500"
    extra = '\n[chase]\nenabled = false\ninvoice_hours = "any"\n'

    extra += f'\n[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
    if imap is not None:
        extra += (
            f'\n[imap]\nhost = "127.0.0.1"\nport = {imap.port}\nsecurity = "none"\n'
            f'username = "{imap.user}"\npassword = "{imap.password}"\ntimeout = 60\n'
            'authserv_id = "mx.muster-design.example"\n'
        )
    text = _common.config_toml(CLIENTS, extra).replace(
        'tax_id = "DE123456789"', f'tax_id = "DE123456789"\nowner_email = "{OWNER}"', 1
    )
    config = directory / "mailbot.toml"
    config.write_text(text, encoding="utf-8")
    return config


def scenario_dir(base: Path, name: str, smtp_port: int, imap: DovecotServer) -> Path:
    """A copy of the base directory (ledger + the store after the sending pass)."""
    directory = base.parent / name
    shutil.copytree(base, directory)
    write_config(directory, smtp_port, imap)
    return directory


def db(directory: Path) -> sqlite3.Connection:
    return sqlite3.connect(directory / "var" / "mailbot.db", timeout=30)


# the mail -----------------------------------------------------------------------------


_HEAD_MSGID = re.compile(rb"(?im)^(message-id:[ \t]*)<[^>\r\n]*>")


def set_date(raw: bytes, when: datetime) -> bytes:
    head, sep, body = raw.partition(b"\r\n\r\n")
    date = email.utils.format_datetime(when).encode()
    head, found = re.subn(rb"(?im)^date:[^\r\n]*", b"Date: " + date, head, count=1)
    return (head if found else b"Date: " + date + b"\r\n" + head) + sep + body


def set_message_id(raw: bytes, message_id: str) -> bytes:
    """Replace the top-level Message-ID (attached originals keep theirs)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    head, found = _HEAD_MSGID.subn(rb"\g<1>" + message_id.encode(), head, count=1)
    if not found:
        head = f"Message-ID: {message_id}\r\n".encode() + head
    return head + sep + body


class Corpus:
    """The corpus .eml files as templates, re-threaded onto this run's sent Message-IDs."""

    def __init__(self, sent: dict[str, str], client_of: dict[str, str]):
        expected = tomllib.loads((CORPUS / "expected.toml").read_text(encoding="utf-8"))
        self.corpus_ids = {mid.encode(): inv for mid, inv in expected["sent"].items()}
        self.sent = sent  # invoice -> Message-ID mailbot sent
        self.by_client: dict[str, list[str]] = {}
        for invoice, client in client_of.items():
            if invoice in sent:
                self.by_client.setdefault(client, []).append(invoice)
        self.templates = {
            p.stem: p.read_bytes()
            for p in sorted((CORPUS / "corpus").glob("*.eml"))
            if p.stem not in SKIP_TEMPLATES
        }
        self.client_of = client_of

    def rethread(self, raw: bytes, rng: random.Random) -> bytes:
        """Each corpus invoice the mail refers to -> this run's Message-ID of that invoice
        (half the time) or of another invoice of the same client."""
        chosen: dict[str, str] = {}
        for corpus_id, invoice in self.corpus_ids.items():
            if corpus_id not in raw:
                continue
            if invoice not in chosen:
                target = invoice
                if rng.random() < 0.5:
                    target = rng.choice(self.by_client[self.client_of[invoice]])
                chosen[invoice] = target
            raw = raw.replace(corpus_id, self.sent[chosen[invoice]].encode())
        return raw

    def replies(self, n: int, rng: random.Random) -> tuple[list[bytes], Counter]:
        """``n`` messages: corpus replies, 1 % own forwards, 1 % exact duplicates."""
        names = list(self.templates)
        out: list[bytes] = []
        kinds: Counter = Counter()
        for i in range(n):
            roll = rng.random()
            if roll < 0.01 and out:
                out.append(rng.choice(out))  # the same mail again (sent to two addresses)
                kinds["duplicate"] += 1
                continue
            if roll < 0.02:
                out.append(own_forward(i))
                kinds["own forward"] += 1
                continue
            name = rng.choice(names)
            raw = self.rethread(self.templates[name], rng)
            out.append(set_message_id(raw, f"<bench.{i}.{rng.getrandbits(40):x}@{_domain(raw)}>"))
            kinds[name.split("_")[0]] += 1
        return out, kinds

    def thanks(self, n: int, rng: random.Random, tag: str) -> list[bytes]:
        """Small, threaded thank-yous from each client: handled without a forward."""
        clients = list(self.by_client)
        emails = {c.id: c.email for c in CLIENTS}
        out = []
        for i in range(n):
            client = clients[i % len(clients)]
            invoice = rng.choice(self.by_client[client])
            # All within mailbot's 30 days (older mail is left alone, without an event):
            # the store ends up with one reply event per message, as after years of use.
            day = READ_AT - timedelta(days=1, seconds=(n - i) * 25 * 86400 // n)  # 1-26 days
            out.append(plain_reply(f"<{tag}.{i}@{emails[client].split('@')[1]}>",
                                   self.sent[invoice], emails[client], THANKS[client],
                                   day))  # fmt: skip
        return out


def _domain(raw: bytes) -> str:
    found = re.search(rb"(?im)^from:.*@([a-z0-9.-]+)", raw)
    return found.group(1).decode() if found else "unknown.example"


def plain_reply(msgid: str, in_reply_to: str, sender: str, body: str, when: datetime) -> bytes:
    return (
        f"From: Client <{sender}>\r\nTo: billing@muster-design.example\r\n"
        f"Subject: Re: Invoice\r\nDate: {when.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
        f"Message-ID: {msgid}\r\nIn-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n"
    ).encode()


def own_forward(i: int) -> bytes:
    """A forward mailbot sent to the owner, when the owner's mailbox is the one read."""
    return (
        "From: mailbot for Muster Design <billing@muster-design.example>\r\n"
        f"To: {OWNER}\r\nSubject: [mailbot] question: Re: Invoice\r\n"
        "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
        f"Message-ID: <fwd.{i}.bench@muster-design.example>\r\n"
        "Auto-Submitted: auto-generated\r\nX-Mailbot: forward\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "question on invoice 2026-004 from buchhaltung@kaiser-soehne.example (verified).\r\n"
    ).encode()


# measuring ----------------------------------------------------------------------------


class Timers:
    """Wall time spent inside some functions during a pass (wrapped, then restored)."""

    def __init__(self, targets: list[tuple[object, str, str]]):
        self.targets = targets
        self.spent: Counter = Counter()
        self.calls: Counter = Counter()
        self.ended: dict[str, float] = {}  # perf_counter when the last call returned
        self.cpu_ended: dict[str, float] = {}  # process_time then
        self.saved: list[tuple[object, str, Callable]] = []

    def __enter__(self) -> Timers:
        for owner, attr, label in self.targets:
            original = getattr(owner, attr)
            self.saved.append((owner, attr, original))
            setattr(owner, attr, self._wrap(original, label))
        return self

    def _wrap(self, func: Callable, label: str) -> Callable:
        spent, calls, ended, clock = self.spent, self.calls, self.ended, time.perf_counter
        cpu_ended, cpu_clock = self.cpu_ended, time.process_time

        def timed(*args, **kwargs):
            t0 = clock()
            try:
                return func(*args, **kwargs)
            finally:
                ended[label], cpu_ended[label] = clock(), cpu_clock()
                spent[label] += ended[label] - t0
                calls[label] += 1

        return timed

    def __exit__(self, *exc: object) -> None:
        for owner, attr, original in reversed(self.saved):
            setattr(owner, attr, original)


def breakdown_targets() -> list[tuple[object, str, str]]:
    from imapclient import IMAPClient

    return [
        (run_pass, "read_inbox", "read_inbox"),
        (inbound, "known_world", "known_world"),
        (inbound, "classify", "classify"),
        (inbound, "_forward", "forward (build)"),
        (inbound, "build_forward", "  build_forward"),
        (Store, "outbox", "store.outbox()"),
        (Store, "record_reply", "record_reply"),
        (ImapInbox, "mark_handled", "mark_handled"),
        (IMAPClient, "add_flags", "  of which STORE"),
        (IMAPClient, "fetch", "FETCH"),
        (IMAPClient, "search", "SEARCH"),
        (sending, "send_claimed", "send forwards"),
        (run_pass, "load_ledger", "load_ledger"),
        (Mailer, "__init__", "Mailer()"),
        (Store, "events", "store.events()"),
        (policy, "group_facts", "group_facts"),
    ]


class BatchedKeywords(ImapInbox):
    """mailbot's IMAP reader, except that ``$MailbotHandled`` goes out 100 UIDs per STORE
    instead of one STORE per message (everything else, the watermark included, is
    mailbot's own code).  Used for the first pass over the big folder, which otherwise
    takes minutes (see the README), and to show what batching would gain."""

    def connect(self):
        client = super().connect()
        real, pending = client.add_flags, []

        def add_flags(messages, flags, silent=False):
            pending.extend(messages)
            if len(pending) >= 100:
                real(list(pending), flags, silent=silent)
                pending.clear()

        def flush():
            if pending:
                real(list(pending), [HANDLED], silent=True)
                pending.clear()

        client.add_flags, self.flush = add_flags, flush
        return client

    def close(self) -> None:
        if self.client is not None:
            self.flush()
        super().close()


def ingest_pass(config: Path, batched: bool = False) -> tuple[float, float, float, Timers]:
    """One in-process pass: seconds until every message is recorded, for the whole pass,
    and the CPU seconds of this process until every message is recorded."""
    settings = load_settings(config)
    timers = Timers(breakdown_targets())
    with timers:
        t0, cpu0 = time.perf_counter(), time.process_time()
        inbox = BatchedKeywords(settings.imap, resolve=settings.resolve) if batched else None
        run_pass.run_once(settings, READ_AT, inbox=inbox)
        if inbox is not None:
            inbox.close()
        total = time.perf_counter() - t0
    # read_inbox returns right after the last message is recorded; what came before it
    # in the pass (load_ledger, Mailer, Store) counts too.
    recorded = timers.ended["read_inbox"] - t0
    return recorded, total, timers.cpu_ended["read_inbox"] - cpu0, timers


def empty_pass(config: Path) -> tuple[float, Timers]:
    """A pass with nothing new (what each wake-up of the service costs besides new mail)."""
    settings = load_settings(config)  # the first pass in this process warmed imports and caches
    timers = Timers(breakdown_targets())
    with timers:
        t0 = time.perf_counter()
        run_pass.run_once(settings, READ_AT)
        return time.perf_counter() - t0, timers


def handled_counts(directory: Path) -> dict[str, int]:
    with contextlib.closing(db(directory)) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "imap keys": one("SELECT count(*) FROM inbox_seen WHERE message_key LIKE 'imap:%'"),
            "reply events": one("SELECT count(*) FROM events WHERE type = 'reply'"),
            "failed": one("SELECT count(*) FROM inbox_seen WHERE message_key LIKE 'failed:%'"),
            "forwards": one("SELECT count(*) FROM outbox WHERE kind = 'forward'"),
            "forwards sent": one("SELECT count(*) FROM outbox WHERE kind = 'forward' AND status = 'sent'"),
        }


def intents(directory: Path) -> str:
    with contextlib.closing(db(directory)) as conn:
        rows = conn.execute(
            "SELECT intent, count(*) FROM events WHERE type = 'reply' GROUP BY intent ORDER BY 2 DESC"
        ).fetchall()
        matched = conn.execute(
            "SELECT count(*) FROM events WHERE type = 'reply' AND invoice != ''"
        ).fetchone()[0]
    return ", ".join(f"{i} {n}" for i, n in rows) + f"; {matched} matched to an invoice"


def idle_notice_delays(server: DovecotServer, messages: list[bytes]) -> tuple[list[float], list[float]]:
    """Seconds from APPEND returning to EXISTS at a bare IDLE watcher (the server's delay),
    and what the server then takes to answer a bare client's UID SEARCH + FETCH of the
    new message (the IMAP part of mailbot's work on new mail, without mailbot)."""
    delays, fetches = [], []
    with server.client() as watcher, server.client() as appender:
        exists = watcher.select_folder("INBOX")[b"EXISTS"]
        last = max(watcher.search("ALL"), default=0)
        for raw in messages:
            watcher.idle()
            time.sleep(0.05)
            appender.append("INBOX", raw)
            appended = time.perf_counter()
            responses: list = []
            while (exists + 1, b"EXISTS") not in responses:
                if time.perf_counter() - appended > 5:
                    raise RuntimeError(f"no EXISTS within 5 s: {responses!r}")
                responses += watcher.idle_check(timeout=1)
            delays.append(time.perf_counter() - appended)
            watcher.idle_done()
            t0 = time.perf_counter()
            uids = [u for u in watcher.search(["UID", f"{last + 1}:*"]) if u > last]
            assert len(watcher.fetch(uids, ["BODY.PEEK[]"])) == 1
            fetches.append(time.perf_counter() - t0)
            exists, last = exists + 1, uids[0]
    return delays, fetches


class Service:
    """``mailbot run`` as ops start it: a separate process, stopped with SIGTERM."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.log = directory / "service.log"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("MAILBOT_CONFIG", None)
        config = directory / "mailbot.toml"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "mailbot", "--config", str(config), "run",
                 "--interval", "300"],
                cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while b"mailbot running" not in self.log.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("mailbot run did not start:\n" + self.log.read_text())
            time.sleep(0.02)
        self.conn = db(directory)

    def last_event(self) -> int:
        return self.conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]

    def wait_idle(self, server: BenchDovecot, seconds: float = 60) -> float:
        """Until mailbot's connection is in IDLE (its pass is over); returns the wait."""
        t0 = time.perf_counter()
        while not server.idling():
            if time.perf_counter() - t0 > seconds:
                raise RuntimeError(f"mailbot did not go back to IDLE:\n{self.log_tail()}")
            if self.process.poll() is not None:
                raise RuntimeError(f"mailbot run exited:\n{self.log_tail()}")
            time.sleep(0.01)
        return time.perf_counter() - t0

    def latency(self, appender, raw: bytes, msgid: str, limit: float = 30) -> float | None:
        """APPEND returning -> the reply's event in SQLite (polled every 10 ms); None
        when it is not there within ``limit`` seconds."""
        after = self.last_event()
        appender.append("INBOX", raw)
        appended = time.perf_counter()
        query = "SELECT 1 FROM events WHERE id > ? AND type = 'reply' AND message_id = ?"
        while self.conn.execute(query, (after, msgid)).fetchone() is None:
            if time.perf_counter() - appended > limit:
                return None
            if self.process.poll() is not None:
                raise RuntimeError(f"mailbot run exited:\n{self.log_tail()}")
            time.sleep(0.01)
        return time.perf_counter() - appended

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        self.conn.close()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        if code != 0:
            print(f"  warning: mailbot run exited with {code}:\n{self.log_tail()}")


def service_latencies(
    server: BenchDovecot, directory: Path, probes: list[tuple[bytes, str]], race: bool
) -> tuple[list[float], float, float | None]:
    """Start the service; for each probe wait until it is in IDLE, APPEND, time it.
    Returns the latencies, the seconds from start until the service first waited in
    IDLE and, with ``race``, the latency of a reply APPENDed while a pass is running
    (right after the previous reply was recorded; None: not within RACE_LIMIT_S)."""
    t0 = time.perf_counter()
    service = Service(directory)
    try:
        service.wait_idle(server)
        ready = time.perf_counter() - t0
        with server.client() as appender:
            appender.select_folder("INBOX")
            samples = []
            for raw, msgid in probes[: len(probes) - 2 if race else len(probes)]:
                service.wait_idle(server)
                latency = service.latency(appender, raw, msgid)
                if latency is None:
                    raise RuntimeError(f"{msgid} not recorded within 30 s:\n{service.log_tail()}")
                samples.append(latency)
            during = None
            if race:
                (first_raw, first_id), (raw, msgid) = probes[-2:]
                service.wait_idle(server)
                service.latency(appender, first_raw, first_id)
                during = service.latency(appender, raw, msgid, limit=RACE_LIMIT_S)
    finally:
        service.stop()
    return samples, ready, during


def probes(corpus: Corpus, rng: random.Random, n: int, tag: str) -> list[tuple[bytes, str]]:
    """New replies to APPEND: human replies from the corpus (en, de, fi, fr), re-threaded."""
    names = [k for k in corpus.templates if k.split("_")[0] in ("en", "de", "fi", "fr")]
    out = []
    for i in range(n):
        raw = corpus.rethread(corpus.templates[rng.choice(names)], rng)
        msgid = f"<{tag}.{i}.{rng.getrandbits(40):x}@{_domain(raw)}>"
        # Dated now: the service reads with the real clock, and mail older than 30 days
        # is left alone.
        raw = set_date(set_message_id(raw, msgid), datetime.now(UTC))
        out.append((raw, msgid))
    return out


def code_version() -> str:
    """The commit measured, and whether mailbot/ had uncommitted changes (others edit it)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, timeout=10).stdout.strip()  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain", "mailbot"], cwd=ROOT, text=True,
                               capture_output=True, timeout=10).stdout.strip()  # fmt: skip
    except OSError:
        return "commit unknown"
    return f"commit {head or '?'}" + (" + uncommitted changes in mailbot/" if dirty else "")


def describe_race(latency: float | None) -> str:
    if latency is None:
        return (f"NOT recorded within {RACE_LIMIT_S:.0f} s (lost wakeup: it waits for the next "
                "mail or the next periodic pass)")  # fmt: skip
    return f"recorded after {latency:.3f} s"


def breakdown_line(timers: Timers) -> str:
    parts = ("classify", "record_reply", "mark_handled", "  of which STORE", "FETCH")
    return ", ".join(f"{p.strip()} {timers.spent[p]:.1f} s" for p in parts)


def fmt_s(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


# main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=5000)
    parser.add_argument("--old", type=int, default=50_000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--what-if", action="store_true",
                        help="ingest again with the keyword STORE batched 100 per command")  # fmt: skip
    parser.add_argument(
        "--stock-first-pass",
        action="store_true",
        help="big folder: first pass with one STORE per message (minutes)",
    )
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also cProfile an ingest pass over N replies")  # fmt: skip
    args = parser.parse_args()
    print(f"imap_ingest benchmark: {machine()}; load average {os.getloadavg()[0]:.2f}; "
          f"{code_version()}")  # fmt: skip
    started = time.perf_counter()
    rng = random.Random(SEED)
    tmp = Path(tempfile.mkdtemp(prefix="mb-imap-"))
    # mailbot logs as `mailbot run` does (INFO, a line per reply), into a file.
    logging.basicConfig(filename=tmp / "mailbot.log", level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")  # fmt: skip
    try:
        with smtp_server() as (smtp_port, smtp_count):
            return run(args, rng, tmp, smtp_port, smtp_count, started)
    finally:
        logging.shutdown()
        complaints = [line for path in sorted(tmp.rglob("*.log")) if path.name != "dovecot.log"
                      for line in path.read_text(errors="replace").splitlines()
                      if " WARNING " in line or " ERROR " in line]  # fmt: skip
        if complaints:
            print(f"note: mailbot logged {len(complaints)} warnings/errors, the first: "
                  f"{complaints[0]}")  # fmt: skip
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, rng: random.Random, tmp: Path, smtp_port: int, smtp_count, started) -> int:
    # Setup: send every invoice once, so replies can thread to real Message-IDs.
    base = tmp / "base"
    _config, rows = write_base(base)
    write_config(base, smtp_port, None)
    t0 = time.perf_counter()
    report = run_pass.run_once(load_settings(base / "mailbot.toml"), SENT_AT)
    with contextlib.closing(db(base)) as conn:
        sent = dict(conn.execute("SELECT invoice, message_id FROM outbox WHERE kind = 'invoice'"))
    client_of = {r[0]: r[1] for r in rows if r[1]}
    print(f"setup: {len(CLIENTS)} clients (the reply corpus's), {len(client_of)} invoices; "
          f"sending pass {time.perf_counter() - t0:.1f} s, {len(report.sent)} invoices "
          f"sent to aiosmtpd")  # fmt: skip
    if len(sent) != len(client_of):
        print(f"FAIL: only {len(sent)} of {len(client_of)} invoices were sent")
        return 1
    corpus = Corpus(sent, client_of)

    # 1. Ingest ----------------------------------------------------------------------
    messages, kinds = corpus.replies(args.replies, rng)
    size = sum(map(len, messages))
    print(f"\n1. ingest: {len(messages)} messages from {len(corpus.templates)} corpus templates, "
          f"{size / 1e6:.1f} MB (mean {size / len(messages) / 1024:.1f} KiB); "
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))  # fmt: skip
    with dovecot(messages) as (server, written, indexed):
        print(f"  fill (not timed by the target): Maildir files {written:.2f} s, Dovecot "
              f"indexing on first SELECT {indexed:.2f} s")  # fmt: skip
        directory = scenario_dir(base, "ingest", smtp_port, server)
        before = smtp_count.value
        recorded, total, cpu, timers = ingest_pass(directory / "mailbot.toml")
        counts = handled_counts(directory)
        forwards_arrived = smtp_count.value - before
    expected_events = len(messages) - kinds["duplicate"] - kinds["own forward"]
    ok_count = counts["imap keys"] == len(messages) and counts["reply events"] == expected_events
    rate = len(messages) / recorded
    print(f"  in-process run_once: all {counts['imap keys']} handled and recorded "
          f"{recorded:.2f} s after the pass started = {rate:.0f} messages/s ({cpu:.2f} s CPU "
          f"in this process); whole pass {total:.2f} s (then {counts['forwards']} forwards "
          f"claimed; {forwards_arrived} mails reached SMTP: forwards and acknowledgments)")  # fmt: skip
    print(f"  recorded: {counts['reply events']} reply events (expected {expected_events}: "
          f"minus {kinds['duplicate']} duplicates and {kinds['own forward']} own forwards), "
          f"{counts['failed']} failed")  # fmt: skip
    print(f"  intents: {intents(directory)}")
    print("  where the pass went (wall s, calls):")
    for label in ("read_inbox", "known_world", "FETCH", "SEARCH", "classify", "record_reply",
                  "claim forward", "  build_forward", "store.outbox()", "mark_handled",
                  "  of which STORE", "send forwards"):  # fmt: skip
        print(f"    {label:18s} {timers.spent[label]:7.2f} s  {timers.calls[label]:6d}")
    if not ok_count:
        print(f"  FAIL: counts are wrong: {counts}")
    ok_ingest = ok_count and recorded < TARGET_INGEST_S

    if args.what_if:  # the same mail, the keyword STORE batched: what a fix would gain
        with dovecot(messages) as (server, _written, _indexed):
            directory = scenario_dir(base, "ingest-batched", smtp_port, server)
            what_if, _total, _cpu, batched_timers = ingest_pass(directory / "mailbot.toml", True)
            assert handled_counts(directory)["imap keys"] == len(messages)
        print(f"  what-if, the same {len(messages)} with $MailbotHandled set 100 UIDs per STORE "
              f"(not mailbot's code): all recorded in {what_if:.2f} s = "
              f"{len(messages) / what_if:.0f} messages/s; {breakdown_line(batched_timers)}")  # fmt: skip

    if args.profile:
        profile_ingest(corpus, rng, base, smtp_port, args.profile)

    # 2. Big folder vs small folder ----------------------------------------------------
    results = {}
    for name, n_old in (("big", args.old), ("small", args.small)):
        old = corpus.thanks(n_old, rng, f"old-{name}")
        print(f"\n2. {name} folder: {n_old} old replies ({sum(map(len, old)) / 1e6:.1f} MB)")
        with dovecot(old) as (server, written, indexed):
            print(f"  fill: Maildir files {written:.2f} s, Dovecot indexing {indexed:.2f} s")
            directory = scenario_dir(base, name, smtp_port, server)
            config = directory / "mailbot.toml"
            first, _total, _cpu, timers = ingest_pass(config, batched=not args.stock_first_pass)
            counts = handled_counts(directory)
            how = "mailbot's own" if args.stock_first_pass else "STOREs batched x100"
            print(f"  first pass ({how}; moves the watermark to the top; not a target): "
                  f"{first:.2f} s for {counts['imap keys']} messages, "
                  f"{counts['reply events']} reply events, {counts['forwards']} forwards; "
                  f"{breakdown_line(timers)}")  # fmt: skip
            empty, timers = empty_pass(config)
            if args.profile and name == "big":
                settings = load_settings(config)
                profile_call(functools.partial(run_pass.run_once, settings, READ_AT),
                             f"a pass with nothing new, {n_old} handled", 20)  # fmt: skip
            print(f"  a pass with nothing new, in-process: {empty:.3f} s; before the inbox is "
                  f"read: load_ledger {timers.spent['load_ledger'] * 1e3:.0f} ms, Mailer() "
                  f"{timers.spent['Mailer()'] * 1e3:.0f} ms, known_world "
                  f"{timers.spent['known_world'] * 1e3:.0f} ms; in the whole pass store.events() "
                  f"{timers.spent['store.events()'] * 1e3:.0f} ms in "
                  f"{timers.calls['store.events()']} calls, group_facts "
                  f"{timers.spent['group_facts'] * 1e3:.0f} ms in {timers.calls['group_facts']}")  # fmt: skip
            delays, fetches = idle_notice_delays(server, [p[0] for p in probes(corpus, rng, 5, "idle")])
            race = name == "small"
            n_samples = args.samples if name == "small" else 5
            probe = probes(corpus, rng, n_samples + (2 if race else 0), f"new-{name}")
            samples, ready, during = service_latencies(server, directory, probe, race)
        notice = median(delays)
        results[name] = (samples, notice, median(fetches), timers.spent["known_world"])
        print(f"  Dovecot IDLE notice delay (bare IMAPClient watcher, {len(delays)} APPENDs): "
              f"{fmt_s(delays)} s, median {notice:.3f} s; then its UID SEARCH + FETCH of the "
              f"new mail: median {median(fetches) * 1e3:.0f} ms")  # fmt: skip
        print(f"  mailbot run (subprocess): in IDLE {ready:.2f} s after start; APPEND (once it "
              f"waits in IDLE) -> recorded, {len(samples)} samples: {fmt_s(samples)} s")  # fmt: skip
        print(f"  median {median(samples):.3f} s raw, {median(samples) - notice:.3f} s after "
              f"the server's announcement")  # fmt: skip
        if race:
            print(f"  a reply APPENDed while a pass runs (just after the previous one was "
                  f"recorded): {describe_race(during)}")  # fmt: skip

    big, small = results["big"], results["small"]
    after_big = median(big[0]) - big[1]
    after_small = median(small[0]) - small[1]
    ok_big = after_big < TARGET_AFTER_NOTICE_S
    ok_equal = after_big - after_small < ABOUT_EQUAL_S
    idle = small[0]
    ok_idle = median(idle) < TARGET_IDLE_MEDIAN_S

    print("\n=== summary ===")
    print(f"ingest: {len(messages)} replies waiting in Dovecot, one in-process run_once: all "
          f"recorded in {recorded:.2f} s = {rate:.0f} messages/s ({cpu:.2f} s CPU), whole pass "
          f"{total:.2f} s "
          f"(target < {TARGET_INGEST_S:.0f} s: {verdict(ok_ingest)})")  # fmt: skip
    print(f"big folder: {args.old} handled + 1 new: APPEND -> recorded {median(big[0]):.3f} s "
          f"median of {len(big[0])}, minus Dovecot's IDLE delay {big[1]:.3f} s = "
          f"{after_big:.3f} s (target < {TARGET_AFTER_NOTICE_S} s: {verdict(ok_big)})")  # fmt: skip
    print(f"small folder: {args.small} handled + 1 new: {median(small[0]):.3f} s raw, "
          f"{after_small:.3f} s after the announcement; big - small = "
          f"{after_big - after_small:+.3f} s (about equal, < {ABOUT_EQUAL_S} s: "
          f"{verdict(ok_equal)}); of the difference, Dovecot's SEARCH + FETCH of the new "
          f"mail {(big[2] - small[2]) * 1e3:+.0f} ms, mailbot's known_world before it "
          f"{(big[3] - small[3]) * 1e3:+.0f} ms")  # fmt: skip
    print(f"IDLE latency APPEND -> recorded, {len(idle)} samples ({args.small}-message folder): "
          f"min {min(idle):.3f} / median {median(idle):.3f} / max {max(idle):.3f} s "
          f"(target median < {TARGET_IDLE_MEDIAN_S} s: {verdict(ok_idle)})")  # fmt: skip
    print(f"note (not a target): a reply that arrives during a pass: {describe_race(during)}")
    print(f"total benchmark time {time.perf_counter() - started:.0f} s; load average now "
          f"{os.getloadavg()[0]:.2f} (other processes on these 2 cores slow every figure)")  # fmt: skip
    return 0 if ok_ingest and ok_big and ok_equal and ok_idle else 1


def profile_ingest(corpus: Corpus, rng: random.Random, base: Path, smtp_port: int, n: int):
    messages, _ = corpus.replies(n, rng)
    with dovecot(messages) as (server, _written, _indexed):
        directory = scenario_dir(base, "profile", smtp_port, server)
        settings = load_settings(directory / "mailbot.toml")
        run = functools.partial(run_pass.run_once, settings, READ_AT)
        profile_call(run, f"ingest pass over {n} replies", 25)


def profile_call(func: Callable, what: str, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    func()
    profiler.disable()
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(top)
        print(f"\ncProfile, {what}, top {top} by {key}:\n{out.getvalue()}")


if __name__ == "__main__":
    sys.exit(main())
