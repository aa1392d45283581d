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
from decimal import Decimal

from mailbot.inbound.replies import Reply
from mailbot.inbound.trust import CLIENT_PASSED, CLIENT_UNCHECKED, NONE_OF_OURS, NOT_PASSED
from mailbot.outbound.compose import Envelope, Extras, Rendered, Threading, compose
from mailbot.outbound.headers import one_line
from mailbot.outbound.owner_words import ENGLISH, N_, OwnerWords
from mailbot.records.kinds import CONFIRM_WORDS

NEEDS_OWNER = {"dispute", "question", "contact_change"}
# Why the reply needs the owner, in the owner's language (``OwnerWords``); the commands stay.
_WHY = {
    "dispute": N_("disputes the invoice; no reminders until you run `mailbot resume %(invoice)s`"),
    "question": N_("asks a question; no reminders until you run `mailbot resume %(invoice)s`"),
    "contact_change": N_(
        "asks to change where invoices or money go. Never applied automatically: "
        "confirm by phone with a number you already know before you change anything"
    ),
    "payment_claimed": N_(
        "says it is paid, but the sender is not verified: nothing was changed, no thank-you sent"
    ),
    "bounce": N_("could not be delivered to %(failed)s: mailbot stopped mailing this invoice"),
    "unmatched": N_("could not be tied to an open invoice"),
    "oversized": N_(
        "was too large or too complex to read (%(oversized)s); nothing was changed. Read it in the mailbox"
    ),
    "payment_untrusted": N_(
        "looks like a payment notification, but mailbot does not believe it: nothing was recorded. "
        "If the money did arrive, record it with `mailbot mark-paid INVOICE`"
    ),
    "quarantined": N_(
        "could not be read: reading it failed %(quarantined)s times (%(defect)s); mailbot will not "
        "try again. Read it in the mailbox"
    ),
}
# What the reply is, as the subject and the summary name it ("[mailbot] dispute: ...").
_INTENT = {
    "payment_claimed": N_("payment claimed"),
    "promise_to_pay": N_("promise to pay"),
    "dispute": N_("dispute"),
    "question": N_("question"),
    "thanks": N_("thanks"),
    "contact_change": N_("contact change"),
    "auto_reply": N_("auto reply"),
    "bounce": N_("bounce"),
    "other": N_("other"),
}
_ABOUT = {"unsure": N_("not sure"), "payment_untrusted": N_("payment notification NOT believed")}


def intent_in_words(intent: str, words: OwnerWords = ENGLISH) -> str:
    """The intent as the owner reads it in a subject: "dispute", "Widerspruch"."""
    return words(_INTENT[intent]) if intent in _INTENT else intent.replace("_", " ")


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
    "payment_claimed": N_("a statement that it is paid"),
    "dispute": N_("a dispute of the invoice"),
    "question": N_("a question"),
    "thanks": N_("a thank-you"),
    "contact_change": N_("a change of where invoices or money go"),
    "other": N_("nothing mailbot acts on"),
}


def reading_in_words(intent: str, day: date | None, words: OwnerWords = ENGLISH) -> str:
    """mailbot's best reading of a reply, as the owner reads it ("a promise to pay on 15 Dec 2026")."""
    if intent == "promise_to_pay":
        if day is None:
            return words("a promise to pay (no day named)")
        return words("a promise to pay on %(day)s", day=words.date(day))
    return words(_READING[intent]) if intent in _READING else intent.replace("_", " ")


# How a reply was tied to its invoice (``replies.match_invoice``), for the forward's "Matched:".
_MATCHED = {"thread": N_("thread"), "number": N_("number"), "sender": N_("sender")}
_REASONS = {reason: N_(reason) for reason in (CLIENT_UNCHECKED, CLIENT_PASSED, NONE_OF_OURS, NOT_PASSED)}


def _trust(reply: Reply, words: OwnerWords) -> str:
    """Whether the sender is who they say, and why not."""
    if reply.trusted:
        return words("verified")
    return words("NOT verified: %(reason)s", reason=_reason(reply, words))


def _reason(reply: Reply, words: OwnerWords) -> str:
    """The trust checks' reason, translated when it is one of their fixed sentences (the
    others name domains and results: they stay as written)."""
    known = _REASONS.get(reply.trust_reason)
    return words(known) if known else reply.trust_reason


def _matched(reply: Reply, words: OwnerWords) -> str:
    if reply.matched_by in _MATCHED:
        return words(_MATCHED[reply.matched_by])
    return reply.matched_by or words("no")


