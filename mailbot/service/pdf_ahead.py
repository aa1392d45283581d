"""The PDFs of the next invoice mails, made in other processes while this one sends.

An invoice PDF costs about 0.2 s of CPU (WeasyPrint's layout), a whole mail without it
about 3 ms: a pass that mails 1,000 new invoices spends nearly all its time on PDFs.  On a
machine with more than one core, and a batch of at least ``MIN_MAILS`` invoice mails with
a PDF, the PDFs of the next ``LOOK_AHEAD_PER_WORKER`` mails a worker render in a process
pool while the main process builds and sends the mail at hand, **in the order the mails
were claimed**: the first mail goes out as soon as its own PDF is ready, not after the batch.
The workers take 2-3 s to start (Python, WeasyPrint, the fonts), so the pass's first
invoice mail has its PDF made in the main process, as without a pool, and the workers are
started once it is made (started before, they take the cores it needs): it goes out as
early as it did before.

Why it is crash-safe: a worker gets an invoice, the pass's ``now`` and the settings, and
returns the files; it never opens the state file, never sends and never writes anything.
Claiming, sending and recording stay in the main process, one mail at a time as before, so
a claim means what it meant.  A PDF made for a mail that is then not sent (paid since it was
claimed, a stop request, a crash) is dropped.  A PDF that fails in a worker is made again
in the main process (the mail is then held there, with the error, as before); a worker that
dies breaks the pool, and the rest of the pass makes its PDFs in the main process.

Workers are *spawned*, not forked: a fork would copy the open SQLite connection, the
outbox's socket and the service's threads and locks into a process that must touch none.
A worker's log lines (an invoice without its e-invoice, say) come back with its files and
are logged here.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from mailbot.config.settings import Settings
from mailbot.ledger.read import Invoice
from mailbot.outbound import documents, pdf
from mailbot.outbound.compose import FileAttachment
from mailbot.outbound.mails import Mailer
from mailbot.outbound.render import Renderer
from mailbot.outbound.sources import Sources

log = logging.getLogger(__name__)
MIN_MAILS = 4  # fewer invoice mails: starting workers (about 1.5 s each) costs more than it saves
MAX_WORKERS = 4  # each worker holds WeasyPrint, its fonts and a Mailer: about 100 MB
LOOK_AHEAD_PER_WORKER = 2  # PDFs waiting or in the making a worker: none idle, few thrown away
PARENT_CHECK_S = 1.0  # how often a worker looks whether the main process still runs

LogLine = tuple[str, int, str]  # logger name, level, message


def cores() -> int:
    """The cores this process may run on (a container's share, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # (not Linux)
        return os.cpu_count() or 1


class PdfAhead:
    """The PDFs of one pass's invoice mails, made ahead in a process pool.

    ``plan`` names a batch's invoice mails in sending order; ``files`` then gives a mail's
    files, waiting for them if need be, or ``None``: not made ahead (make them in place).
    Without a pool (one core, a small batch) ``files`` is always ``None``."""

    def __init__(self, mailer: Mailer, now: datetime, workers: int = 0) -> None:
        self.mailer, self.now = mailer, now
        self.workers = workers or min(cores(), MAX_WORKERS)
        self._pool: ProcessPoolExecutor | None = None
        self._queue: list[tuple[str, Invoice]] = []  # (message id, invoice), in sending order
        self._next = 0  # the next of ``_queue`` to hand to the pool
        self._first: str | None = None  # the pass's first PDF mail, made before the pool starts
        self._made: dict[str, Future] = {}  # by message id, in sending order
        self._broken = False

    def plan(self, mails: Sequence[tuple[str, Invoice]]) -> None:
        """A batch's invoice mails that carry a PDF, ``(message id, invoice)`` in the order they go out."""
        self._drop(self._made)
        self._queue, self._next, self._first = [], 0, None
        if self.workers > 1 and len(mails) >= MIN_MAILS and not self._broken:
            self._queue = list(mails)  # (left empty, every PDF is made in place)
            if self._pool is None:  # the pass's first: made here, the workers start after it
                self._first, self._next = mails[0][0], 1
            else:
                self._top_up()

    def files(self, message_id: str) -> list[FileAttachment] | None:
        """The mail's files if they were made ahead (waiting for them), else ``None``."""
        if message_id == self._first:  # made here; the workers start with the next mail
            self._first = None
            return None
        self._top_up()
        if message_id not in self._made:
            return None
        passed = []  # mails before this one that were not sent (paid, released): not wanted
        for key in self._made:
            if key == message_id:
                break
            passed.append(key)
        self._drop(passed)
        made = self._made.pop(message_id)
        self._top_up()  # the workers go on with the next ones while this one is awaited
        try:
            files, lines = made.result()
        except BrokenProcessPool:
            log.warning("a PDF worker died; the pass makes the rest of its PDFs itself")
            self._broken = True
            self._drop(self._made)
            return None
        except Exception:  # made again in place: the error is logged there, the mail held
            return None
        for name, level, message in lines:
            logging.getLogger(name).log(level, "%s", message)
        return files

    def _top_up(self) -> None:
        wanted = self.workers * LOOK_AHEAD_PER_WORKER
        while not self._broken and len(self._made) < wanted and self._next < len(self._queue):
            message_id, invoice = self._queue[self._next]
            self._next += 1
            try:
                self._made[message_id] = self._executor().submit(_files_of, invoice, self.now)
            except BrokenProcessPool:
                self._broken = True

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            spawn = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=spawn, initializer=_start,
                initargs=(_values(self.mailer.settings), self.mailer.renderer.sources),
            )  # fmt: skip
        return self._pool

    def _drop(self, keys) -> None:
        for key in list(keys):
            self._made.pop(key).cancel()  # (a PDF in the making finishes; nobody reads it)

    def close(self) -> None:
        """Stop the workers: what is queued is cancelled, a PDF in the making ends first."""
        self._drop(self._made)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


