"""Pure: ``classify(raw, known) -> Reply``: what an incoming mail is, about which
invoice, from whom, and how sure we are.

Bytes in, facts out, no I/O: every case is tested on ``.eml`` files.  A mail
that cannot be understood becomes ``other`` with its defects noted; nothing
raises.  The order of questions: is it a bounce?  an auto-reply?  otherwise,
what do the new words say?  Then: which invoice, and is the sender trusted?
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import flufl.bounce

from mailbot.config.settings import Client
from mailbot.inbound import dates
from mailbot.inbound.intents import Verdict, classify_text, pays_elsewhere
from mailbot.inbound.language import detect
from mailbot.inbound.parse import Mail, parse
from mailbot.inbound.quotes import new_words
from mailbot.inbound.trust import judge
from mailbot.records.kinds import Intent


@dataclass(frozen=True)
class Known:
    """What classification needs to know about mailbot's world."""

    sent: Mapping[str, str]  # Message-ID mailbot sent -> invoice number
    open_invoices: Mapping[str, tuple[str, ...]]  # client id -> its open invoice numbers
    clients: Mapping[str, Client]
    own_domain: str
    own_addresses: frozenset[str] = frozenset()
    authserv_id: str = ""
    owners: Mapping[str, str] = field(default_factory=dict)  # invoice number -> client id
    # The owner's server is known to write Authentication-Results (``authserv_id`` set, or
    # one seen before): a mail without a passing one of ours is untrusted.
    expect_auth: bool = False
    own_ibans: frozenset[str] = frozenset()  # the owner's accounts, normalised (intents.normalise_iban)
    # A reading less sure than this changes nothing by itself: the owner is asked
    # (``[replies] min_confidence``).
    min_confidence: float = 0.7
    # The day mail is read: a reply's relative words ("tomorrow") resolve against its own
    # Date, but never a Date after this day (a wrong clock must not move a promise by years).
    today: date | None = None

    @property
    def open_numbers(self) -> set[str]:
        return {n for numbers in self.open_invoices.values() for n in numbers}


@dataclass(frozen=True)
class Reply:
    message_id: str
    sender: str
    subject: str
    received: datetime | None
    intent: Intent
    phrase: str = ""
    date: date | None = None  # promised date or return date
    invoice: str = ""  # "" when unmatched
    matched_by: str = ""  # thread | number | sender
    client: str = ""
    trusted: bool = False
    trust_reason: str = ""
    failed_address: str = ""
    permanent: bool = False
    auto: bool = False  # machine-written: never answered
    bulk: bool = False  # sent to many (List-Id, List-Unsubscribe, Precedence, Auto-Submitted)
    own: bool = False  # a mail of mailbot's own (a forward): skipped
    auth_ours: bool = False  # it carries an Authentication-Results of the owner's server
    new_words: str = ""
    defects: tuple[str, ...] = field(default_factory=tuple)
    oversized: str = ""  # the limit the message broke (``parse.limits``): read as ``other``
    quarantined: int = 0  # attempts that never finished: not read at all (``apply.quarantine``)
    language: str = ""  # of the new words: en, de, fi, fr, sr-Latn, sr-Cyrl; "" when unknown
    confidence: float = 1.0  # how sure the reading is, 0..1 (headers decide bounces for sure)
    unsure: bool = False  # confidence below ``Known.min_confidence``: the owner decides
    evidence: tuple[str, ...] = ()  # the concept words the reading rests on ("paid", "(negated)")


_BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|returned mail|mail delivery (failed|system)|"
    r"unzustellbar|nicht zustellbar|failure notice|non remis|non distribuable|"
    r"delivery has failed|delivery delayed|delivery failure",
    re.I,
)
_AUTO_SUBJECT = re.compile(
    r"^(automatic reply|auto(matic)?[- ]?reply|out of (the )?office|automatische antwort|"
    r"abwesenheit\w*|abwesend|automaattinen vastaus|poissa|réponse automatique|absence|"
    r"automatski odgovor|аутоматски одговор|odsut\w*|одсут\w*|vacation)\b",
    re.I,
)


_READ_CHARS = 5000  # of the new words: a person's reply is shorter; a 2 MB line is not read whole


def classify(raw: bytes, known: Known) -> Reply:
    """Never raises: the worker must outlive any message."""
    try:
        return _classify(parse(raw), known)
    except Exception as exc:  # a bug here must cost one message, not the inbox
        return Reply("", "", "", None, "other", defects=(f"classify failed: {exc!r}",))


