"""Sending what is claimed: in batches of whole clients, one mail at a time.

``send_one`` hands one claimed mail to the transport and records the outcome:
sent, refused for good (5xx), or refused for now (4xx, kept claimed).  A stop
request (``STOP``, set by the service's signal handler) is honoured between
mails, never within one.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime

from mailbot.config.settings import Settings
from mailbot.decide import policy
from mailbot.ledger.read import Invoice, Ledger
from mailbot.outbound.compose import FileAttachment
from mailbot.outbound.mails import Mailer
from mailbot.outbound.transport import Outbox, SendError
from mailbot.records.kinds import EventType, Outcome
from mailbot.service import refusals
from mailbot.service.notify import alive
from mailbot.service.pdf_ahead import pdfs_ahead, wants_pdf
from mailbot.service.progress import progress
from mailbot.state.store import MANY, Event, OutboxRow, Store, in_doubt, iso

log = logging.getLogger(__name__)
MAX_TRANSIENT_IN_A_ROW = 3  # a dead server should not cost one time-out per mail
STOP = threading.Event()  # set by the service on SIGTERM/SIGINT: finish the mail at hand


def send_claimed(store: Store, outbox: Outbox, mailer: Mailer, ledger: Ledger, now: datetime, report) -> None:
    claimed = store.claimed()
    if not claimed:
        return  # most passes of a running service: nothing to read, nothing to send
    transient = 0
    with progress(len({row.message_id for row in claimed})) as tick, pdfs_ahead(mailer, now) as ahead:
        for rows, invoices in _client_batches(claimed, ledger):
            transient = _send_batch(store, outbox, mailer, ledger, now, report, rows, invoices,
                                    transient, tick, ahead)  # fmt: skip
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


def _send_batch(store, outbox, mailer, ledger, now, report, claimed, invoices, transient, tick, ahead) -> int:
    """Send one batch's claimed mail; the count of transient failures in a row, or -1 to stop.
    ``tick``: called once per mail done (the progress bar at a terminal); ``ahead``: the
    invoice PDFs made in other processes (``pdf_ahead``), asked for in sending order."""
    outbox_rows, events = store.records_of({i.number for i in invoices} | {r.invoice for r in claimed})
    facts = policy.group_facts(outbox_rows, events)
    wanted = _still_wanted(mailer.settings, invoices, outbox_rows, events, now)
    messages: dict[str, list[OutboxRow]] = {}
    for row in claimed:
        if (
            row.kind in policy.CHASE_KINDS
            and not in_doubt(row)
            and (row.invoice, row.kind, row.step) not in wanted
        ):
            # Claimed earlier (a send refused for now) and no longer right: the client
            # disputed meanwhile, the owner paused, or the hour passed. Decide again.
            if store.release(row):
                log.info("invoice %s: %s step %s no longer due; released", row.invoice, row.kind, row.step,
                         extra=about(row.invoice))  # fmt: skip
            tick()
            continue
        messages.setdefault(row.message_id, []).append(row)
    # In the order they were claimed, not client by client: one client whose mail fails
    # for now must not fill the "transient failures in a row" that stops the pass.
    in_order = sorted(messages.values(), key=lambda rows: min(r.id for r in rows))
    ahead.plan(_with_pdf(mailer, ledger, in_order))
    for rows in in_order:
        if STOP.is_set():
            log.info("stop requested: leaving the rest for the next pass")
            return -1
        files = ahead.files(rows[0].message_id)
        outcome = send_one(store, outbox, mailer, ledger, rows, facts, now, files)
        tick()
        alive()  # (systemd's watchdog: a long batch is progress, not a hang)
        report.add(outcome, [r.invoice for r in rows])
        transient = transient + 1 if outcome == "retry" else 0
        if transient >= MAX_TRANSIENT_IN_A_ROW:
            log.warning("%d transient failures in a row: trying again next pass", transient)
            return -1
    return transient


def _with_pdf(mailer: Mailer, ledger: Ledger, in_order: list[list[OutboxRow]]) -> list[tuple[str, Invoice]]:
    """The invoice mails among ``in_order`` that carry a PDF: ``(message id, invoice)``."""
    found = []
    for rows in in_order:
        first = rows[0]
        invoice = ledger.invoices.get(first.invoice)
        plain = first.kind == "invoice" and first.payload is None
        if plain and invoice is not None and invoice.valid and wants_pdf(mailer.settings, invoice):
            found.append((first.message_id, invoice))
    return found


def _still_wanted(settings, invoices, outbox_rows, events, now) -> set[tuple[str, str, int]]:
    """What the policy would claim now for these invoices if nothing were claimed yet."""
    settled = [r for r in outbox_rows if r.status != "claimed"]
    facts = policy.group_facts(settled, events)
    actions = policy.next_actions(invoices, facts, settings.clients, now, settings.chase)
    return {(a.invoice, a.kind, a.step) for a in actions}


def send_one(
    store: Store, outbox: Outbox, mailer: Mailer, ledger: Ledger, rows: list[OutboxRow],
    facts: dict, now: datetime, files: list[FileAttachment] | None = None,
) -> Outcome:  # fmt: skip
    """Send one claimed mail (one or more rows); returns sent | failed | retry | skipped.
    ``files``: an invoice mail's attachments, when they were made ahead (``pdf_ahead``)."""
    first = rows[0]
    if first.payload is not None:
        return send_prebuilt(store, outbox, mailer.settings.business.email, first, now)
    invoices = [inv for inv in (ledger.invoices.get(r.invoice) for r in rows) if inv and inv.valid]
    if len(invoices) < len(rows):
        log.warning("invoice %s: not in the ledger or invalid now; holding its %s",
                    first.invoice, first.kind, extra=about(first.invoice))  # fmt: skip
        return "skipped"
    if first.kind != "receipt" and any(
        inv.cancelled or policy.balance(inv, facts.get(inv.number)) <= 0 for inv in invoices
    ):
        log.info("invoice %s: cancelled or paid since it was claimed; not sending", first.invoice,
                 extra=about(first.invoice))  # fmt: skip
        for row in rows:
            store.release(row)  # (False: already gone; either way it is not sent)
        return "skipped"
    client = mailer.settings.clients[invoices[0].client_id]
    try:
        if first.kind == "invoice":
            raw = mailer.build(invoices[0], "invoice", first.message_id, now, files=files)
        else:
            raw = mailer.build_rows(rows, ledger, facts, now)
    except Exception:  # one broken mail must not stop the others
        log.exception("invoice %s: could not build the %s mail", first.invoice, first.kind,
                      extra=about(first.invoice))  # fmt: skip
        return "held"
    envelope = mailer.envelope(client)
    outcome, accepted = _hand_over(store, outbox, rows, raw, envelope.from_addr, envelope.recipients, now,
                                   _sent_detail, mailer.settings)  # fmt: skip
    if outcome == "sent":
        numbers = ", ".join(r.invoice for r in rows)
        log.info("invoice %s: %s sent to %s", numbers, first.kind, ", ".join(accepted),
                 extra=about(numbers))  # fmt: skip
    return outcome


