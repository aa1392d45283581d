"""One pass (``run_once``): read and apply replies, decide, claim, send.

Only one pass runs at a time (a lock beside the state file); the service keeps
the parsed ledger between passes (``LedgerCache``).
"""

from __future__ import annotations

import fcntl
import gc
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from mailbot.config.settings import Settings
from mailbot.decide import policy
from mailbot.inbound.apply import read_inbox
from mailbot.inbound.digest import tidy
from mailbot.inbound.inbox import Inbox, InboxError, open_inbox
from mailbot.inbound.replies import Reply
from mailbot.ledger.read import Ledger, load_ledger
from mailbot.outbound.mails import Mailer
from mailbot.outbound.transport import open_outbox
from mailbot.records.kinds import Outcome
from mailbot.service.caches import FactsCache, LedgerCache
from mailbot.service.claims import claim, release_stale
from mailbot.service.daily_digest import send_daily
from mailbot.service.first_run import hold_back, refuse_if_the_mailbox_remembers
from mailbot.service.languages import client_languages
from mailbot.service.problem_log import ProblemLog
from mailbot.service.sending import send_claimed
from mailbot.service.smtp_backoff import BACKOFF
from mailbot.state.guard import StateError, check_place
from mailbot.state.store import Store

log = logging.getLogger(__name__)

BACKLOG = 1_000  # mails: a pass this busy lets go of the kept facts before it sends


@dataclass
class PassReport:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # could not be built: a template or address problem
    planned: list[str] = field(default_factory=list)  # --dry-run: what would go out
    skipped: list[str] = field(default_factory=list)  # a first run's invoices issued before its window
    problems: list[str] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    unusable: str = ""  # the ledger could not be used at all: why (no invoice could be read)
    inbox_error: str = ""  # the inbox could not be read this pass: why (a login refused, no server)
    locked: bool = False  # another pass held the lock: this one did nothing
    daily: str = ""  # the owner's daily digest this pass: sent, claimed, quiet, or "" (none due)

    def add(self, outcome: Outcome, invoices: list[str]) -> None:
        """Count a mail's invoices under what became of it (a skipped one is not reported)."""
        lists = {"sent": self.sent, "failed": self.failed, "retry": self.retry, "held": self.held}
        if outcome in lists:
            lists[outcome].extend(invoices)


def _read_replies(
    settings: Settings, store: Store, ledger: Ledger, now: datetime, inbox: Inbox | None, report: PassReport
) -> list[Reply]:
    """The inbox step of a pass; an unreachable mailbox must not stop the sending."""
    own = inbox is None
    box = inbox or open_inbox(settings)
    try:
        return read_inbox(box, store, settings, ledger, now)
    except InboxError as exc:
        log.warning("inbox not read this pass: %s", exc)
        report.inbox_error = str(exc)
        return []
    except sqlite3.Error:  # the state file failed (a full disk): the pass stops, told by the caller
        raise
    except Exception as exc:  # a bug or a broken folder must not stop the sending
        log.exception("inbox not read this pass")
        report.inbox_error = f"{type(exc).__name__}: {exc}"
        return []
    finally:
        if own:
            box.close()


def run_once(
    settings: Settings,
    now: datetime,
    dry_run: bool = False,
    inbox: Inbox | None = None,
    ledgers: LedgerCache | None = None,
    known: FactsCache | None = None,
    backfill: bool = False,
    problem_log: ProblemLog | None = None,
) -> PassReport:
    """One full pass: read and apply new replies, then send every mail that is due, once.

    Replies come first, so that a client who wrote "paid" an hour ago is not
    chased in the same pass.  ``inbox`` is the service's long-lived connection;
    without it the pass opens and closes its own.  ``ledgers`` and ``known``: what
    the service keeps between passes, the parsed ledger and the decision facts.
    ``backfill``: mail every invoice not yet sent, whatever its issue date (a first run
    otherwise skips those issued before ``[state] first_run_days``).
    ``problem_log``: the service's memory of the ledger problems it logged (each is
    logged once, not every pass); without it every problem is new.
    """
    ledger = ledgers.load(settings) if ledgers else load_ledger(settings)
    report = PassReport(problems=[str(p) for p in ledger.problems], unusable=unusable(ledger))
    (problem_log or ProblemLog()).report(report.problems)
    mailer = Mailer(settings)
    check_place(settings.state_path)  # (a folder, or one that cannot be made: before the lock beside it)
    with one_pass_at_a_time(settings.state_path) as alone:
        if not alone:
            log.warning("another mailbot pass is running on %s; this one does nothing", settings.state_path)
            report.problems.append("another pass is running")
            report.locked = True
            return report
        return _pass(settings, now, dry_run, inbox, ledger, report, mailer, known, backfill)


def unusable(ledger: Ledger) -> str:
    """Why the ledger cannot be used at all (not read, empty, its header broken), or "":
    not one invoice came out of it and it has problems.  A ledger with some bad rows is
    usable: its other invoices go on."""
    if ledger.invoices or not ledger.problems:
        return ""
    return str(ledger.problems[0])


