"""Pure: the mail that hands a client's reply to the owner, with a one-line summary on top.

The original travels attached, untouched, so the owner sees exactly what the
client sent; one larger than ``[inbox] keep_bytes`` is attached cut at that size
(the forward is stored until it is sent: a 25 MB mail must not cost 25 MB of state),
and the whole mail stays in the mailbox mailbot reads.  The forward is marked
``Auto-Submitted: auto-generated`` (no person wrote it; the owner's own
auto-responder must not answer it) and ``X-Mailbot: forward``, so that when the
owner's address is the mailbox mailbot reads, mailbot recognises its own forward
and leaves it alone.
"""

from __future__ import annotations

from datetime import date, datetime

from mailbot.inbound.replies import Reply
from mailbot.outbound.compose import Envelope, Extras, Rendered, Threading, compose
from mailbot.records.kinds import CONFIRM_WORDS

NEEDS_OWNER = {"dispute", "question", "contact_change"}
_WHY = {
    "dispute": "disputes the invoice; no reminders until you run `mailbot resume {invoice}`",
    "question": "asks a question; no reminders until you run `mailbot resume {invoice}`",
    "contact_change": "asks to change where invoices or money go. Never applied automatically: "
    "confirm by phone with a number you already know before you change anything",
    "payment_claimed": "says it is paid, but the sender is not verified: nothing was changed, "
    "no thank-you sent",
    "bounce": "could not be delivered to {failed}: mailbot stopped mailing this invoice",
    "unmatched": "could not be tied to an open invoice",
    "oversized": "was too large or too complex to read ({oversized}); nothing was changed. "
    "Read it in the mailbox",
    "payment_untrusted": "looks like a payment notification, but mailbot does not believe it: "
    "nothing was recorded. If the money did arrive, record it with `mailbot mark-paid INVOICE`",
    "quarantined": "could not be read: reading it failed {quarantined} times ({defect}); "
    "mailbot will not try again. Read it in the mailbox",
}


_ABOUT = {"unsure": "not sure", "payment_untrusted": "payment notification NOT believed"}


def needs_owner(reply: Reply) -> str:
    """The reason a person must see this reply, or "" when mailbot handles it."""
    if reply.own or (reply.auto and reply.intent not in ("bounce", "contact_change")):
        return ""  # (a machine asking to pay into another account still goes to a person)
    if reply.quarantined:
        return "quarantined"
    if reply.oversized:
        return "oversized"
    if reply.intent == "bounce":
        return "bounce" if reply.permanent and reply.invoice else ""
    if not reply.invoice:
        return "unmatched"
    if reply.intent == "contact_change":
        return "contact_change"
    if reply.intent == "payment_claimed" and not reply.trusted:
        return "payment_claimed"
    if is_unsure(reply):
        return "unsure"
    if reply.intent in NEEDS_OWNER:
        return reply.intent
    return ""


def is_unsure(reply: Reply) -> bool:
    """A reading of a person's words about an invoice that mailbot is not sure of: it
    changes nothing by itself, and the owner confirms it (``mailbot confirm``).  Headers
    decide bounces and auto-replies for sure; a list mail, an oversized or quarantined
    one was never read as a person's words.  Only a trusted sender's reply can make an
    invoice wait: a stranger's changes nothing, sure or not."""
    return (
        reply.unsure
        and reply.trusted
        and bool(reply.invoice)
        and reply.intent not in ("bounce", "auto_reply")
        and not (reply.own or reply.auto or reply.oversized or reply.quarantined)
    )


# The intents ``mailbot confirm`` takes, by the intent they confirm, and mailbot's reading in words.
_READING = {
    "payment_claimed": "a statement that it is paid",
    "dispute": "a dispute of the invoice",
    "question": "a question",
    "thanks": "a thank-you",
    "contact_change": "a change of where invoices or money go",
    "other": "nothing mailbot acts on",
}


def reading_in_words(intent: str, day: date | None) -> str:
    """mailbot's best reading of a reply, as the owner reads it ("a promise to pay on 15 Dec 2026")."""
    if intent == "promise_to_pay":
        return f"a promise to pay on {day.day} {day:%b %Y}" if day else "a promise to pay (no day named)"
    return _READING.get(intent, intent.replace("_", " "))


