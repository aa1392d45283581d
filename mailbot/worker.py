"""The loop: read the ledger, decide, claim, render, send, record.

This is the only module that reads the clock.  One pass is ``run_once``; the
service (``mailbot run``) repeats it, and a signal only sets a flag so the
current mail is finished before the process exits (a warm stop).
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import schedule

from mailbot import policy
from mailbot.compose import Envelope, Extras, InlineImage, Threading, compose, new_message_id
from mailbot.context import business_context, invoice_context
from mailbot.inbound import read_inbox
from mailbot.inbox import Inbox, InboxError, open_inbox
from mailbot.ledger import Invoice, Ledger, load_ledger
from mailbot.render import Renderer
from mailbot.replies import Reply
from mailbot.settings import Settings
from mailbot.store import Event, OutboxRow, Store, iso
from mailbot.transport import Outbox, SendError, open_outbox

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
    finally:
        if own:
            box.close()


class Mailer:
    """Builds the mail for one outbox row: context, templates, MIME bytes."""

    def __init__(self, settings: Settings, renderer: Renderer | None = None):
        self.settings = settings
        self.renderer = renderer or Renderer(constants=constants(settings))
        self.logo = _logo(settings)

    def build(self, invoice: Invoice, kind: str, message_id: str, now: datetime) -> bytes:
        client = self.settings.clients[invoice.client_id]
        today = policy.local_date(now, client)
        logo_src = f"cid:{self.logo.cid}" if self.logo else self.settings.business.logo
        context = invoice_context(self.settings, invoice, client, today, logo_src)
        context["lang"] = client.language
        rendered = self.renderer.render(kind, context, client.language)
        envelope = self.envelope(invoice)
        extras = Extras(images=[self.logo] if self.logo else [])
        return compose(rendered, envelope, Threading(message_id), now, extras)

    def envelope(self, invoice: Invoice) -> Envelope:
        client = self.settings.clients[invoice.client_id]
        business = self.settings.business
        return Envelope(
            from_name=business.name,
            from_addr=business.email,
            to=client.email,
            cc=client.cc,
            reply_to=business.email,
            to_name=client.contact or client.name,
        )


def constants(settings: Settings) -> dict[str, dict[str, str]]:
    """Values the same in every mail of this config: baked into the templates once."""
    business = business_context(settings, logo_src="")
    payment = settings.payment
    return {
        "brand": settings.brand.model_dump(),
        "business": {k: v for k, v in business.items() if isinstance(v, str) and k != "logo_src"},
        "payment": {
            "iban": payment.iban, "bic": payment.bic, "bank": payment.bank,
            "account_holder": payment.account_holder or settings.business.name,
        },
    }  # fmt: skip


def _logo(settings: Settings) -> InlineImage | None:
    """A logo file travels inside the mail (by Content-ID); a URL is linked as it is."""
    logo = settings.business.logo
    if not logo or logo.startswith(("http://", "https://")):
        return None
    path = settings.resolve(logo)
    subtype = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif"}.get(
        path.suffix.lower()
    )
    if subtype is None or not path.is_file():
        log.warning("logo %s is not a readable PNG, JPEG or GIF file; sending without it", path)
        return None
    return InlineImage(cid=f"logo@{settings.domain}", data=path.read_bytes(), subtype=subtype)


def run_once(
    settings: Settings, now: datetime, dry_run: bool = False, inbox: Inbox | None = None
) -> PassReport:
    """One full pass: read and apply new replies, then send every mail that is due, once.

    Replies come first, so that a client who wrote "paid" an hour ago is not
    chased in the same pass.  ``inbox`` is the service's long-lived connection;
    without it the pass opens and closes its own.
    """
    ledger = load_ledger(settings)
    report = PassReport(problems=[str(p) for p in ledger.problems])
    for problem in ledger.problems:
        log.warning("%s", problem)
    mailer = Mailer(settings)
    with Store(settings.state_path) as store:
        if not dry_run:
            report.replies = _read_replies(settings, store, ledger, now, inbox)
        facts = policy.group_facts(store.outbox(), store.events())
        actions = policy.next_actions(ledger.valid(), facts, settings.clients, now)
        if dry_run:
            report.planned = [f"{a.invoice} {a.kind}" for a in actions]
            for action in actions:  # render anyway: a template error shows now, not later
                mailer.build(ledger.invoices[action.invoice], action.kind, "<dry@run>", now)
            return report
        for action in actions:
            message_id = new_message_id(settings.domain, f"{action.kind}-{action.invoice}")
            store.claim(action.invoice, action.kind, action.step, message_id, now)
        with open_outbox(settings) as outbox:
            _send_claimed(store, outbox, mailer, ledger, now, report)
    return report


def _send_claimed(
    store: Store, outbox: Outbox, mailer: Mailer, ledger: Ledger, now: datetime, report: PassReport
) -> None:
    transient = 0
    for row in store.claimed():
        if STOP.is_set():
            log.info("stop requested: leaving the rest for the next pass")
            return
        outcome = send_one(store, outbox, mailer, ledger, row, now)
        if outcome != "skipped":
            getattr(report, outcome).append(row.invoice)
        transient = transient + 1 if outcome == "retry" else 0
        if transient >= MAX_TRANSIENT_IN_A_ROW:
            log.warning("%d transient failures in a row: trying again next pass", transient)
            return


def send_one(
    store: Store, outbox: Outbox, mailer: Mailer, ledger: Ledger, row: OutboxRow, now: datetime
) -> str:
    """Send one claimed mail; returns sent | failed | retry | skipped."""
    if row.payload is not None:
        return _send_prebuilt(store, outbox, mailer, row, now)
    invoice = ledger.invoices.get(row.invoice)
    if invoice is None or not invoice.valid:
        log.warning(
            "invoice %s: not in the ledger or invalid now; holding its %s", row.invoice, row.kind
        )
        return "skipped"
    if invoice.cancelled or policy.balance(invoice) <= 0:
        log.info("invoice %s: cancelled or paid since it was claimed; not sending", row.invoice)
        store.release(row)
        return "skipped"
    try:
        raw = mailer.build(invoice, row.kind, row.message_id, now)
    except Exception:  # one broken mail must not stop the others
        log.exception("invoice %s: could not build the %s mail", row.invoice, row.kind)
        return "skipped"
    envelope = mailer.envelope(invoice)
    try:
        outbox.send(raw, envelope.from_addr, envelope.recipients)
    except SendError as exc:
        if exc.permanent:
            log.error("invoice %s: %s refused for good: %s", row.invoice, row.kind, exc)
            store.mark_failed(row, _event(row, now, "error", detail=str(exc)))
            return "failed"
        log.warning("invoice %s: %s not sent yet (will retry): %s", row.invoice, row.kind, exc)
        store.mark_retry(row, str(exc))
        return "retry"
    detail = "to " + ", ".join(envelope.recipients)
    store.mark_sent(row, _event(row, now, "sent", detail=detail), now)
    log.info("invoice %s: %s sent to %s", row.invoice, row.kind, ", ".join(envelope.recipients))
    return "sent"


def _send_prebuilt(
    store: Store, outbox: Outbox, mailer: Mailer, row: OutboxRow, now: datetime
) -> str:
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
        message_id=row.message_id, detail=detail,
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
    backoff = 1.0

    def one_pass() -> None:
        nonlocal inbox
        try:
            settings = load(config_path)  # re-read: the owner may edit config and ledger
            inbox = inbox or open_inbox(settings)
            run_once(settings, utcnow(), inbox=inbox)
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
