"""Handing a mail to the owner: the forward, claimed with the mail's record.

A client's own mail is forwarded at once; a stranger's or a bulk sender's (a forged
notification too) only within the day's limits (``junk``), and noted for the digest
either way.  Used for replies (``apply``) and payment notifications (``payments``).
"""

from __future__ import annotations

from datetime import datetime

from mailbot.config.settings import Settings
from mailbot.inbound import junk
from mailbot.inbound.forward import build_forward
from mailbot.inbound.replies import Reply
from mailbot.outbound.compose import new_message_id
from mailbot.outbound.owner_words import for_owner
from mailbot.state.store import Claim, HeldBack, Store


def hand_over(
    reply: Reply, reason: str, raw: bytes, store: Store, settings: Settings, now: datetime
) -> tuple[Claim | None, HeldBack | None]:
    """A client's own mail is forwarded at once; a stranger's or a bulk sender's is
    forwarded only within the day's limits, and noted for the digest either way."""
    if junk.lane(reply) == "one_by_one":
        return forward_claim(reply, reason, raw, settings, now), None
    today = store.forwarded_today(reply.sender.lower(), junk.day_of(now))
    forwarded = junk.may_forward(today, settings.inbox.forwards_per_day)
    held = junk.held_back(reply, reason, len(raw), now, forwarded)
    return (forward_claim(reply, reason, raw, settings, now) if forwarded else None), held


def forward_claim(reply: Reply, reason: str, raw: bytes, settings: Settings, now: datetime) -> Claim:
    """The forward to the owner, built now and claimed with the reply's record (one
    transaction: ``Store.record_reply`` numbers its step); the send loop delivers it.
    A message not read whole (oversized, quarantined) is not attached: the owner reads it
    in the mailbox."""
    business = settings.business
    message_id = new_message_id(settings.domain, "forward")
    original = None if reply.oversized or reply.quarantined else raw
    payload = build_forward(
        reply,
        reason,
        original,
        business.name,
        business.email,
        business.owner,
        message_id,
        now,
        settings.inbox.keep_bytes,
        wait_days=settings.replies.unsure_wait_days,
        words=for_owner(settings),
    )
    return Claim(reply.invoice or "unmatched", "forward", 0, message_id, payload=payload,
                 recipients=business.owner)  # fmt: skip