def _sent_detail(row: OutboxRow, accepted: list[str]) -> str:
    """Who it went to (only the recipients the server took), and why it looks as it does
    (every adaptation, with its reason)."""
    text = "to " + ", ".join(accepted)
    reasons = json.loads(row.detail or "{}").get("reasons") or []
    return "; ".join([text, *reasons])


def send_prebuilt(store: Store, outbox: Outbox, sender: str, row: OutboxRow, now: datetime) -> Outcome:
    """A mail to the owner (a forward, a notice, an alert): built before, sent as it is."""
    recipients = [a.strip() for a in (row.recipients or "").split(",") if a.strip()]
    outcome, accepted = _hand_over(store, outbox, [row], row.payload or b"", sender,
                                   recipients, now, lambda _row, to: "to " + ", ".join(to))  # fmt: skip
    if outcome == "sent":
        log.info("%s: %s %s sent to %s", row.invoice, row.kind, row.step, ", ".join(accepted),
                 extra=about(row.invoice))  # fmt: skip
    return outcome


def _hand_over(
    store: Store, outbox: Outbox, rows: list[OutboxRow], raw: bytes, sender: str,
    recipients: list[str], now: datetime, sent_detail: Callable[[OutboxRow, list[str]], str],
    settings: Settings | None = None,
) -> tuple[Outcome, list[str]]:  # fmt: skip
    """Give one mail to the transport and record what came of it, each step a
    compare-and-set on the claim: ``begin_send`` (the mail is in doubt from here),
    then sent, failed (5xx: for good) or retry (4xx: stays claimed, known not delivered).
    Returns the outcome and the recipients the server took.  With ``settings`` (a client's
    mail) each refused recipient is recorded and the owner told (``refusals``): a sent
    mail's history names only the recipients that were not refused."""
    first = rows[0]
    if not store.begin_send(rows):
        log.warning("invoice %s: its %s is no longer claimed; not sent", first.invoice, first.kind,
                    extra=about(first.invoice))  # fmt: skip
        return "skipped", []
    try:
        refused = outbox.send(raw, sender, recipients) or {}
    except SendError as exc:
        error = str(exc)
        permanent = exc.permanent
        if exc.refused and settings is not None:
            permanent = refusals.record(store, settings, rows, exc.refused, now) or permanent
        if permanent:
            log.error("invoice %s: %s refused for good: %s", first.invoice, first.kind, error,
                      extra=about(first.invoice))  # fmt: skip
            done = [store.mark_failed(row, _event(row, now, "error", error)) for row in rows]
        else:
            log.warning("invoice %s: %s not sent yet (will retry): %s", first.invoice, first.kind, error,
                        extra=about(first.invoice))  # fmt: skip
            done = [store.mark_retry(row, error) for row in rows]
        outcome: Outcome = "failed" if permanent else "retry"
        accepted: list[str] = []
    else:
        taken = {a.lower() for a in refused}
        accepted = [r for r in recipients if r.lower() not in taken]
        done = [
            store.mark_sent(row, _event(row, now, "sent", sent_detail(row, accepted)), now) for row in rows
        ]
        outcome = "sent"
        if settings is not None:
            refusals.delivered(store, rows, accepted)
            if refused:
                refusals.record(store, settings, rows, refused, now)
    for row, recorded in zip(rows, done, strict=True):
        if not recorded:  # another pass got there first: logged, never recorded twice
            log.warning("invoice %s: %s step %s was no longer claimed; %s not recorded",
                        row.invoice, row.kind, row.step, outcome, extra=about(row.invoice))  # fmt: skip
    return outcome, accepted


def about(invoice: str) -> dict[str, str]:
    """The ``extra=`` of a log record about an invoice (or several, ``", "``-joined): the
    JSON log's ``invoice`` field, so a log shipper finds an invoice's lines without
    parsing messages."""
    return {"invoice": invoice} if invoice else {}


def _event(row: OutboxRow, now: datetime, type_: EventType, detail: str) -> Event:
    return Event(
        invoice=row.invoice, at=iso(now), type=type_, kind=row.kind, step=row.step,
        tone=row.tone, message_id=row.message_id, detail=detail,
    )  # fmt: skip
