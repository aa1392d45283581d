"""The loop: read the ledger, decide, claim, render, send, record.

This is the only module that reads the clock.  One pass is ``run_once``; the
service (``mailbot run``) repeats it, and a signal only sets a flag so the
current mail is finished before the process exits (a warm stop).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import schedule

from mailbot.config.settings import Settings
from mailbot.decide import policy
from mailbot.inbound.apply import read_inbox
from mailbot.inbound.forward import to_owner
from mailbot.inbound.inbox import Inbox, InboxError, open_inbox
from mailbot.inbound.replies import Reply
from mailbot.ledger.read import Invoice, Ledger, load_ledger
from mailbot.outbound.compose import Envelope, new_message_id
from mailbot.outbound.mails import Mailer
from mailbot.outbound.transport import Outbox, SendError, open_outbox
from mailbot.state.store import MANY, Event, OutboxRow, Store, detail_json, iso

log = logging.getLogger(__name__)
MAX_TRANSIENT_IN_A_ROW = 3  # a dead server should not cost one time-out per mail


def utcnow() -> datetime:
    """The system clock (so ``faketime`` works); nothing else in mailbot reads it."""
    return datetime.now(UTC)


@dataclass
class PassReport:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # could not be built: a template or address problem
    planned: list[str] = field(default_factory=list)  # --dry-run: what would go out
    problems: list[str] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)


def _read_replies(
    settings: Settings, store: Store, ledger: Ledger, now: datetime, inbox: Inbox | None
) -> list[Reply]:
    """The inbox step of a pass; an unreachable mailbox must not stop the sending."""
    own = inbox is None
    box = inbox or open_inbox(settings)
    try:
        return read_inbox(box, store, settings, ledger, now)
    except InboxError as exc:
        log.warning("inbox not read this pass: %s", exc)
        return []
    except Exception:  # a bug or a broken folder must not stop the sending
        log.exception("inbox not read this pass")
        return []
    finally:
        if own:
            box.close()


class LedgerCache:
    """The service reads the ledger again only when the file or the config changed.

    Parsing 100,000 invoices takes about 10 s, and the service passes every few
    minutes and whenever mail arrives.  The key is a hash of the file's bytes (a
    same-size edit within one timestamp tick counts too; hashing 30 MB takes ~50 ms)
    and the settings it is read with (clients, defaults, discount).
    """

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._ledger: Ledger | None = None

    def load(self, settings: Settings) -> Ledger:
        try:
            content = hashlib.blake2b(settings.ledger_path.read_bytes(), digest_size=16).digest()
        except OSError:
            return load_ledger(settings)  # it reports what is wrong
        key = (str(settings.ledger_path), content, settings.model_dump_json())
        if self._ledger is None or key != self._key:
            self._ledger, self._key = load_ledger(settings), key
        return self._ledger


def run_once(
    settings: Settings,
    now: datetime,
    dry_run: bool = False,
    inbox: Inbox | None = None,
    ledgers: LedgerCache | None = None,
) -> PassReport:
    """One full pass: read and apply new replies, then send every mail that is due, once.

    Replies come first, so that a client who wrote "paid" an hour ago is not
    chased in the same pass.  ``inbox`` is the service's long-lived connection;
    without it the pass opens and closes its own.  ``ledgers``: the service's
    cache of the parsed ledger.
    """
    ledger = ledgers.load(settings) if ledgers else load_ledger(settings)
    report = PassReport(problems=[str(p) for p in ledger.problems])
    for problem in ledger.problems:
        log.warning("%s", problem)
    mailer = Mailer(settings)
    with one_pass_at_a_time(settings.state_path) as alone:
        if not alone:
            log.warning("another mailbot pass is running on %s; this one does nothing", settings.state_path)
            report.problems.append("another pass is running")
            return report
        return _pass(settings, now, dry_run, inbox, ledger, report, mailer)


@contextmanager
def one_pass_at_a_time(state_path: Path) -> Iterator[bool]:
    """An exclusive lock beside the state file: the service and an owner's `run --once`
    (or two services) never send the same claimed mail twice."""
    state_path.parent.mkdir(parents=True, exist_ok=True)
    with open(state_path.with_name(state_path.name + ".lock"), "w") as handle:  # noqa: PTH123
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pass(settings, now, dry_run, inbox, ledger, report, mailer) -> PassReport:
    with Store(settings.state_path) as store:
        if not dry_run:
            report.replies = _read_replies(settings, store, ledger, now, inbox)
        # The facts die before the collector runs again: it never scans 100,000 of them.
        with policy.no_cycle_collection():
            facts = store.decision_facts(save=not dry_run)  # a dry run writes nothing
            actions = policy.next_actions(ledger.valid(), facts, settings.clients, now, settings.chase)
            del facts  # the send step reads its own (with Message-IDs): not both at once
        if dry_run:
            report.planned = [f"{a.invoice} {a.kind}" for a in actions if a.kind != "note"]
            for action in actions:  # render anyway: a template error shows now, not later
                if action.kind in ("invoice", "reminder", "final", "ack", "receipt"):
                    mailer.build(ledger.invoices[action.invoice], action.kind, "<dry@run>", now)
            return report
        _claim(store, settings, actions, now)
        with open_outbox(settings) as outbox:
            _send_claimed(store, outbox, mailer, ledger, now, report)
    return report


def _claim(store: Store, settings: Settings, actions: list[policy.Action], now: datetime) -> None:
    """Write every decided mail into the outbox before anything is sent (claim, then send)."""
    groups: dict[tuple, list[policy.Action]] = {}
    for action in actions:
        key = ("group", action.group) if action.group else (action.kind, action.invoice, action.step)
        groups.setdefault(key, []).append(action)
    for group in groups.values():
        first = group[0]
        if first.kind == "note":
            if not store.has_note(first.invoice, first.about):
                store.add_event(Event(first.invoice, iso(now), "note", detail=first.about))
            continue
        if first.kind == "notice":
            _claim_notice(store, settings, first, now)
            continue
        message_id = new_message_id(settings.domain, f"{first.kind}-{first.invoice}")
        for action in group:
            detail = detail_json(
                reasons=list(action.reasons) or None, group=list(action.group) or None,
                promised=action.promised.isoformat() if action.promised else None,
                about=action.about or None, **_reply_of(store, action),
            )  # fmt: skip
            store.claim(action.invoice, action.kind, action.step, message_id, now,
                        tone=action.tone or None, detail=detail)  # fmt: skip


def _reply_of(store: Store, action: policy.Action) -> dict:
    """For an acknowledgment: the client's mail it answers (the n-th reply of the invoice)."""
    if action.kind != "ack":
        return {}
    replies = [e for e in store.events(action.invoice) if e.type == "reply"]
    if len(replies) < action.step:
        return {}
    reply = replies[action.step - 1]
    subject = json.loads(reply.detail or "{}").get("subject", "")
    return {"reply_id": reply.message_id, "subject": subject}


