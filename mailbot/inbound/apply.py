"""Read the inbox and apply what clients said: record, then hand to the owner if needed.

Each reply becomes a ``reply`` event on its invoice (or on no invoice when it
cannot be matched), written together with the mark that it was handled, so a
crash never records a reply twice or loses one.  States follow from these
events in ``policy``; a reply itself never changes payment state, bank
details or recipients.  Replies that need a person are forwarded once: the
forward is claimed in the outbox in the same transaction that records the reply,
and sent by the same pass like any claimed mail.  A reading less sure than ``[replies]
min_confidence`` is recorded as it is, with ``"unsure": true`` and the days its invoice's
next reminder waits (``wait_days``) in its detail, and forwarded with mailbot's best
reading: it changes nothing until the owner confirms it (``mailbot confirm``).  Mail from
strangers and bulk senders is limited (``junk``): the rest of it waits for the next day's
digest.

Reading can never block sending: each attempt at a message is counted in the store
before it is classified, so a message that kills the process (out of memory, a crash
in a C library, the OOM killer) is seen on the next start.  After ``MAX_ATTEMPTS`` such
attempts it is *quarantined*: marked handled without being read again, and the owner
told once.  A message whose handling raises is quarantined at once.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta

from mailbot.config.settings import Settings
from mailbot.decide import policy
from mailbot.inbound import payments
from mailbot.inbound.forward import is_unsure, needs_owner
from mailbot.inbound.handover import hand_over
from mailbot.inbound.inbox import Inbox, Incoming
from mailbot.inbound.intents import normalise_iban
from mailbot.inbound.parse import MAX_HEADER_BYTES, Mail, parse, parse_headers_only
from mailbot.inbound.payments import AUTH_SEEN
from mailbot.inbound.replies import Known, Reply, classify
from mailbot.ledger.read import Ledger
from mailbot.state.store import Event, Store, detail_json, iso

log = logging.getLogger(__name__)
SENT_KINDS = ("invoice", "reminder", "final", "receipt", "ack")
OLD_MAIL = timedelta(days=30)
MAX_ATTEMPTS = 3  # passes that may die reading one message before it is quarantined


def known_world(settings: Settings, ledger: Ledger, store: Store, now: datetime) -> Known:
    """What classification needs: our Message-IDs and each client's open invoices."""
    outbox = store.outbox()
    sent: dict[str, str] = {}
    for row in outbox:  # a reminder covering several invoices: its first one leads
        if row.kind in SENT_KINDS and row.status == "sent":
            sent.setdefault(row.message_id, row.invoice)
    facts = policy.group_facts(outbox, store.events_of_type("payment"))
    open_invoices: dict[str, list[str]] = {}
    for invoice in ledger.valid():
        if not policy.open_and_sent(invoice, facts.get(invoice.number, policy.Facts())):
            continue  # (an invoice mail never delivered cannot be what a client answers)
        open_invoices.setdefault(invoice.client_id, []).append(invoice.number)
    business = settings.business
    return Known(
        sent=sent,
        open_invoices={k: tuple(v) for k, v in open_invoices.items()},
        clients=settings.clients,
        own_domain=settings.domain,
        own_addresses=frozenset({business.email.lower(), business.owner.lower()}),
        authserv_id=settings.imap.authserv_id,
        owners={invoice.number: invoice.client_id for invoice in ledger.invoices.values()},
        expect_auth=bool(settings.imap.authserv_id) or store.has_note("", AUTH_SEEN),
        own_ibans=frozenset({normalise_iban(settings.payment.iban)} - {""}),
        today=now.date(),
        min_confidence=settings.replies.min_confidence,
    )


def content_key(reply: Reply, raw: bytes) -> str:
    """What a mail *is*: its Message-ID, else a hash of its bytes."""
    return _key_of(reply.message_id, raw)


def _key_of(message_id: str, raw: bytes) -> str:
    return "msgid:" + message_id if message_id else "sha256:" + hashlib.sha256(raw).hexdigest()


def _from_a_source(raw: bytes, settings: Settings) -> Mail | None:
    """The mail, parsed, when its From address is a configured payment source (told by a
    cheap look at the headers: most mail is a reply); None otherwise, and when it cannot be
    read whole (``classify`` then records it as a reply would be)."""
    if not settings.payments.sources:
        return None
    if not payments.from_a_source(parse_headers_only(raw[:MAX_HEADER_BYTES], ""), settings):
        return None
    try:
        mail = parse(raw)
    except Exception:
        return None
    return None if mail.oversized else mail


def read_inbox(inbox: Inbox, store: Store, settings: Settings, ledger: Ledger, now: datetime) -> list[Reply]:
    """Handle every new message; one that fails, or killed earlier passes, is quarantined."""
    known: Known | None = None  # built for the first new message: most passes find none
    handled = []
    for incoming in inbox.fetch_new(store):
        attempts = store.begin_attempt(incoming.key, now)  # committed before classifying
        if attempts > MAX_ATTEMPTS:
            reply = quarantine(incoming, attempts - 1, "", store, settings, now)
        else:
            known = known or known_world(settings, ledger, store, now)
            try:
                reply = handle(incoming, known, store, settings, ledger, now)
                if reply is not None and reply.auth_ours:
                    known = replace(known, expect_auth=True)  # (handle wrote AUTH_SEEN with it)
            except sqlite3.Error:  # the state (a full disk), not the message: never quarantined for it
                raise
            except Exception as exc:  # a bug must cost this one message, not the inbox
                log.exception("message %s: could not be handled; quarantined", incoming.key)
                why = f"{type(exc).__name__}: {exc}"[:200]
                reply = quarantine(incoming, attempts, why, store, settings, now)
        store.end_attempt(incoming.key)
        inbox.mark_handled(incoming, store)
        if reply is not None:
            handled.append(reply)
    return handled


