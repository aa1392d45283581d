"""Pure: which mail reaches the owner one by one, and the daily digest of the rest.

A client's own words (verified as theirs; and a bounce of a mail mailbot sent) go to the owner
at once, one forward each: a dispute must never wait behind a spam wave.  Mail
from strangers, mailing lists and bulk senders is *limited*: the first one of a
sender on a day is forwarded, up to ``[inbox] forwards_per_day`` in all, and the
rest is listed in one digest the next day.  A wave of 5,000 junk mails then costs
the owner a handful of forwards and one digest, not 5,000 mails.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

from mailbot.inbound.replies import Reply
from mailbot.outbound.owner_words import ENGLISH, OwnerWords
from mailbot.state.store import HeldBack, Today, iso

Lane = Literal["one_by_one", "limited"]

MAX_SENDERS_LISTED = 300  # digest lines; the rest as one count


def lane(reply: Reply) -> Lane:
    """One by one: a client's own (non-bulk, trusted) mail, or a bounce of a mail we sent.
    A client's address on a mail that failed the trust checks is anyone's: a forger
    sending hundreds in the client's name gets what a stranger gets (the first a day)."""
    if reply.intent == "bounce" and reply.invoice:
        return "one_by_one"
    if reply.client and reply.trusted and not reply.bulk:
        return "one_by_one"
    return "limited"


def may_forward(today: Today, per_day: int) -> bool:
    """The first mail of this sender today, while the day's forwards last."""
    return not today.sender_forwarded and today.forwarded < per_day


def day_of(now: datetime) -> str:
    """The day the limits count in: UTC, so that every process agrees."""
    return now.astimezone(UTC).date().isoformat()


def held_back(reply: Reply, reason: str, size: int, now: datetime, forwarded: bool) -> HeldBack:
    subject = " ".join((reply.subject or "(no subject)").split())[:200]
    return HeldBack(day_of(now), iso(now),
                    reply.sender.lower()[:320], subject, reason, size, forwarded)  # fmt: skip


def digest(rows: list[HeldBack], mailbox: str, words: OwnerWords = ENGLISH) -> tuple[str, str]:
    """(subject, text) of the digest: how many mails, then one line per sender, the
    busiest first, with their count and latest subject."""
    by_sender = Counter(row.sender for row in rows)
    latest = {row.sender: row for row in rows}
    days = sorted({row.day for row in rows})
    first, last = (words.date(date.fromisoformat(day)) for day in (days[0], days[-1]))
    span = first if len(days) == 1 else words("%(first)s to %(last)s", first=first, last=last)
    values = {
        "mails": words.plural("%(num)s mail", "%(num)s mails", len(rows)),
        "senders": words.plural("%(num)s sender", "%(num)s senders", len(by_sender)),
        "span": span, "mailbox": mailbox, "zone": "UTC",
    }  # fmt: skip
    subject = "[mailbot] " + words("held back: %(mails)s from %(senders)s (%(span)s)", **values)
    lines = [
        words(
            "mailbot held back %(mails)s from %(senders)s (%(span)s, %(zone)s) instead of forwarding each:\n"
            "mail from senders who are not your clients, mailing lists and bulk mail.\n"
            "The first mail of each sender a day was forwarded to you; these came after it,\n"
            "or after the day's forwards were used up. Nothing was deleted: they are all\n"
            "still in %(mailbox)s.", **values,
        ),
        "",
        words("mails  sender  (latest subject)"),
    ]  # fmt: skip
    for sender, count in by_sender.most_common(MAX_SENDERS_LISTED):
        row = latest[sender]
        size = _size(row.size, words)
        lines.append(f"{count:5}  {sender or words('(no sender)')}  ({row.subject}; {size})")
    rest = len(by_sender) - MAX_SENDERS_LISTED
    if rest > 0:
        lines.append(words.plural("... and %(num)s more sender.", "... and %(num)s more senders.", rest))
    return subject, "\n".join(lines) + "\n"


def _size(size: int, words: OwnerWords) -> str:
    if size >= 1024 * 1024:
        return f"{words.fmt.number(Decimal(size) / 1024 / 1024, 1)} MB"
    return f"{words.fmt.number(Decimal(max(1, size // 1024)), 0)} KB"