def _claim_notice(store: Store, settings: Settings, action: policy.Action, now: datetime) -> None:
    """A note to the owner (an overpayment): plain text, built now, sent by the loop."""
    business = settings.business
    message_id = new_message_id(settings.domain, "notice")
    text = f"Invoice {action.invoice}: {action.about}.\n\nNothing was changed; mailbot only tells you.\n"
    subject = f"[mailbot] invoice {action.invoice}: {action.about}"
    payload = to_owner(
        "notice", subject, text, business.name, business.email, business.owner, message_id, now
    )
    store.claim(action.invoice, "notice", action.step, message_id, now, payload=payload,
                recipients=business.owner, detail=detail_json(about=action.about))  # fmt: skip
    store.add_event(Event(action.invoice, iso(now), "note", detail=action.about))


def _send_claimed(
    store: Store, outbox: Outbox, mailer: Mailer, ledger: Ledger, now: datetime, report: PassReport
) -> None:
    claimed = store.claimed()
    if not claimed:
        return  # most passes of a running service: nothing to read, nothing to send
    transient = 0
    for rows, invoices in _client_batches(claimed, ledger):
        transient = _send_batch(store, outbox, mailer, ledger, now, report, rows, invoices, transient)
        if transient < 0:
            return


def _client_batches(claimed: list[OutboxRow], ledger: Ledger) -> Iterator[tuple[list, list]]:
    """The claimed rows in batches of whole clients, with those clients' invoices: sending
    and deciding again both need every invoice of a client (a reminder's statement lists
    its open invoices; decisions are made per client). A batch holds about ``MANY``
    invoices, so that a backlog day (10,000 mails to every client) holds the records of
    one batch at a time, not of the whole store. (With more than one batch, mail goes out
    batch by batch, and a pass that stops early releases only the claims of the batches it
    reached that are no longer wanted; the next pass releases the others before it sends.)"""
    by_client: dict[str, list[OutboxRow]] = {}
    for row in claimed:
        invoice = ledger.invoices.get(row.invoice)
        by_client.setdefault(invoice.client_id if invoice else "", []).append(row)
    rows: list[OutboxRow] = []
    invoices: list[Invoice] = []
    for client, own in by_client.items():
        rows += own
        invoices += ledger.of_client(client) if client else []
        if len(invoices) >= MANY:
            yield rows, invoices
            rows, invoices = [], []
    if rows:
        yield rows, invoices


