"""Claim before sending: every decided mail is written into the outbox first.

A claim is a row under the unique key ``(invoice, kind, step)`` with the mail's
Message-ID; the send step reads the claimed rows (DESIGN principle 2).  A
client's chase mail is claimed whole or not at all, and only when no other
chase mail of that client is pending or went out on the client's day.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo

from mailbot.config.settings import Settings
from mailbot.decide import policy
from mailbot.inbound.forward import to_owner
from mailbot.ledger.read import Ledger
from mailbot.outbound.compose import new_message_id
from mailbot.outbound.owner_words import for_owner
from mailbot.records.language import SUGGESTION_PREFIX, SUGGESTION_SUBJECT
from mailbot.state.store import Claim, Event, Store, detail_json, in_doubt, iso

log = logging.getLogger(__name__)


def release_stale(store: Store, settings: Settings, ledger: Ledger, now: datetime) -> None:
    """Forget chase mails claimed on an earlier day of their client that are known not
    delivered (never tried, or the server said "try again later"), so that today's
    decision sees the client afresh: yesterday's pending reminder and today's newly due
    one become one mail, not two.  A mail in doubt (sending began, no outcome recorded)
    is kept: it goes again only as it is, under its own Message-ID."""
    for row in store.claimed():
        if row.kind not in policy.CHASE_KINDS or in_doubt(row):
            continue
        invoice = ledger.invoices.get(row.invoice)
        client = settings.clients.get(invoice.client_id) if invoice else None
        claimed_on = policy.local_date(datetime.fromisoformat(row.claimed_at), client)
        if claimed_on < policy.local_date(now, client) and store.release(row):
            log.info("invoice %s: %s step %s claimed on %s and not delivered; decided again today",
                     row.invoice, row.kind, row.step, claimed_on)  # fmt: skip


def claim(
    store: Store, settings: Settings, ledger: Ledger, actions: list[policy.Action], now: datetime
) -> None:
    """Write every decided mail into the outbox before anything is sent (claim, then send)."""
    for group in policy.mails_of(actions):
        first = group[0]
        if first.kind == "note":
            if not store.has_note(first.invoice, first.about):
                store.add_event(Event(first.invoice, iso(now), "note", detail=first.about))
        elif first.kind == "notice":
            _claim_notice(store, settings, first, now)
        elif first.kind == "invoice":
            message_id = new_message_id(settings.domain, f"invoice-{first.invoice}")
            if not store.claim(first.invoice, "invoice", 0, message_id, now):
                log.warning("invoice %s: its mail was claimed already; not claimed again", first.invoice)
        else:
            _claim_chase(store, settings, ledger, group, now)


def _claim_chase(store: Store, settings: Settings, ledger: Ledger, group: list[policy.Action],
                 now: datetime) -> None:  # fmt: skip
    """One client's chase mail (a receipt, an acknowledgment, or reminders together)."""
    first = group[0]
    message_id = new_message_id(settings.domain, f"{first.kind}-{first.invoice}")
    claims = [
        Claim(action.invoice, action.kind, action.step, message_id, action.tone or None, detail_json(
            reasons=list(action.reasons) or None, group=list(action.group) or None,
            promised=action.promised.isoformat() if action.promised else None,
            about=action.about or None, language=action.language or None, **_reply_of(store, action),
        ))
        for action in group
    ]  # fmt: skip
    client = settings.clients.get(first.client)
    numbers = {i.number for i in ledger.of_client(first.client)} | {a.invoice for a in group}
    if not store.claim_chase(claims, numbers, _day_start(now, client), now):
        log.info("client %s: a chase mail is pending or went out today; %s of %s waits",
                 first.client, first.kind, ", ".join(a.invoice for a in group))  # fmt: skip


def _day_start(now: datetime, client) -> str:
    """The start of the client's day, as the store keeps times (UTC ISO)."""
    day = policy.local_date(now, client)
    return iso(datetime.combine(day, time(), ZoneInfo(client.timezone) if client else now.tzinfo))


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
    """A note to the owner (an overpayment, an invoice mailed late, a client's language):
    plain text, built now, sent by the loop.  A notice about a client, not an invoice, is
    stored under its own key (``records.language.suggestion_key``)."""
    business = settings.business
    message_id = new_message_id(settings.domain, "notice")
    words = for_owner(settings)
    about = words.said(action.said) if action.said else action.about
    if action.invoice.startswith(SUGGESTION_PREFIX):
        text = f"{about}\n\n{words('Nothing was changed; mailbot only tells you, once.')}\n"
        if action.said:  # (the same values, the subject's shorter message)
            short = words.said(action.said._replace(message=SUGGESTION_SUBJECT))
        else:
            short = about.split(" (")[0]
        subject = f"[mailbot] {short}"
    else:
        told = words("Invoice %(invoice)s: %(about)s.", invoice=action.invoice, about=about)
        text = f"{told}\n\n{words('Nothing was changed; mailbot only tells you.')}\n"
        subject = "[mailbot] " + words("invoice %(invoice)s: %(about)s", invoice=action.invoice, about=about)
    payload = to_owner(
        "notice", subject, text, business.name, business.email, business.owner, message_id, now, words=words
    )
    if store.claim(action.invoice, "notice", action.step, message_id, now, payload=payload,
                   recipients=business.owner, detail=detail_json(about=action.about)):  # fmt: skip
        store.add_event(Event(action.invoice, iso(now), "note", detail=action.about))