def quarantine(
    incoming: Incoming, attempts: int, why: str, store: Store, settings: Settings, now: datetime
) -> Reply | None:
    """Mark a message handled without classifying it, and tell the owner once.

    Only its first bytes are looked at, by the cheap header scan of oversized mail,
    for a sender and subject the owner can find it by; ``why`` is the error, or "" when
    the process died ``attempts`` times reading it.
    """
    mail = parse_headers_only(incoming.raw[:MAX_HEADER_BYTES], "quarantined")
    defect = why or "the process died while reading it"
    reply = Reply(
        mail.message_id, mail.sender, mail.subject, mail.date, "other", phrase="(quarantined)",
        quarantined=attempts, defects=(defect,),
    )  # fmt: skip
    event = Event(
        invoice="", at=iso(now), type="reply", intent="other", trusted=False,
        message_id=reply.message_id or None,
        detail=detail_json(sender=reply.sender, subject=reply.subject, quarantined=attempts, reason=defect),
    )  # fmt: skip
    forward, held = hand_over(reply, "quarantined", incoming.raw, store, settings, now)  # (junk's limits)
    if not store.record_reply([content_key(reply, incoming.raw), incoming.key], [event], now, forward, held):
        return None
    log.warning("message %s from %s (%r) quarantined after %d attempts: %s; the owner is told",
                incoming.key, reply.sender, reply.subject, attempts, defect)  # fmt: skip
    return reply


def handle(
    incoming: Incoming, known: Known, store: Store, settings: Settings, ledger: Ledger, now: datetime
) -> Reply | None:
    """Classify, record, and claim a forward when a person must look. None if seen before.
    A mail from a payment source is no client's reply: ``payments`` handles it."""
    mail = _from_a_source(incoming.raw, settings)
    if mail is not None:
        keys = [_key_of(mail.message_id, incoming.raw), incoming.key]
        if mail.date is not None and mail.date < now - OLD_MAIL:
            store.record_reply(keys, [], now)
            log.info("payment notification %s is dated %s: older than %s days, left alone",
                     mail.message_id, mail.date.date(), OLD_MAIL.days)  # fmt: skip
            return None
        return payments.handle_payment_mail(keys, incoming.raw, mail, known, store, settings, ledger, now)
    reply = classify(incoming.raw, known)
    keys = [content_key(reply, incoming.raw), incoming.key]
    if reply.own:
        store.record_reply(keys, [], now)
        return None
    if reply.received is not None and reply.received < now - OLD_MAIL:
        # A mailbox read for the first time holds years of mail: none of it is a reply
        # to what mailbot sent, and none should be acknowledged or forwarded.
        store.record_reply(keys, [], now)
        log.info("message %s from %s is dated %s: older than %s days, left alone",
                 reply.message_id, reply.sender, reply.received.date(), OLD_MAIL.days)  # fmt: skip
        return None
    permanent = reply.permanent and _stops_the_chase(reply, settings)
    unsure = is_unsure(reply)
    event = Event(
        invoice=reply.invoice, at=iso(now), type="reply", intent=reply.intent,
        trusted=reply.trusted, message_id=reply.message_id or None,
        until=reply.date.isoformat() if reply.date else None,
        detail=detail_json(
            sender=reply.sender, subject=reply.subject, phrase=reply.phrase,
            matched_by=reply.matched_by, client=reply.client, reason=reply.trust_reason,
            failed_address=reply.failed_address or None,
            permanent=permanent if reply.intent == "bounce" else None,
            oversized=reply.oversized or None,
            language=reply.language or None, confidence=round(reply.confidence, 2),
            evidence=list(reply.evidence) or None,
            unsure=True if unsure else None,
            wait_days=settings.replies.unsure_wait_days if unsure else None,
            auto=reply.auto or None,
        ),
    )  # fmt: skip
    reason = needs_owner(reply)
    forward, held = hand_over(reply, reason, incoming.raw, store, settings, now) if reason else (None, None)
    events = [event]
    if reply.auth_ours and not known.expect_auth:
        events.append(Event(invoice="", at=iso(now), type="note", detail=AUTH_SEEN))
        log.info("message %s carries Authentication-Results of our server: from now on they are expected",
                 reply.message_id)  # fmt: skip
    if not store.record_reply(keys, events, now, forward, held):
        log.info("message %s: handled before (same Message-ID); skipped", reply.message_id)
        return None
    trust = "trusted" if reply.trusted else "untrusted"
    about = reply.invoice or "no invoice"
    to_owner = "; forwarded to the owner" if forward else "; held back for the digest" if held else ""
    sure = f"; not sure ({reply.confidence:.2f}): waits for the owner" if unsure else ""
    log.info("reply %s from %s: %s on %s (%s)%s%s", reply.message_id, reply.sender, reply.intent,
             about, trust, sure, to_owner,
             extra={"invoice": reply.invoice} if reply.invoice else None)  # fmt: skip
    return reply


def _stops_the_chase(reply: Reply, settings: Settings) -> bool:
    """Only a bounce from the address invoices go *to* makes an invoice undeliverable;
    a Cc that bounced is the owner's news, not the end of the conversation."""
    failed = reply.failed_address
    return not failed or not any(failed in (a.lower() for a in c.cc) for c in settings.clients.values())
