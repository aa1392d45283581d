"""Payment notifications in the inbox: believe, read, match, record; else ask the owner.

A mail whose From address is one of ``[[payments.sources]]`` is not a client's reply.
It counts only when ``sources.payment_source`` believes it (the owner's server saw
DMARC or an aligned DKIM pass for the source's domain); otherwise nothing is recorded
and the owner is told, once, within the day's limits for strangers (a forger may send
hundreds).  A believed mail is read (``notices``: PayPal, Stripe, Wise, bank mails; camt
statements attached, ``bank``) and each payment matched (``decide.matching``): what
matches is recorded as a ``payment`` event with its source, the notification's
Message-ID and how it matched; what does not (unknown, ambiguous, another currency, an
account that is not the business's own) goes to the owner in one mail, listed.

A payment is recorded once: each carries a key stable per source (the service's
transaction id, the statement entry's reference, else the Message-ID), and a key
recorded before is never recorded again, whatever arrives again or restarts.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime

from mailbot.config.settings import Settings
from mailbot.decide.matching import Book, Received
from mailbot.decide.receivable import book_of
from mailbot.inbound import bank
from mailbot.inbound.forward import to_owner
from mailbot.inbound.handover import hand_over
from mailbot.inbound.intents import normalise_iban
from mailbot.inbound.notices import Notice, read_notices, statement_attachments
from mailbot.inbound.parse import Mail
from mailbot.inbound.replies import Known, Reply
from mailbot.inbound.sources import SourceVerdict, payment_source, source_of
from mailbot.ledger.read import Ledger
from mailbot.outbound.compose import new_message_id
from mailbot.outbound.owner_words import for_owner
from mailbot.records.said import Said, Value, said
from mailbot.state.store import Claim, Event, Store, detail_json, iso

log = logging.getLogger(__name__)
# The note (on no invoice) that remembers the owner's server writes Authentication-Results:
# from the mail that first carried one, a mail without a passing one of ours is untrusted.
# (Here, not in ``apply``: a payment notification may be the first mail to carry one.)
AUTH_SEEN = "inbox: the owner's mail server writes Authentication-Results; a reply without one is untrusted"
UNTRUSTED = "payment_untrusted"  # the forward's reason (``forward._WHY``)
# The owner's lines about one notification (``Said``: English in the record, the owner's language
# in the mail); the matcher's reasons come as ``Match.said``.
A_PAYMENT = "a payment"
AMOUNT = "%(amount)s %(currency)s"
AMOUNT_FROM = "%(amount)s %(currency)s from %(payer)s"
NO_PAYMENT_FOUND = "mailbot found no payment in it"
UNREADABLE = "a payment mailbot could not read (%(reason)s): nothing recorded"
OTHER_ACCOUNT = "%(what)s: paid into account %(account)s, not the business's own %(own)s: not recorded"
NOT_RECORDED = "%(what)s: %(why)s; not recorded"
RECORDED = "%(amount)s %(currency)s for %(invoice)s (%(how)s)"
OVERPAID_LINE = "%(what)s: %(why)s"
REVERSED = (
    "the bank reversed payment %(payment)s on %(invoice)s (%(amount)s taken back): "
    "the invoice is open again and chasing goes on"
)
OWN_NOT_SET = "(none set)"


def from_a_source(mail: Mail, settings: Settings) -> bool:
    """Whether ``mail``'s From address is a configured payment source (believed or not)."""
    return source_of(mail.sender, settings.payments.sources) is not None


@dataclass
class Outcome:
    """What one notification mail did: events to record, lines for the owner."""

    events: list[Event] = field(default_factory=list)
    recorded: list[Said] = field(default_factory=list)  # "1190.00 EUR for 2026-001 (invoice number)"
    for_owner: list[Said] = field(default_factory=list)  # what the owner must look at (their language)
    skipped: list[str] = field(default_factory=list)  # pending, refunds, not payments: no action
    refs: set[str] = field(default_factory=set)  # payment keys recorded before and by this mail


