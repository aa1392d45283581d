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
from datetime import UTC, datetime
from typing import Literal

from mailbot.inbound.replies import Reply
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


def digest(rows: list[HeldBack], mailbox: str) -> tuple[str, str]:
    """(subject, text) of the digest: how many mails, then one line per sender, the
    busiest first, with their count and latest subject."""
    by_sender = Counter(row.sender for row in rows)
    latest = {row.sender: row for row in rows}
    days = sorted({row.day for row in rows})
    span = days[0] if len(days) == 1 else f"{days[0]} to {days[-1]}"
    mails = _count(len(rows), "mail")
    senders = _count(len(by_sender), "sender")
    subject = f"[mailbot] held back: {mails} from {senders} ({span})"
    lines = [
        f"mailbot held back {mails} from {senders} ({span}, UTC) instead of forwarding each:",
        "mail from senders who are not your clients, mailing lists and bulk mail.",
        "The first mail of each sender a day was forwarded to you; these came after it,",
        "or after the day's forwards were used up. Nothing was deleted: they are all",
        f"still in {mailbox}.",
        "",
        "mails  sender  (latest subject)",
    ]
    for sender, count in by_sender.most_common(MAX_SENDERS_LISTED):
        row = latest[sender]
        lines.append(f"{count:5}  {sender or '(no sender)'}  ({row.subject}; {_size(row.size)})")
    rest = len(by_sender) - MAX_SENDERS_LISTED
    if rest > 0:
        lines.append(f"... and {_count(rest, 'more sender')}.")
    return subject, "\n".join(lines) + "\n"


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"
