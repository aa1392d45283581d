"""Pure decisions: what state each invoice is in and which mail is due now.

Nothing here reads the clock, the disk or the network: ``now`` and the facts
come in as arguments, so every rule is a plain function to test.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from mailbot.ledger import Invoice
from mailbot.settings import Client
from mailbot.store import Event, OutboxRow


@dataclass(frozen=True)
class Action:
    invoice: str
    kind: str  # invoice | reminder | receipt | ack | final
    step: int = 0


@dataclass(frozen=True)
class Facts:
    """What mailbot knows about one invoice besides the ledger."""

    outbox: tuple[OutboxRow, ...] = ()
    events: tuple[Event, ...] = ()

    def row(self, kind: str, step: int = 0) -> OutboxRow | None:
        return next((r for r in self.outbox if r.kind == kind and r.step == step), None)


def group_facts(outbox: Iterable[OutboxRow], events: Iterable[Event]) -> dict[str, Facts]:
    rows: dict[str, list[OutboxRow]] = {}
    evs: dict[str, list[Event]] = {}
    for row in outbox:
        rows.setdefault(row.invoice, []).append(row)
    for event in events:
        evs.setdefault(event.invoice, []).append(event)
    return {
        key: Facts(tuple(rows.get(key, ())), tuple(evs.get(key, ())))
        for key in rows.keys() | evs.keys()
    }


def local_date(now: datetime, client: Client | None) -> date:
    """The date on the client's calendar: an invoice dated today goes out on their today."""
    zone = ZoneInfo(client.timezone) if client else None
    return now.astimezone(zone).date() if zone else now.date()


def balance(invoice: Invoice) -> Decimal:
    return invoice.totals.gross - invoice.ledger_paid


# What a trusted reply does to an invoice's state (issue: replies never touch money).
REPLY_STATES = {
    "payment_claimed": "payment_claimed",
    "promise_to_pay": "promised",
    "dispute": "disputed",
}


def state(invoice: Invoice, facts: Facts, today: date) -> str:
    """One of CONTRACT's states; the first rule that applies wins."""
    if not invoice.valid:
        return "invalid"
    if invoice.cancelled:
        return "cancelled"
    if balance(invoice) <= 0:
        return "paid"
    sent = facts.row("invoice")
    if (sent is not None and sent.status == "failed") or bounced(facts):
        return "undeliverable"
    if sent is None or sent.status != "sent":
        return "scheduled"
    said = reply_state(facts, today)
    if said:
        return said
    assert invoice.due_date is not None
    return "overdue" if today > invoice.due_date else "sent"


def current_replies(facts: Facts) -> list[Event]:
    """Reply events since the owner last resumed the invoice (a resume clears a dispute)."""
    replies: list[Event] = []
    for event in facts.events:
        if event.type == "resume":
            replies = []
        elif event.type == "reply":
            replies.append(event)
    return replies


def bounced(facts: Facts) -> bool:
    """A permanent bounce of one of our mails (it carried our Message-ID, so it is credible)."""
    return any(
        e.intent == "bounce" and json.loads(e.detail or "{}").get("permanent")
        for e in current_replies(facts)
    )


def reply_state(facts: Facts, today: date) -> str | None:
    """The state the latest trusted, state-changing reply puts the invoice in."""
    for event in reversed(current_replies(facts)):
        if not event.trusted or event.intent not in REPLY_STATES:
            continue
        if (
            event.intent == "promise_to_pay"
            and event.until
            and date.fromisoformat(event.until) < today
        ):
            return None  # the promised day has passed: chasing decides again
        return REPLY_STATES[event.intent]
    return None


def next_actions(
    invoices: Iterable[Invoice],
    facts: Mapping[str, Facts],
    clients: Mapping[str, Client],
    now: datetime,
) -> list[Action]:
    """The mails to send now, in ledger order.

    An invoice goes out once its issue date has come on the client's calendar,
    unless it is invalid, cancelled, already paid or already claimed.
    """
    actions = []
    empty = Facts()
    for invoice in invoices:
        client = clients.get(invoice.client_id)
        today = local_date(now, client)
        known = facts.get(invoice.number, empty)
        if state(invoice, known, today) != "scheduled" or known.row("invoice") is not None:
            continue
        if invoice.issue_date is not None and invoice.issue_date <= today:
            actions.append(Action(invoice.number, "invoice"))
    return actions


def next_action(invoice: Invoice, facts: Facts, today: date) -> dict[str, str] | None:
    """What ``status`` shows as coming next for one invoice."""
    if state(invoice, facts, today) == "scheduled" and invoice.issue_date is not None:
        return {"kind": "invoice", "on": max(invoice.issue_date, today).isoformat()}
    return None
