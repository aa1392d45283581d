"""What the owner does by hand: pause, resume, confirm a reply's reading, mark paid, take a
payment back.

Each action is an event in the state, so the history shows who did what and the
decisions follow from the events like any others.  The rules (what may be marked
paid, how much may be taken back) live here; ``cli`` only parses and prints.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from mailbot.config.problems import Refused
from mailbot.config.settings import Settings
from mailbot.decide import policy
from mailbot.inbound.bank import Reversal
from mailbot.inbound.payments import reversal_events
from mailbot.ledger.read import Invoice, load_ledger
from mailbot.records.facts import ACK_INTENTS, UNSURE_MARK
from mailbot.records.kinds import CONFIRM_WORDS, EventType, Intent
from mailbot.records.rows import Event, iso
from mailbot.state.store import Store, detail_json


class OwnerActionError(Refused):
    """The action cannot be done as asked; the message says why, for the owner."""


@dataclass(frozen=True)
class MarkedPaid:
    amount: Decimal
    currency: str
    on: date
    left: Decimal


def pause(settings: Settings, invoice: str, now: datetime, until: date | None, reason: str | None) -> None:
    """No reminders for ``invoice`` until the day ``until`` (without one, until ``resume``)."""
    day = until.isoformat() if until else None
    _record(settings, invoice, "pause", now, until=day, detail=reason or None)


def resume(settings: Settings, invoice: str, now: datetime, reason: str | None) -> None:
    """Chase ``invoice`` again: ends a pause, and the wait after a dispute or a question."""
    _record(settings, invoice, "resume", now, detail=reason or None)


# What the owner types, and the intent it confirms.
CONFIRM_INTENTS: dict[str, Intent] = {word: intent for intent, word in CONFIRM_WORDS.items()}


@dataclass(frozen=True)
class Confirmed:
    intent: Intent
    until: date | None
    message_id: str  # of the reply whose reading was confirmed ("" when it had none)
    replied_at: str
    acknowledged: bool  # the client gets an acknowledgment, as for a confident reading


def confirm(
    settings: Settings, number: str, word: str, now: datetime, until: date | None = None
) -> Confirmed:
    """The owner's reading of the latest reply mailbot was not sure of (``word``: one of
    ``CONFIRM_INTENTS``): a trusted ``reply`` event with that intent, which then acts as a
    confident reading from a verified sender would (a promise waits for its day, a claim
    for the money, a dispute or question holds the invoice, an acknowledgment goes out where
    one would), and ends the wait.  ``until``: a promise's day (a promise may name none)."""
    intent = CONFIRM_INTENTS.get(word)
    if intent is None:
        raise OwnerActionError(f"{word!r} is not one of: {', '.join(CONFIRM_INTENTS)}")
    if until is not None and intent != "promise_to_pay":
        raise OwnerActionError(f"a date goes only with `promise` (the day it will be paid), not {word!r}")
    if number not in load_ledger(settings).invoices:
        raise OwnerActionError(f"{settings.ledger_path}: no invoice {number!r}")
    with Store(settings.state_path) as store:
        events = store.events(number)
        waiting = _unsure_reply(events)
        if waiting is None:
            raise OwnerActionError(
                f"invoice {number}: no reply waits for you to confirm its reading "
                "(none was unsure, or it was confirmed or resumed since)"
            )
        message_id = waiting.message_id or ""
        replied_on = date.fromisoformat(waiting.at[:10])
        if until is not None and until < min(replied_on, now.date()):
            raise OwnerActionError(
                f"invoice {number}: {until.isoformat()} is before the reply ({replied_on.isoformat()}): "
                "a promise's day lies ahead; give the day the client named"
            )
        store.add_event(Event(
            number, iso(now), "reply", intent=intent, trusted=True,
            until=until.isoformat() if until else None,
            detail=detail_json(confirmed=message_id, by="owner"),
        ))  # fmt: skip
    return Confirmed(intent, until, message_id, waiting.at, intent in ACK_INTENTS)


