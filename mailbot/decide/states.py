"""Pure: an invoice's money and state, as ``status`` shows it and decisions start from.

What is paid and still open (``Decimal``, the ledger's and the recorded payments), the
day it was paid, and the one state of CONTRACT's list that applies first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from mailbot.config.settings import Chase, Client
from mailbot.decide.workdays import zone
from mailbot.ledger.invoices import Invoice
from mailbot.records.facts import REPLY_STATES, Facts
from mailbot.records.kinds import State

NOT_CHASED: tuple[State, ...] = ("cancelled", "undeliverable", "paused", "disputed")
CHASED: tuple[State, ...] = ("sent", "overdue", "promised", "payment_claimed")  # (for ``status``)


def local_date(now: datetime, client: Client | None) -> date:
    """The date on the client's calendar: an invoice dated today goes out on their today."""
    return now.astimezone(zone(client.timezone)).date() if client else now.date()


def due_after_mailing(due: date, issue: date | None, mailed_on: date, late_terms: int | None) -> date:
    """The due date the client was told: the ledger's, unless the invoice reached them after it.

    A client who receives an invoice after its due date cannot have paid it in time;
    counting them as long overdue would send the next reminder two days later. They get
    the terms again from the day it was mailed: ``late_terms`` days (``[chase]
    late_mail_terms_days``), or by default the invoice's own terms (due minus issue date).
    """
    if mailed_on <= due:
        return due
    terms = late_terms if late_terms is not None else max(0, (due - issue).days) if issue else 0
    return mailed_on + timedelta(days=terms)


def effective_due(invoice: Invoice, facts: Facts, client: Client | None, rules: Chase) -> date | None:
    """The due date that counts for this invoice (``due_after_mailing``): what its mail
    said and what the reminders count from. Before it is mailed, the ledger's."""
    due, at = invoice.due_date, facts.invoice_at
    if due is None or at is None:
        return due
    mailed_on = datetime.fromisoformat(at).astimezone(zone(client.timezone) if client else UTC).date()
    return due_after_mailing(due, invoice.issue_date, mailed_on, rules.late_mail_terms_days)


def paid(invoice: Invoice, facts: Facts | None = None) -> Decimal:
    """What the ledger says was paid plus what the owner recorded (`mark-paid`)."""
    return invoice.ledger_paid + facts.paid_in() if facts else invoice.ledger_paid


def balance(invoice: Invoice, facts: Facts | None = None) -> Decimal:
    """What is still open; a client who took the offered early-payment discount owes nothing."""
    left = invoice.gross - invoice.ledger_paid
    if facts is not None and facts.payments:
        left -= facts.paid_in()
    if invoice.discount_amount and 0 < left <= invoice.discount_amount:
        assert invoice.discount_until is not None
        in_time = _paid_until(invoice, facts, invoice.discount_until)
        if in_time >= invoice.gross - invoice.discount_amount:
            return Decimal(0)
    return left


def _paid_until(invoice: Invoice, facts: Facts | None, day: date) -> Decimal:
    ledger = invoice.ledger_paid if invoice.paid_on and invoice.paid_on <= day else Decimal(0)
    return ledger + sum((a for d, a in (facts.payments if facts else ()) if d <= day), Decimal(0))


def open_and_sent(invoice: Invoice, facts: Facts) -> bool:
    """An invoice the client has received and still owes something on."""
    return facts.invoice_sent and not invoice.cancelled and balance(invoice, facts) > 0


def paid_on(invoice: Invoice, facts: Facts | None, left: Decimal | None = None) -> date | None:
    """The day the invoice became fully paid, if it is (``left``: its balance, if known)."""
    if (balance(invoice, facts) if left is None else left) > 0:
        return None
    days = [d for d, _ in facts.payments] if facts else []
    if invoice.paid_on:
        days.append(invoice.paid_on)
    return max(days) if days else None


def state(invoice: Invoice, facts: Facts, today: date, left: Decimal | None = None) -> State:
    """One of CONTRACT's states; the first rule that applies wins (``left``: the balance, if known)."""
    if not invoice.valid:
        return "invalid"
    if invoice.cancelled:
        return "cancelled"
    if (balance(invoice, facts) if left is None else left) <= 0:
        return "paid"
    if facts.refused or facts.bounced:  # the server said no (5xx), or a bounce came back
        return "undeliverable"
    if not facts.invoice_sent:
        return "scheduled"
    pause = facts.pause
    if pause is True or (isinstance(pause, date) and pause >= today):
        return "paused"
    said = reply_state(facts, today)
    if said:
        return said
    assert invoice.due_date is not None
    return "overdue" if today > invoice.due_date else "sent"


def reply_state(facts: Facts, today: date) -> State | None:
    """The state the latest trusted, state-changing reply puts the invoice in."""
    if facts.said is None:
        return None
    intent, until = facts.said
    if intent == "promise_to_pay" and until and date.fromisoformat(until) < today:
        return None  # the promised day has passed: chasing decides again
    return REPLY_STATES[intent]
