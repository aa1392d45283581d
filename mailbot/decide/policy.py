"""Pure decisions: what state each invoice is in and which mail is due now.

Nothing here reads the clock, the disk or the network: ``now`` and the facts
come in as arguments, so every rule is a plain function to test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal, NamedTuple

from mailbot.config.settings import Chase, Client
from mailbot.decide import chase
from mailbot.decide.chase import DueTone
from mailbot.decide.ladder import Profile, ladder_of, payer_profile
from mailbot.decide.states import (  # re-exported: callers ask ``policy``
    CHASED,
    NOT_CHASED,
    balance,
    local_date,
    open_and_sent,
    paid,
    paid_on,
    reply_state,
    state,
)
from mailbot.decide.workdays import Calendar, Calendars
from mailbot.ledger.invoices import Invoice
from mailbot.records.facts import (
    ACK_INTENTS,
    CHASE_KINDS,
    EMPTY,
    Facts,
    group_facts,  # re-exported: the pass groups records with it
)  # fmt: skip
from mailbot.records.kinds import ActionKind

__all__ = [
    "ACK_INTENTS", "CHASE_KINDS", "EMPTY", "Action", "Facts", "balance", "group_facts", "local_date",
    "next_action", "next_actions", "open_and_sent", "paid", "paid_on", "profiles", "reply_state", "state",
]  # fmt: skip


class Action(NamedTuple):
    """A mail to send now. Reminders of one client share a ``group``: one mail, a statement.

    A named tuple: a pass makes tens of thousands (notes, mostly), and tuples are made fast."""

    invoice: str
    kind: ActionKind
    step: int = 0
    tone: DueTone | Literal[""] = ""  # reminders and finals have one
    client: str = ""
    group: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    promised: date | None = None
    about: str = ""  # ack: the intent acknowledged; note/notice: the text


# Named sets of states and tones typed as such: mypy checks each member against the Literal.
_NEVER_EARLY: tuple[DueTone, ...] = ("final", "heads_up")  # never pulled ahead to travel along


def next_actions(
    invoices: Iterable[Invoice],
    facts: Mapping[str, Facts],
    clients: Mapping[str, Client],
    now: datetime,
    rules: Chase | None = None,
) -> list[Action]:
    """The mails to send now: new invoices, then per client at most one chase mail a day.

    An invoice goes out once its issue date has come on the client's calendar,
    unless it is invalid, cancelled, already paid or already claimed.  Chase
    mails, by priority: a receipt for a payment, an acknowledgment of a reply,
    reminders (all of a client's due reminders in one mail).
    """
    return _next_actions(list(invoices), facts, clients, now, rules or Chase())


def _next_actions(
    invoices: list[Invoice],
    facts: Mapping[str, Facts],
    clients: Mapping[str, Client],
    now: datetime,
    rules: Chase,
) -> list[Action]:
    actions = []
    by_client: dict[str, list[tuple[Invoice, Facts]]] = {}
    for invoice in invoices:
        known = facts.get(invoice.number, EMPTY)
        own = by_client.get(invoice.client_id)
        if own is None:
            by_client[invoice.client_id] = [(invoice, known)]
        else:
            own.append((invoice, known))
        if known.invoice_status is not None:
            continue  # (the cheap question first: most invoices went out long ago)
        today = local_date(now, clients.get(invoice.client_id))
        if state(invoice, known, today) != "scheduled":
            continue
        if invoice.issue_date is not None and invoice.issue_date <= today:
            actions.append(Action(invoice.number, "invoice", client=invoice.client_id))
    calendars = Calendars(rules)
    for client_id, own in by_client.items():
        client = clients.get(client_id)
        if client is not None:
            actions += _chase_client(client_id, client, own, rules, calendars.of(client), now)
    return actions


def _chase_client(
    client_id: str,
    client: Client,
    known_of: list[tuple[Invoice, Facts]],
    rules: Chase,
    cal: Calendar,
    now: datetime,
) -> list[Action]:
    """One client's chase mail today, if any (``known_of``: their invoices and facts)."""
    today = cal.today(now)
    if _mailed_today(known_of, cal, today):
        return []
    owed = [(invoice, known, balance(invoice, known)) for invoice, known in known_of]
    profile, _why = _profile(owed, today)
    ladder = ladder_of(client, rules, profile)  # (once per client, not per invoice)
    notes: list[Action] = []
    receipts, acks, due, soon, chased = [], [], [], [], []
    for invoice, known, left in owed:
        if not known.invoice_sent:
            continue
        if left <= 0 and not invoice.cancelled:
            if not known.has_receipt:
                receipts.append(Action(invoice.number, "receipt", client=client_id))
            if left < 0 and not known.has_notice:
                text = f"overpaid by {-left} {invoice.currency}: please check and refund or credit"
                notes.append(Action(invoice.number, "notice", 1, client=client_id, about=text))
            continue
        if known.unacked:
            acks += _acks(invoice, known, client_id, cal, today)
        if state(invoice, known, today, left) in NOT_CHASED:
            continue
        chased.append((invoice, known))
    # A receipt or an acknowledgment is today's mail: the reminders are asked only why they
    # wait (a note), and only those that can have a reason (about 24,000 fewer plans a pass).
    answered = bool(receipts or acks)
    open_now = cal.is_open(now)
    for invoice, known in chased:
        if answered and not _may_wait_for_reason(known, cal, today, open_now):
            continue
        found = chase.plan(invoice, known, client, rules, cal, profile, now, ladder=ladder)
        if isinstance(found, chase.Due):
            due.append((invoice, found))
        elif isinstance(found, chase.Later) and found.reasons:
            notes += [Action(invoice.number, "note", client=client_id, about=r) for r in found.reasons]
        elif isinstance(found, chase.Later):
            soon.append((invoice, known, found))
    if receipts:
        return [receipts[0], *notes]
    if acks:
        return [acks[0], *notes]
    if not due:
        return notes
    due += _coalesce(soon, client, rules, cal, profile, now)
    due.sort(key=lambda pair: (pair[0].due_date or today, pair[0].number))  # oldest first
    group = tuple(invoice.number for invoice, _ in due)
    return [
        Action(
            invoice.number,
            d.kind,
            d.step,
            d.tone,
            client_id,
            group,
            d.reasons,
            d.promised,
        )
        for invoice, d in due
    ] + notes


COALESCE_DAYS = 7


def _coalesce(
    soon: list[tuple[Invoice, Facts, chase.Later]],
    client: Client,
    rules: Chase,
    cal: Calendar,
    profile: Profile,
    now: datetime,
) -> list[tuple[Invoice, chase.Due]]:
    """Reminders due within a week travel with today's: one mail, not one every other day."""
    today = cal.today(now)
    pulled = []
    for invoice, known, later in soon:
        sent_at = known.invoice_at  # (a sent invoice's row has a time)
        if later.on > today + timedelta(days=COALESCE_DAYS) or sent_at is None or cal.day(sent_at) >= today:
            continue
        if invoice.due_date is None or invoice.due_date >= today:
            continue  # nothing is pulled ahead of its own due date
        ahead = now + (later.on - today)
        found = chase.plan(invoice, known, client, rules, cal, profile, ahead)
        if isinstance(found, chase.Due) and found.tone not in _NEVER_EARLY:
            why = f"sent with the client's other reminder, {(later.on - today).days} days early"
            pulled.append((invoice, found._replace(reasons=(*found.reasons, why))))
    return pulled


def _may_wait_for_reason(known: Facts, cal: Calendar, today: date, open_now: bool) -> bool:
    """Whether ``chase.plan`` can answer "later, because ...": a reply or an away notice
    (a promise, a claim, a return date), a pause (only an invalid invoice's gets this
    far), the client's closed hours, or an invoice sent today (its reminders wait for
    tomorrow)."""
    if not open_now or known.commitment or known.away or known.pause is not None:
        return True
    sent_at = known.invoice_at  # (a sent invoice's row has a time)
    return sent_at is None or cal.day(sent_at) >= today


def _mailed_today(known_of: list[tuple[Invoice, Facts]], cal: Calendar, today: date) -> bool:
    """Never two chase mails to one client on one day (the client's day).

    Stored times are ISO 8601 UTC strings, so the client's day becomes a string
    range once and each invoice's latest chase mail is a plain comparison.
    """
    low, high = cal.day_span(today)
    for _, facts in known_of:
        latest = facts.last_chase_at
        if latest is None or latest < low:
            continue
        if latest < high or any(low <= stamp < high for stamp in facts.chase_times()):
            return True
    return False


def _acks(invoice: Invoice, known: Facts, client_id: str, cal: Calendar, today: date) -> list[Action]:
    """One short acknowledgment per trusted claim, dispute or question, sent the same week."""
    found = []
    for ordinal, at, intent in known.unacked:
        if (today - cal.day(at)).days > 7:
            continue  # an old reply (mailbot was off): a late "thank you" would confuse
        found.append(Action(invoice.number, "ack", ordinal, client=client_id, about=intent))
    return found


def _profile(owed: list[tuple[Invoice, Facts, Decimal]], today: date) -> tuple[Profile, str]:
    """The client's payer profile, from the invoices' balances worked out once per pass."""
    days, paid = {}, []
    for invoice, known, left in owed:
        day = paid_on(invoice, known, left) if left <= 0 else None
        if day is not None:
            days[invoice.number] = day
            paid.append(invoice)
    return payer_profile(paid, days, today)


def next_action(
    invoice: Invoice,
    facts: Facts,
    today: date,
    client: Client | None = None,
    rules: Chase | None = None,
    now: datetime | None = None,
    profile: Profile = "usual",
) -> dict[str, str] | None:
    """What ``status`` shows as coming next for one invoice: its sending, or its next reminder."""
    current = state(invoice, facts, today)
    if current == "scheduled" and invoice.issue_date is not None:
        return {"kind": "invoice", "on": max(invoice.issue_date, today).isoformat()}
    if client is None or now is None or current not in CHASED:
        return None
    rules = rules or Chase()
    cal = Calendar.of(rules, client)
    found = chase.plan(invoice, facts, client, rules, cal, profile, now)
    if isinstance(found, chase.Due):
        return {"kind": found.kind, "on": today.isoformat()}
    if isinstance(found, chase.Later):
        return {"kind": "reminder", "on": found.on.isoformat()}
    return None


def profiles(invoices: Iterable[Invoice], facts: Mapping[str, Facts], today: date) -> dict[str, Profile]:
    """Each client's payer profile (reliable | late | usual), for ``status``."""
    by_client: dict[str, list[tuple[Invoice, Facts, Decimal]]] = {}
    for invoice in invoices:
        known = facts.get(invoice.number, EMPTY)
        by_client.setdefault(invoice.client_id, []).append((invoice, known, balance(invoice, known)))
    return {client: _profile(owed, today)[0] for client, owed in by_client.items()}