def _unsure_reply(events: list[Event]) -> Event | None:
    """The latest reply mailbot was not sure of, unless the owner resumed since (with its
    Message-ID).  One the owner confirmed stays: a second ``confirm`` corrects the first."""
    found = None
    for event in events:
        if event.type == "resume":
            found = None
        elif _unsure(event):
            found = event
    return found  # (a confirmed one too: confirming again corrects the owner's reading)


def _unsure(event: Event) -> bool:
    detail = event.detail or ""
    return event.type == "reply" and UNSURE_MARK in detail and json.loads(detail).get("unsure") is True


def _record(settings: Settings, invoice: str, type_: EventType, now: datetime, **fields: Any) -> None:
    """An owner event (pause, resume) on an invoice the ledger knows."""
    if invoice not in load_ledger(settings).invoices:
        raise OwnerActionError(f"{settings.ledger_path}: no invoice {invoice!r}")
    with Store(settings.state_path) as store:
        store.add_event(Event(invoice, iso(now), type_, **fields))


def mark_paid(
    settings: Settings, number: str, now: datetime, on: date | None = None, amount: Decimal | None = None
) -> MarkedPaid:
    """Record a payment: by default the whole open amount, today."""
    invoice = _valid_invoice(settings, number)
    on = on or now.date()
    with Store(settings.state_path) as store:
        known = _known(store, number)
        amount = amount if amount is not None else policy.balance(invoice, known)
        if amount <= 0:
            raise OwnerActionError(f"invoice {number}: nothing open to mark as paid")
        payment = Event(
            number, iso(now), "payment", detail=json.dumps({"amount": str(amount), "on": on.isoformat()})
        )
        store.add_event(payment)
        left = policy.balance(invoice, policy.Facts(known.outbox, (*known.events, payment)))
    return MarkedPaid(amount, invoice.currency, on, left)


def unmark_paid(
    settings: Settings,
    number: str,
    now: datetime,
    amount: Decimal | None = None,
    reason: str | None = None,
    reverses: str | None = None,
) -> Decimal:
    """Undo a payment recorded by mistake (`mark-paid`, a bank import): a correction event
    with the negative amount, so that the history keeps both and chasing can go on.
    A payment written in the ledger (``paid_on``/``paid_amount``) is changed there."""
    with Store(settings.state_path) as store:
        amount = _may_take_back(store, number, amount)
        detail = {"amount": str(-amount), "on": now.date().isoformat(), "source": "correction"}
        detail |= {"reason": reason} if reason else {}
        detail |= {"reverses": reverses} if reverses else {}  # a bank reversal: the payment's ref
        store.add_event(Event(number, iso(now), "payment", detail=json.dumps(detail)))
    return amount


def _may_take_back(store: Store, number: str, amount: Decimal | None) -> Decimal:
    """What may be taken back of the payments recorded for ``number`` (``None``: all of it)."""
    recorded = _known(store, number).paid_in()
    amount = amount if amount is not None else recorded
    if recorded <= 0 or amount > recorded:
        raise OwnerActionError(
            f"invoice {number}: {recorded} recorded by mark-paid or bank imports, cannot take back"
            f" {amount} (a paid_on/paid_amount in the ledger is changed in the ledger)"
        )
    return amount


def take_back_reversed(settings: Settings, number: str, now: datetime, amount: Decimal, ref: str,
                       reverses: str, file: str) -> str:  # fmt: skip
    """A bank reversal of a payment an import recorded: the payment is taken back as
    ``unmark-paid`` does (a correction with the negative amount) and a ``note`` on the
    invoice tells the owner, the same two events as a reversal in a mailed statement
    (``payments.reversal_events``), in one transaction.  Returns the note's text."""
    events = reversal_events(Reversal(number, amount, ref, reverses), file, now)
    with Store(settings.state_path) as store:
        _may_take_back(store, number, amount)
        store.add_events(events)
    return events[-1].detail or ""


def _valid_invoice(settings: Settings, number: str) -> Invoice:
    invoice = load_ledger(settings).invoices.get(number)
    if invoice is None or not invoice.valid:
        raise OwnerActionError(f"{settings.ledger_path}: no valid invoice {number!r}")
    return invoice


def _known(store: Store, invoice: str) -> policy.Facts:
    """What the state says of one invoice (its mails and events)."""
    return policy.Facts(store.outbox(invoice), store.events(invoice))