def unsure_summary(reply: Reply, wait_days: int, words: OwnerWords = ENGLISH) -> str:
    """The forward's line for a reading mailbot is not sure of: its best reading in words,
    how sure, the words, and the commands that settle it."""
    number = reply.invoice
    word = CONFIRM_WORDS.get(reply.intent, "other")
    best = f"mailbot confirm {number} {word}"
    if word == "promise" and reply.date:
        best += f" {reply.date.isoformat()}"
    said = reply.phrase or " ".join(reply.new_words.split())[:120]
    # (not `mailbot resume`: it forgets everything the client said, a payment claim too)
    if word == "other":
        settle = words(
            "confirm with `%(best)s`, or say what it is: `mailbot confirm %(invoice)s promise [YYYY-MM-DD]`,"
            " `paid`, `dispute`, `question` or `thanks`", best=best, invoice=number,
        )  # fmt: skip
    else:
        settle = words("confirm with `%(best)s`, or `mailbot confirm %(invoice)s other` if it is none",
                       best=best, invoice=number)  # fmt: skip
    if wait_days:
        wait = words.plural(
            "meanwhile nothing changed and the next reminder waits %(num)s working day",
            "meanwhile nothing changed and the next reminder waits %(num)s working days", wait_days,
        )  # fmt: skip
    else:
        wait = words("meanwhile nothing changed")
    values = {
        "invoice": number, "sender": reply.sender or words("an unknown sender"),
        "trust": _trust(reply, words),
        "reading": reading_in_words(reply.intent, reply.date, words),
        "confidence": words.fmt.number(Decimal(f"{reply.confidence:.2f}")),
        "settle": settle, "wait": wait, "said": said,
    }  # fmt: skip
    if said:
        return words(
            'reply on invoice %(invoice)s from %(sender)s (%(trust)s): mailbot reads this as %(reading)s, '
            'but is not sure (%(confidence)s; the words: "%(said)s"): %(settle)s; %(wait)s.', **values
        )  # fmt: skip
    return words(
        "reply on invoice %(invoice)s from %(sender)s (%(trust)s): mailbot reads this as %(reading)s, "
        "but is not sure (%(confidence)s): %(settle)s; %(wait)s.", **values
    )  # fmt: skip


def summary(reply: Reply, reason: str, wait_days: int = 3, words: OwnerWords = ENGLISH) -> str:
    """One line the owner can act on without opening the attachment (``wait_days``: how
    long an unsure reading makes the next reminder wait, ``[replies] unsure_wait_days``)."""
    if reason == "unsure":
        return unsure_summary(reply, wait_days, words)
    why = words(
        _WHY[reason],
        invoice=reply.invoice,
        failed=reply.failed_address or "?",
        oversized=reply.oversized,
        quarantined=reply.quarantined,
        defect=reply.defects[-1] if reply.defects else words("the process died"),
    )
    values = {
        "intent": intent_in_words(reply.intent, words), "invoice": reply.invoice,
        "sender": reply.sender or words("an unknown sender"), "trust": _trust(reply, words), "why": why,
    }  # fmt: skip
    where = (
        words("%(intent)s on invoice %(invoice)s from %(sender)s (%(trust)s)", **values)
        if reply.invoice
        else words("%(intent)s on no invoice from %(sender)s (%(trust)s)", **values)
    )
    quoted = words('"%(said)s"', said=reply.phrase)  # ("…" in English, „…“ in German, « … » in French)
    said = f" ({quoted})" if reply.phrase else ""
    return words("%(where)s: %(why)s.", where=where + said, why=why)


def _attached(raw: bytes | None, keep_bytes: int | None, words: OwnerWords) -> str:
    """What the forward says of the original: attached, cut (a huge mail), or not attached."""
    if raw is None:
        return words("The original is not attached.")
    if keep_bytes is not None and len(raw) > keep_bytes:
        return words(
            "The original mail has %(size)s bytes; only its first %(kept)s are attached."
            " The whole mail is still in the mailbox mailbot reads.",
            size=words.fmt.number(Decimal(len(raw))), kept=words.fmt.number(Decimal(keep_bytes)),
        )  # fmt: skip
    return words("The original mail is attached.")


def build_forward(
    reply: Reply, reason: str, raw: bytes | None, business_name: str, business_email: str,
    owner: str, message_id: str, now: datetime, keep_bytes: int | None = None, wait_days: int = 3,
    words: OwnerWords = ENGLISH,
) -> bytes:  # fmt: skip
    line = summary(reply, reason, wait_days, words)
    line = line[:1].upper() + line[1:]  # (its messages start as clauses; here it opens the mail)
    attached = _attached(raw, keep_bytes, words)
    if raw is not None and keep_bytes is not None:
        raw = raw[:keep_bytes]
    about = words(_ABOUT[reason]) if reason in _ABOUT else intent_in_words(reply.intent, words)
    subject = "[mailbot] " + words(
        "%(about)s: %(subject)s", about=about, subject=reply.subject or words("(no subject)")
    )
    received = reply.received.isoformat() if reply.received else "?"  # (exact, in any language)
    head = words(
        "From: %(sender)s\nSubject: %(subject)s\nReceived: %(received)s\n"
        "Matched: %(matched)s; trust: %(trust)s",
        sender=reply.sender, subject=reply.subject, received=received,
        matched=_matched(reply, words),
        trust=_reason(reply, words),
    )  # fmt: skip
    new = words("Their new words:")
    text = f"{line}\n\n{head}\n\n{new}\n\n{reply.new_words}\n\n{attached}\n"
    return to_owner(
        "forward", subject, text, business_name, business_email, owner, message_id, now, raw, words
    )


def to_owner(
    tag: str, subject: str, text: str, business_name: str, business_email: str, owner: str,
    message_id: str, now: datetime, attachment: bytes | None = None, words: OwnerWords = ENGLISH,
) -> bytes:  # fmt: skip
    """A plain-text mail from mailbot to the owner, marked so mailbot knows it as its own."""
    rendered = Rendered(subject=one_line(subject)[:250], html="", text=text)
    envelope = Envelope(words("mailbot for %(business)s", business=business_name), business_email, [owner])
    extras = Extras(auto_submitted="auto-generated", headers=[("X-Mailbot", tag)], attachment=attachment)
    return compose(rendered, envelope, Threading(message_id), now, extras)