def handle_payment_mail(
    keys: list[str], raw: bytes, mail: Mail, known: Known, store: Store, settings: Settings, ledger: Ledger,
    now: datetime,
) -> Reply | None:  # fmt: skip
    """Record what a source's mail says was paid, or hand it to the owner.  ``keys``: the
    mail's handled-keys (what it is, where it lies), recorded with its events."""
    verdict = payment_source(
        mail, settings.payments.sources, settings.imap.authserv_id, settings.domain, known.expect_auth
    )
    reply = Reply(
        mail.message_id, mail.sender, mail.subject, mail.date, "other", trusted=verdict.trusted,
        trust_reason=verdict.reason, auth_ours=verdict.ours,
        phrase=f"payment notification ({verdict.source})",
    )  # fmt: skip
    if not verdict.trusted:
        return _not_believed(keys, raw, reply, verdict, store, settings, now, known.expect_auth)
    outcome = Outcome()
    statements = statement_attachments(mail)
    for name, data in statements:  # as `import-payments` applies a file: the same references
        _apply_statement(name, data, mail, ledger, store, settings, outcome, now)
    if not statements:  # (the body of a mail with a statement only announces it)
        book = book_of(ledger.invoices.values(), store.decision_facts(save=False), settings.clients)
        outcome.refs = _recorded_refs(store)  # (read once a mail, not once a notice)
        for index, notice in enumerate(read_notices(mail, verdict.kind)):
            key = f"{verdict.kind}:{notice.key}" if notice.key else f"{keys[0]}#{index}"
            _apply_notice(notice, key, mail, verdict, book, settings, outcome, now)
    if not (outcome.recorded or outcome.for_owner or outcome.skipped):
        outcome.for_owner.append(Said(NO_PAYMENT_FOUND))
    note = Event(
        "", iso(now), "reply", intent="other", trusted=True, message_id=mail.message_id or None,
        detail=detail_json(
            sender=mail.sender, subject=mail.subject, payment_source=verdict.source, reason=verdict.reason,
            recorded=_english(outcome.recorded), for_owner=_english(outcome.for_owner),
            skipped=outcome.skipped or None,
        ),
    )  # fmt: skip
    claim = _owner_mail(reply, verdict, outcome, raw, settings, now) if outcome.for_owner else None
    if not store.record_reply(
        keys, [*outcome.events, note, *_auth_seen(verdict, known.expect_auth, now)], now, claim
    ):
        log.info("payment notification %s: handled before (same Message-ID); skipped", mail.message_id)
        return None
    for line in _english(outcome.recorded) or []:
        log.info("payment from %s (%s): recorded %s", verdict.source, mail.message_id, line)
    for line in _english(outcome.for_owner) or []:
        log.warning("payment notification %s from %s: %s; the owner is told",
                    mail.message_id, verdict.source, line)  # fmt: skip
    return reply


def _not_believed(
    keys: list[str], raw: bytes, reply: Reply, verdict: SourceVerdict, store: Store, settings: Settings,
    now: datetime, expect_auth: bool,
) -> Reply | None:  # fmt: skip
    """Nothing recorded; the owner told once (a forger's flood: within the day's limits)."""
    event = Event(
        "", iso(now), "reply", intent="other", trusted=False, message_id=reply.message_id or None,
        detail=detail_json(sender=reply.sender, subject=reply.subject, payment_source=verdict.source,
                           reason=verdict.reason),
    )  # fmt: skip
    forward, held = hand_over(reply, UNTRUSTED, raw, store, settings, now)
    if not store.record_reply(keys, [event, *_auth_seen(verdict, expect_auth, now)], now, forward, held):
        return None
    log.warning("payment notification %s from %s NOT believed (%s): nothing recorded; the owner is told",
                reply.message_id, reply.sender, verdict.reason)  # fmt: skip
    return reply


def _apply_notice(
    notice: Notice, key: str, mail: Mail, verdict: SourceVerdict, book: Book,
    settings: Settings, outcome: Outcome, now: datetime,
) -> None:  # fmt: skip
    received = notice.received
    what = _what(received)
    if notice.kind != "payment":
        outcome.skipped.append(f"{what.english()}: {notice.kind.replace('_', ' ')} ({notice.reason})")
        return
    if received is None:
        outcome.for_owner.append(said(UNREADABLE, reason=notice.reason))
        return
    own = normalise_iban(settings.payment.iban)
    if notice.beneficiary and not same_account(notice.beneficiary, own):
        mine: Value = own or Said(OWN_NOT_SET)
        outcome.for_owner.append(said(OTHER_ACCOUNT, what=what, account=notice.beneficiary, own=mine))
        return
    if key in outcome.refs:
        outcome.skipped.append(f"{what.english()}: recorded before ({key})")
        return
    found = book.match(received)
    if not found.recorded:
        why: Value = found.said or found.reason or found.outcome
        outcome.for_owner.append(said(NOT_RECORDED, what=what, why=why))
        return
    on = (received.on or now.date()).isoformat()
    for settle in found.settles:
        detail = {
            "amount": str(settle.amount), "on": on, "ref": key, "source": verdict.source,
            "kind": verdict.kind, "how": found.how, "payer": received.payer, "evidence": mail.message_id,
        }  # fmt: skip
        event = Event(settle.invoice, iso(now), "payment", message_id=mail.message_id or None,
                      detail=json.dumps(detail))  # fmt: skip
        outcome.events.append(event)
        outcome.recorded.append(said(RECORDED, amount=settle.amount, currency=received.currency,
                                     invoice=settle.invoice, how=found.how))  # fmt: skip
    book.record(found)
    outcome.refs.add(key)
    if found.outcome == "overpaid":
        outcome.for_owner.append(said(OVERPAID_LINE, what=what, why=found.said or found.reason))