def _tidy(store: Store, settings: Settings, now: datetime) -> None:
    """The digest of held-back mail and the retention: never a reason not to send."""
    try:
        tidy(store, settings, now)
    except Exception:
        log.exception("digest or retention failed this pass")


@contextmanager
def one_pass_at_a_time(state_path: Path) -> Iterator[bool]:
    """An exclusive lock beside the state file: the service and an owner's `run --once`
    (or two services) never send the same claimed mail twice."""
    state_path.parent.mkdir(parents=True, exist_ok=True)
    lock = state_path.with_name(state_path.name + ".lock")
    try:
        handle = open(lock, "w")  # noqa: PTH123, SIM115  (closed below, after the pass)
    except OSError as exc:  # (a folder that looks writable but is not: /sys, NFS, a security module)
        why = exc.strerror or exc
        raise StateError(f"{lock}: cannot make the lock file beside the state: {why}") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """The cyclic collector held off while a pass decides.

    Deciding allocates hundreds of thousands of small objects and makes no cycles; the
    collector would rescan every live one again and again (about a third of the CPU
    time of a pass on 100,000 invoices, benchmarks/decide.py). The facts die before it
    runs again, so it never scans them. Only the service switches it: pure code never does.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _pass(settings, now, dry_run, inbox, ledger, report, mailer, known, backfill) -> PassReport:
    with Store(settings.state_path) as store:
        refuse_if_the_mailbox_remembers(store, settings, inbox)
        if dry_run:
            return _plan(settings, now, ledger, report, mailer, store, backfill)
        _tidy(store, settings, now)  # first: expired mails make room for the new ones
        interrupted = store.unfinished_attempts()
        if interrupted:  # the inbox may kill this pass again: what is due goes out first
            log.warning("the last pass died reading %s: sending before reading the inbox",
                        ", ".join(interrupted[:5]))  # fmt: skip
            _decide_and_send(settings, now, ledger, report, mailer, known, store, backfill)
        report.replies = _read_replies(settings, store, ledger, now, inbox, report)
        _decide_and_send(settings, now, ledger, report, mailer, known, store, backfill)
        report.daily = _daily(store, settings, ledger, mailer, now)
    return report


def _daily(store: Store, settings: Settings, ledger: Ledger, mailer: Mailer, now: datetime) -> str:
    """The owner's daily digest, last (it reports this pass too): never a reason to fail one."""
    try:
        return send_daily(store, settings, ledger, mailer.renderer, now)
    except Exception:
        log.exception("the daily digest failed this pass")
        return ""


def _decide(
    settings, now, ledger, store, facts_of, backfill, write, mailer
) -> tuple[list[policy.Action], list[str]]:
    """Today's actions without the invoices a first run holds back, and those it skipped
    anew (``write``: recorded; a dry run only reports them)."""
    first = store.first_run()
    learned = client_languages(store, settings, mailer.renderer.sources.languages)
    with no_cycle_collection():
        facts = facts_of()
        actions = policy.next_actions(ledger.valid(), facts, settings.clients, now, settings.chase, learned)
        del facts  # the send step reads its own (with Message-IDs): not both at once
    if backfill:
        return actions, []
    return hold_back(store, settings, ledger, actions, now, first, write)


def _decide_and_send(settings, now, ledger, report, mailer, known, store, backfill) -> None:
    release_stale(store, settings, ledger, now)  # decided anew below, with today's
    facts_of = partial(known.load, store, settings.state_path) if known is not None else store.decision_facts
    actions, skipped = _decide(settings, now, ledger, store, facts_of, backfill, write=True, mailer=mailer)
    report.skipped += skipped
    if known is not None and sum(a.kind != "note" for a in actions) > BACKLOG:
        known.forget()  # a backlog's sending holds many records: not the kept facts too
    claim(store, settings, ledger, actions, now)
    if BACKOFF.waiting():  # the server refused everything lately: the claims wait (smtp_backoff)
        return
    sent, retry = len(report.sent), len(report.retry)
    with open_outbox(settings) as outbox:
        send_claimed(store, outbox, mailer, ledger, now, report)
    BACKOFF.after(len(report.sent) - sent, len(report.retry) - retry)


def _plan(settings, now, ledger, report, mailer, store, backfill) -> PassReport:
    """--dry-run: what would go out, rendered (a template error shows now), nothing written."""
    facts_of = partial(store.decision_facts, save=False)  # a dry run writes nothing
    actions, report.skipped = _decide(settings, now, ledger, store, facts_of, backfill, write=False,
                                      mailer=mailer)  # fmt: skip
    report.planned = [f"{a.invoice} {a.kind}" for a in actions if a.kind != "note"]
    for action in actions:  # render anyway: a template error shows now, not later
        if action.kind in ("invoice", "reminder", "final", "ack", "receipt"):
            mailer.build(ledger.invoices[action.invoice], action.kind, "<dry@run>", now)
    return report