@contextmanager
def pdfs_ahead(mailer: Mailer, now: datetime) -> Iterator[PdfAhead]:
    """A ``PdfAhead`` for one sending pass; its workers are stopped when the pass ends."""
    ahead = PdfAhead(mailer, now)
    try:
        yield ahead
    finally:
        ahead.close()


def wants_pdf(settings: Settings, invoice: Invoice) -> bool:
    """Whether the invoice's mail carries a PDF made on this machine."""
    client = settings.clients.get(invoice.client_id)
    return client is not None and documents.wants_pdf(settings, client) and not pdf.missing()


def _values(settings: Settings) -> dict[str, Any]:
    """The settings as the pass read them, to hand to a worker: their values, not the config
    file (it may be edited meanwhile) nor the class ``load_settings`` made (not picklable)."""
    return {name: getattr(settings, name) for name in type(settings).model_fields}


# --- In the worker process -------------------------------------------------------------------

_worker: Mailer | None = None


def _start(values: dict[str, Any], sources: Sources) -> None:
    """A worker's one Mailer: the main process's settings and templates of this pass."""
    global _worker
    _worker = Mailer(Settings.model_construct(**values), Renderer(sources))
    logging.getLogger("mailbot").propagate = False  # its lines go back with the files (_Collect)
    # Ctrl-C reaches the terminal's whole process group: the main process stops the pass
    # after the mail at hand (whose PDF a worker may be making), and then the pool.  SIGTERM
    # keeps its default: the pool uses it to end its workers (systemd's stop, which reaches
    # them too, leaves the mail at hand to be made in the main process).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with, args=(os.getppid(),), daemon=True).start()


def _end_with(parent: int) -> None:
    """End this worker once the main process is gone: killed (SIGKILL, the OOM killer), it
    cannot stop its pool, and a worker waiting for work would wait, holding its memory,
    for ever (its queue's pipe stays open in the other workers)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _files_of(invoice: Invoice, now: datetime) -> tuple[list[FileAttachment], list[LogLine]]:
    """The invoice mail's files, and what was logged while they were made."""
    assert _worker is not None, "started by _start"
    lines: list[LogLine] = []
    handler = _Collect(lines)
    root = logging.getLogger("mailbot")
    root.addHandler(handler)
    try:
        return _worker.invoice_files(invoice, now), lines
    finally:
        root.removeHandler(handler)


class _Collect(logging.Handler):
    def __init__(self, lines: list[LogLine]) -> None:
        super().__init__(logging.INFO)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.name, record.levelno, record.getMessage()))