def _classify(mail: Mail, known: Known) -> Reply:
    sent_day = mail.date.date() if mail.date else None
    if sent_day and known.today and sent_day > known.today + timedelta(days=1):  # (a day: time zones)
        sent_day = known.today
    own = mail.sender in known.own_addresses or bool(mail.header("x-mailbot"))
    words = new_words(mail.text)
    base: dict[str, Any] = {
        "message_id": mail.message_id,
        "sender": mail.sender,
        "subject": mail.subject,
        "received": mail.date,
        "own": own,
        "bulk": is_bulk(mail),
        "new_words": words[:2000],
        "defects": tuple(mail.defects),
        "oversized": mail.oversized,
    }
    if mail.oversized:  # not read whole, so nothing in it may count: only the owner looks
        return _oversized(mail, known, base)
    if is_bounce(mail):
        return _bounce(mail, known, base)
    trust = judge(mail, known.clients, known.authserv_id, known.own_domain, known.expect_auth)
    invoice, matched_by = match_invoice(mail, trust.client, known)
    trusted, reason = trust.trusted, trust.reason
    owner = known.owners.get(invoice, trust.client)
    if invoice and trust.client and owner != trust.client:
        trusted, reason = False, f"invoice {invoice} belongs to another client ({owner})"
    client = known.clients.get(trust.client)
    language, _sure = detect(words, client.language if client else "")
    common: dict[str, Any] = {
        **base, "invoice": invoice, "matched_by": matched_by, "client": trust.client,
        "trusted": trusted, "trust_reason": reason, "auth_ours": trust.ours, "language": language,
    }  # fmt: skip
    auto = bool(mail.header("list-id")) or _precedence_bulk(mail)
    machine = auto or is_auto_reply(mail)
    elsewhere = pays_elsewhere(words[:_READ_CHARS], known.own_ibans)
    if elsewhere and (trust.client or invoice or not machine):
        # A request to pay into another account goes to a person whatever else the mail
        # is, even an auto-reply (never answered); a stranger's newsletter is not one.
        return Reply(**common, intent="contact_change", phrase=elsewhere, auto=machine)
    if is_auto_reply(mail):
        back = return_date(words or mail.text, sent_day) if sent_day else None
        return Reply(**common, intent="auto_reply", date=back, auto=True)
    verdict = classify_text(words[:_READ_CHARS], known.own_ibans, language, sent_day, elsewhere)
    named = None
    if verdict.intent == "promise_to_pay" and sent_day:
        found = dates.promised_date(words, sent_day, language)
        named = found[0] if found else None
    if verdict.intent in ("other", "question", "thanks") and _remittance(mail):
        verdict = Verdict("payment_claimed", "remittance advice attached", 0.8)
    if auto:  # a newsletter or list mail speaks for nobody: it changes nothing and gets no answer
        return Reply(**common, intent="other", phrase="(list or bulk mail)", auto=True)
    return Reply(
        **common, intent=verdict.intent, phrase=verdict.phrase, date=named,
        confidence=verdict.confidence, unsure=verdict.confidence < known.min_confidence,
        evidence=verdict.words,
    )  # fmt: skip


def _oversized(mail: Mail, known: Known, base: dict) -> Reply:
    """``other``, tied to an invoice by its thread or subject, trusted as its sender is."""
    trust = judge(mail, known.clients, known.authserv_id, known.own_domain, known.expect_auth)
    invoice, matched_by = match_invoice(mail, trust.client, known)
    return Reply(
        **base, intent="other", phrase=f"(oversized: {mail.oversized})", invoice=invoice,
        matched_by=matched_by, client=trust.client, trusted=trust.trusted, trust_reason=trust.reason,
    )  # fmt: skip


def is_bounce(mail: Mail) -> bool:
    if mail.report_type == "delivery-status":
        return True
    return (
        bool(_BOUNCE_SENDER.match(mail.sender))
        or (not mail.sender and bool(_BOUNCE_SUBJECT.search(mail.subject)))
        or (bool(_BOUNCE_SUBJECT.search(mail.subject)) and "postmaster" in mail.sender)
    )