def _send_batch(store, outbox, mailer, ledger, now, report, claimed, invoices, transient) -> int:
    """Send one batch's claimed mail; the count of transient failures in a row, or -1 to stop."""
    outbox_rows, events = store.records_of({i.number for i in invoices} | {r.invoice for r in claimed})
    facts = policy.group_facts(outbox_rows, events)
    wanted = _still_wanted(mailer.settings, invoices, outbox_rows, events, now)
    messages: dict[str, list[OutboxRow]] = {}
    for row in claimed:
        if row.kind in policy.CHASE_KINDS and (row.invoice, row.kind, row.step) not in wanted:
            # Claimed in an earlier pass (a failed send) and no longer right: the client
            # disputed meanwhile, the owner paused, or the day moved on. Decide again.
            log.info("invoice %s: %s step %s no longer due; released", row.invoice, row.kind, row.step)
            store.release(row)
            continue
        messages.setdefault(row.message_id, []).append(row)
    # In the order they were claimed, not client by client: one client whose mail fails
    # for now must not fill the "transient failures in a row" that stops the pass.
    for rows in sorted(messages.values(), key=lambda rows: min(r.id for r in rows)):
        if STOP.is_set():
            log.info("stop requested: leaving the rest for the next pass")
            return -1
        outcome = send_one(store, outbox, mailer, ledger, rows, facts, now)
        if outcome != "skipped":
            getattr(report, outcome).extend(r.invoice for r in rows)
        transient = transient + 1 if outcome == "retry" else 0
        if transient >= MAX_TRANSIENT_IN_A_ROW:
            log.warning("%d transient failures in a row: trying again next pass", transient)
            return -1
    return transient


def _still_wanted(settings, invoices, outbox_rows, events, now) -> set[tuple[str, str, int]]:
    """What the policy would claim now for these invoices if nothing were claimed yet."""
    settled = [r for r in outbox_rows if r.status != "claimed"]
    facts = policy.group_facts(settled, events)
    actions = policy.next_actions(invoices, facts, settings.clients, now, settings.chase)
    return {(a.invoice, a.kind, a.step) for a in actions}


def send_one(
    store: Store, outbox: Outbox, mailer: Mailer, ledger: Ledger, rows: list[OutboxRow],
    facts: dict, now: datetime,
) -> str:  # fmt: skip
    """Send one claimed mail (one or more rows); returns sent | failed | retry | skipped."""
    first = rows[0]
    if first.payload is not None:
        return _send_prebuilt(store, outbox, mailer, first, now)
    invoices = [ledger.invoices.get(r.invoice) for r in rows]
    if any(inv is None or not inv.valid for inv in invoices):
        log.warning("invoice %s: not in the ledger or invalid now; holding its %s",
                    first.invoice, first.kind)  # fmt: skip
        return "skipped"
    if first.kind != "receipt" and any(
        inv.cancelled or policy.balance(inv, facts.get(inv.number)) <= 0 for inv in invoices
    ):
        log.info("invoice %s: cancelled or paid since it was claimed; not sending", first.invoice)
        for row in rows:
            store.release(row)
        return "skipped"
    client = mailer.settings.clients[invoices[0].client_id]
    try:
        if first.kind == "invoice":
            raw = mailer.build(invoices[0], "invoice", first.message_id, now)
        else:
            raw = mailer.build_rows(rows, ledger, facts, now)
    except Exception:  # one broken mail must not stop the others
        log.exception("invoice %s: could not build the %s mail", first.invoice, first.kind)
        return "held"
    envelope = mailer.envelope(client)
    try:
        outbox.send(raw, envelope.from_addr, envelope.recipients)
    except SendError as exc:
        if exc.permanent:
            log.error("invoice %s: %s refused for good: %s", first.invoice, first.kind, exc)
            for row in rows:
                store.mark_failed(row, _event(row, now, "error", detail=str(exc)))
            return "failed"
        log.warning("invoice %s: %s not sent yet (will retry): %s", first.invoice, first.kind, exc)
        for row in rows:
            store.mark_retry(row, str(exc))
        return "retry"
    for row in rows:
        store.mark_sent(row, _event(row, now, "sent", detail=_sent_detail(row, envelope)), now)
    log.info("invoice %s: %s sent to %s", ", ".join(r.invoice for r in rows), first.kind,
             ", ".join(envelope.recipients))  # fmt: skip
    return "sent"


