"""Claim before sending: every decided mail is written into the outbox first.

A claim is a row under the unique key ``(invoice, kind, step)`` with the mail's
Message-ID; the send step reads the claimed rows (DESIGN principle 2).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from mailbot.config.settings import Settings
from mailbot.decide import policy
from mailbot.inbound.forward import to_owner
from mailbot.outbound.compose import new_message_id
from mailbot.state.store import Event, Store, detail_json, iso

log = logging.getLogger(__name__)


def claim(store: Store, settings: Settings, actions: list[policy.Action], now: datetime) -> None:
    """Write every decided mail into the outbox before anything is sent (claim, then send)."""
    groups: dict[tuple, list[policy.Action]] = {}
    for action in actions:
        key = ("group", action.group) if action.group else (action.kind, action.invoice, action.step)
        groups.setdefault(key, []).append(action)
    for group in groups.values():
        first = group[0]
        if first.kind == "note":
            if not store.has_note(first.invoice, first.about):
                store.add_event(Event(first.invoice, iso(now), "note", detail=first.about))
            continue
        if first.kind == "notice":
            _claim_notice(store, settings, first, now)
            continue
        message_id = new_message_id(settings.domain, f"{first.kind}-{first.invoice}")
        for action in group:
            detail = detail_json(
                reasons=list(action.reasons) or None, group=list(action.group) or None,
                promised=action.promised.isoformat() if action.promised else None,
                about=action.about or None, **_reply_of(store, action),
            )  # fmt: skip
            store.claim(action.invoice, action.kind, action.step, message_id, now,
                        tone=action.tone or None, detail=detail)  # fmt: skip


def _reply_of(store: Store, action: policy.Action) -> dict:
    """For an acknowledgment: the client's mail it answers (the n-th reply of the invoice)."""
    if action.kind != "ack":
        return {}
    replies = [e for e in store.events(action.invoice) if e.type == "reply"]
    if len(replies) < action.step:
        return {}
    reply = replies[action.step - 1]
    subject = json.loads(reply.detail or "{}").get("subject", "")
    return {"reply_id": reply.message_id, "subject": subject}


def _claim_notice(store: Store, settings: Settings, action: policy.Action, now: datetime) -> None:
    """A note to the owner (an overpayment): plain text, built now, sent by the loop."""
    business = settings.business
    message_id = new_message_id(settings.domain, "notice")
    text = f"Invoice {action.invoice}: {action.about}.\n\nNothing was changed; mailbot only tells you.\n"
    subject = f"[mailbot] invoice {action.invoice}: {action.about}"
    payload = to_owner(
        "notice", subject, text, business.name, business.email, business.owner, message_id, now
    )
    store.claim(action.invoice, "notice", action.step, message_id, now, payload=payload,
                recipients=business.owner, detail=detail_json(about=action.about))  # fmt: skip
    store.add_event(Event(action.invoice, iso(now), "note", detail=action.about))