def unsure_summary(reply: Reply, wait_days: int) -> str:
    """The forward's line for a reading mailbot is not sure of: its best reading in words,
    how sure, the words, and the commands that settle it."""
    number = reply.invoice
    word = CONFIRM_WORDS.get(reply.intent, "other")
    best = f"mailbot confirm {number} {word}"
    if word == "promise" and reply.date:
        best += f" {reply.date.isoformat()}"
    words = reply.phrase or " ".join(reply.new_words.split())[:120]
    said = f'; the words: "{words}"' if words else ""
    who = reply.sender or "an unknown sender"
    trust = "verified" if reply.trusted else f"NOT verified: {reply.trust_reason}"
    # (not `mailbot resume`: it forgets everything the client said, a payment claim too)
    if word == "other":
        settle = (
            f"confirm with `{best}`, or say what it is: `mailbot confirm {number} promise [YYYY-MM-DD]`,"
            f" `paid`, `dispute`, `question` or `thanks`"
        )
    else:
        settle = f"confirm with `{best}`, or `mailbot confirm {number} other` if it is none"
    wait = (
        f"; meanwhile nothing changed and the next reminder waits {wait_days} working days"
        if wait_days
        else "; meanwhile nothing changed"
    )
    return (
        f"reply on invoice {number} from {who} ({trust}): mailbot reads this as "
        f"{reading_in_words(reply.intent, reply.date)}, but is not sure ({reply.confidence:.2f}{said}): "
        f"{settle}{wait}."
    )


def summary(reply: Reply, reason: str, wait_days: int = 3) -> str:
    """One line the owner can act on without opening the attachment (``wait_days``: how
    long an unsure reading makes the next reminder wait, ``[replies] unsure_wait_days``)."""
    if reason == "unsure":
        return unsure_summary(reply, wait_days)
    who = reply.sender or "an unknown sender"
    about = f"invoice {reply.invoice}" if reply.invoice else "no invoice"
    why = _WHY[reason].format(
        invoice=reply.invoice,
        reason=reply.trust_reason,
        failed=reply.failed_address or "?",
        oversized=reply.oversized,
        quarantined=reply.quarantined,
        defect=reply.defects[-1] if reply.defects else "the process died",
    )
    words = f' ("{reply.phrase}")' if reply.phrase else ""
    trust = "verified" if reply.trusted else f"NOT verified: {reply.trust_reason}"
    return f"{reply.intent.replace('_', ' ')} on {about} from {who} ({trust}){words}: {why}."


def build_forward(
    reply: Reply, reason: str, raw: bytes | None, business_name: str, business_email: str,
    owner: str, message_id: str, now: datetime, keep_bytes: int | None = None, wait_days: int = 3,
) -> bytes:  # fmt: skip
    line = summary(reply, reason, wait_days)
    attached = "The original mail is attached." if raw is not None else "The original is not attached."
    if raw is not None and keep_bytes is not None and len(raw) > keep_bytes:
        attached = (
            f"The original mail has {len(raw):,} bytes; only its first {keep_bytes:,} are attached."
            " The whole mail is still in the mailbox mailbot reads."
        )
        raw = raw[:keep_bytes]
    about = _ABOUT.get(reason) or reply.intent.replace("_", " ")
    subject = f"[mailbot] {about}: {reply.subject or '(no subject)'}"
    text = (
        f"{line}\n\n"
        f"From: {reply.sender}\nSubject: {reply.subject}\n"
        f"Received: {reply.received.isoformat() if reply.received else '?'}\n"
        f"Matched: {reply.matched_by or 'no'}; trust: {reply.trust_reason}\n\n"
        f"Their new words:\n\n{reply.new_words}\n\n{attached}\n"
    )
    return to_owner("forward", subject, text, business_name, business_email, owner, message_id, now, raw)


def to_owner(
    tag: str, subject: str, text: str, business_name: str, business_email: str, owner: str,
    message_id: str, now: datetime, attachment: bytes | None = None,
) -> bytes:  # fmt: skip
    """A plain-text mail from mailbot to the owner, marked so mailbot knows it as its own."""
    rendered = Rendered(subject=" ".join(subject.split())[:250], html="", text=text)
    envelope = Envelope(f"mailbot for {business_name}", business_email, [owner])
    extras = Extras(auto_submitted="auto-generated", headers=[("X-Mailbot", tag)], attachment=attachment)
    return compose(rendered, envelope, Threading(message_id), now, extras)