def _apply_statement(
    name: str, data: bytes, mail: Mail, ledger: Ledger, store: Store, settings: Settings, outcome: Outcome,
    now: datetime,
) -> None:  # fmt: skip
    """A camt statement attached: applied as ``import-payments`` applies a file."""
    where = f"{name} (mail {mail.message_id})"
    try:
        entries = bank.read_statement_bytes(data, where)
    except bank.StatementError as exc:
        outcome.for_owner.append(Said(str(exc)))
        return
    lines, _problems, reversals = bank.apply_statement(entries, ledger, store, now, where, settings.clients)
    for line in lines:
        if line.startswith("recorded"):
            outcome.recorded.append(Said(line))  # (the statement's lines: as ``import-payments`` prints them)
        if "not recorded" in line or "warning:" in line:
            outcome.for_owner.append(Said(line))
        elif not line.startswith("recorded"):
            outcome.skipped.append(line)
    for reversal in reversals:
        outcome.events.extend(reversal_events(reversal, where, now))
        outcome.for_owner.append(said(REVERSED, payment=reversal.reverses, invoice=reversal.invoice,
                                      amount=reversal.amount))  # fmt: skip


def _auth_seen(verdict: SourceVerdict, expected: bool, now: datetime) -> list[Event]:
    """The AUTH_SEEN note, when this mail is the first to show our server's verdict."""
    return [Event("", iso(now), "note", detail=AUTH_SEEN)] if verdict.ours and not expected else []


def reversal_events(reversal: bank.Reversal, where: str, now: datetime) -> list[Event]:
    """A booked reversal of a recorded payment: the correction (a negative payment naming
    the payment it reverses) and a note on the invoice, as ``mailbot unmark-paid`` writes."""
    detail = {
        "amount": str(-reversal.amount), "on": now.date().isoformat(), "source": "correction",
        "reason": f"bank reversal {reversal.ref}", "reverses": reversal.reverses,
    }  # fmt: skip
    about = (
        f"the bank reversed payment {reversal.reverses} ({reversal.amount} taken back)"
        f" by entry {reversal.ref} of {where}; the invoice is open again and chasing goes on"
    )
    return [
        Event(reversal.invoice, iso(now), "payment", detail=json.dumps(detail)),
        Event(reversal.invoice, iso(now), "note", detail=about),
    ]


def same_account(named: str, own: str) -> bool:
    """The account a notification names is the business's own: exactly, or masked as banks
    print it (``DE89************300000``: each ``*`` one hidden character)."""
    if "*" not in named:
        return named == own
    return len(named) == len(own) and all(a in ("*", b) for a, b in zip(named, own, strict=True))


def _recorded_refs(store: Store) -> set[str]:
    """The keys of every payment recorded before (``ref``: a transaction id, a bank reference)."""
    return {json.loads(e.detail or "{}").get("ref", "") for e in store.events_of_type("payment")} - {""}


def _what(received: Received | None) -> Said:
    if received is None:
        return Said(A_PAYMENT)
    if received.payer:
        return said(AMOUNT_FROM, amount=received.amount, currency=received.currency, payer=received.payer)
    return said(AMOUNT, amount=received.amount, currency=received.currency)


def _english(lines: list[Said]) -> list[str] | None:
    """The lines as the record keeps them (the event's detail, the log): English."""
    return [line.english() for line in lines] or None


def _owner_mail(
    reply: Reply, verdict: SourceVerdict, outcome: Outcome, raw: bytes, settings: Settings, now: datetime
) -> Claim:
    """One mail to the owner for one notification: what was recorded, what was not and why."""
    business = settings.business
    message_id = new_message_id(settings.domain, "payment")
    words = for_owner(settings)
    lines = [
        words("A payment notification from %(source)s (%(sender)s); %(reason)s.",
              source=verdict.source, sender=reply.sender, reason=verdict.reason),
        "",
    ]  # fmt: skip
    if outcome.recorded:
        lines += [words("Recorded:"), *(f"- {words.said(line)}" for line in outcome.recorded), ""]
    lines += [words("Needs you:"), *(f"- {words.said(line)}" for line in outcome.for_owner), ""]
    lines += [
        words("Record a payment with `mailbot mark-paid INVOICE [--amount X] [--on YYYY-MM-DD]`."),
        words("Subject: %(subject)s", subject=reply.subject),
        words("The original mail is attached."),
    ]
    theirs = reply.subject or words("(no subject)")
    subject = "[mailbot] " + words("payment to check: %(subject)s", subject=theirs)
    kept = raw[: settings.inbox.keep_bytes]
    text = "\n".join(lines) + "\n"
    owner = business.owner
    payload = to_owner(
        "payment", subject, text, business.name, business.email, owner, message_id, now, kept, words
    )
    return Claim("unmatched", "forward", 0, message_id, payload=payload, recipients=business.owner)