def _sent_detail(row: OutboxRow, envelope: Envelope) -> str:
    """Who it went to, and why it looks as it does (every adaptation, with its reason)."""
    text = "to " + ", ".join(envelope.recipients)
    reasons = json.loads(row.detail or "{}").get("reasons") or []
    return "; ".join([text, *reasons])


def _send_prebuilt(store: Store, outbox: Outbox, mailer: Mailer, row: OutboxRow, now: datetime) -> str:
    """A forward to the owner: built when the reply came in, sent as it is."""
    recipients = [a.strip() for a in (row.recipients or "").split(",") if a.strip()]
    try:
        outbox.send(row.payload or b"", mailer.settings.business.email, recipients)
    except SendError as exc:
        if exc.permanent:
            store.mark_failed(row, _event(row, now, "error", detail=str(exc)))
            return "failed"
        store.mark_retry(row, str(exc))
        return "retry"
    store.mark_sent(row, _event(row, now, "sent", detail="to " + ", ".join(recipients)), now)
    log.info("%s: forward %s sent to %s", row.invoice, row.step, ", ".join(recipients))
    return "sent"


def _event(row: OutboxRow, now: datetime, type_: str, detail: str) -> Event:
    return Event(
        invoice=row.invoice, at=iso(now), type=type_, kind=row.kind, step=row.step,
        tone=row.tone, message_id=row.message_id, detail=detail,
    )  # fmt: skip


STOP = threading.Event()


def _request_stop(signum: int, _frame: object) -> None:
    if STOP.is_set():
        raise SystemExit(128 + signum)  # a second signal: cold stop
    log.info("signal %d: finishing the current mail, then stopping", signum)
    STOP.set()


def run_forever(config_path: Path, load, interval: float) -> int:
    """The service: a pass now, one whenever mail arrives, and one every ``interval`` s.

    One thread does it all: it waits on the inbox (IMAP IDLE, or polling the
    Maildir) until ``schedule`` says the next periodic pass is due, and runs a
    pass early when the server announces new mail.  A lost connection is
    reopened with backoff (1 s doubling to 5 min); a failing pass is logged and
    the service goes on.
    """
    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    scheduler = schedule.Scheduler()
    inbox: Inbox | None = None
    ledgers = LedgerCache()
    backoff = 1.0

    def one_pass() -> None:
        nonlocal inbox
        try:
            settings = load(config_path)  # re-read: the owner may edit config and ledger
            inbox = inbox or open_inbox(settings)
            run_once(settings, utcnow(), inbox=inbox, ledgers=ledgers)
        except Exception:  # the service must outlive any one bad pass
            log.exception("the pass failed; trying again in %s s", interval)

    scheduler.every(interval).seconds.do(one_pass)
    log.info("mailbot running (a pass every %s s and on new mail); stop with SIGTERM", interval)
    one_pass()
    while not STOP.is_set():
        wait = max(0.0, scheduler.idle_seconds or interval)
        try:
            arrived = inbox.wait(wait, STOP) if inbox is not None else STOP.wait(wait)
            backoff = 1.0
        except Exception as exc:  # InboxError, or a bug: either way, reconnect and go on
            log.warning("inbox: %s; reconnecting in %.0f s", exc, backoff)
            if inbox is not None:
                inbox.close()
            STOP.wait(backoff)
            backoff = min(backoff * 2, 300.0)
            arrived = True  # read what may have come meanwhile
        if STOP.is_set():
            break
        if arrived:
            one_pass()
        scheduler.run_pending()
    if inbox is not None:
        inbox.close()
    log.info("mailbot stopped")
    return 0