def is_auto_reply(mail: Mail) -> bool:
    """RFC 3834 ``Auto-Submitted`` and the de-facto headers; a subject when they are missing."""
    auto_submitted = mail.header("auto-submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return True
    if mail.header("x-autoreply") or mail.header("x-autorespond"):
        return True
    if "rules agent" in mail.header("x-ms-exchange-generated-message-source").lower():
        return True  # an Outlook rule answered, not a person
    if mail.header("precedence").lower() in ("auto_reply", "auto-reply"):
        return True
    return bool(_AUTO_SUBJECT.match(mail.subject))


def is_bulk(mail: Mail) -> bool:
    """Mail written for many or by a machine: the owner hears of it, but never one by one."""
    auto_submitted = mail.header("auto-submitted").lower()
    return (
        bool(mail.header("list-id") or mail.header("list-unsubscribe"))
        or _precedence_bulk(mail)
        or bool(auto_submitted and not auto_submitted.startswith("no"))
    )


def _precedence_bulk(mail: Mail) -> bool:
    return mail.header("precedence").lower() in ("bulk", "junk", "list")


def _bounce(mail: Mail, known: Known, base: dict) -> Reply:
    """RFC 3464 reports and the odd plain-text bounce, tied to the mail that failed."""
    temporary: frozenset = frozenset()
    permanent: frozenset = frozenset()
    if mail.message is not None:
        try:
            temporary, permanent = flufl.bounce.all_failures(mail.message)
        except Exception as exc:
            base = {**base, "defects": (*base["defects"], f"bounce scan: {exc!r}")}
    failed = sorted(permanent) or sorted(temporary)
    address = failed[0].decode("ascii", "replace").lower() if failed else ""
    invoice = _original_invoice(mail, known)
    trust = judge(mail, known.clients, known.authserv_id, known.own_domain, known.expect_auth)
    return Reply(
        **base, intent="bounce", invoice=invoice, matched_by="thread" if invoice else "",
        client=trust.client, trusted=trust.trusted, trust_reason=trust.reason, auth_ours=trust.ours,
        failed_address=address, permanent=bool(permanent), auto=True,
    )  # fmt: skip


def _original_invoice(mail: Mail, known: Known) -> str:
    """A bounce is credible when it carries the Message-ID of a mail we sent."""
    for message_id in (*mail.in_reply_to, *mail.references):
        if message_id in known.sent:
            return known.sent[message_id]
    text = _all_text(mail)
    for message_id in re.findall(r"<[^<>\s]{1,250}>", text):
        if message_id in known.sent:
            return known.sent[message_id]
    return ""


def _all_text(mail: Mail) -> str:
    """Every part as text, attached originals included (bounces quote the failed mail)."""
    if mail.message is None:
        return mail.text
    chunks, kept = [], 0
    for part in mail.message.walk():
        if kept > _ALL_TEXT:
            break
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            chunks.append(payload[:200_000].decode("utf-8", "replace"))
            kept += len(chunks[-1])
    return "\n".join(chunks)


_ALL_TEXT = 1_000_000  # characters of a bounce searched for our Message-ID


def match_invoice(mail: Mail, client: str, known: Known) -> tuple[str, str]:
    """Thread first, then an open invoice's number in subject or body, then the sender's
    only open invoice.

    A known client's words are matched only against that client's own invoices: a
    "2" in Acme's mail must never land on Kaiser's invoice 2.  Within a thread
    (a reminder listing several invoices), a number the client names wins.
    """
    numbers = set(known.open_invoices.get(client, ())) if client else known.open_numbers
    named = _named_number(mail, numbers)
    for message_id in (*mail.in_reply_to, *reversed(mail.references)):
        if message_id in known.sent:
            threaded = known.sent[message_id]
            if named and known.owners.get(named) == known.owners.get(threaded):
                return named, "thread"
            return threaded, "thread"
    if named:
        return named, "number"
    if client and len(known.open_invoices.get(client, ())) == 1:
        return known.open_invoices[client][0], "sender"
    return "", ""


def _named_number(mail: Mail, numbers: set[str]) -> str:
    for text in (mail.subject, mail.text):
        for token in re.findall(r"(?<![\w/-])([A-Za-z0-9][A-Za-z0-9._/-]{0,63})", text):
            token = token.rstrip(".,;:)")
            if token in numbers:
                return token
    return ""


def return_date(text: str, sent: date) -> date | None:
    """The day an out-of-office sender is back (``dates.return_day``): after "back on",
    "wieder ab", "palaan"...; with only "until X", the day after X."""
    return dates.return_day(text, sent)


def _remittance(mail: Mail) -> bool:
    names = " ".join(a.filename.lower() for a in mail.attachments)
    return bool(re.search(r"remittance|payment.?advice|zahlungsavis|avis.de.paiement|maksu", names))
