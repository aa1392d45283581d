"""Pure decisions: what state each invoice is in and which mail is due now.

Nothing here reads the clock, the disk or the network: ``now`` and the facts
come in as arguments, so every rule is a plain function to test.

The rules of the conversation each client lives through (issue 12), judged by the
mails a client receives day by day; each has its test in ``tests/test_conversation.py``:

1. A mail asks only for what is due: a chase mail's ``group`` holds only invoices whose
   own step is due that day (or waited for the one mail a day). Nothing is pulled ahead
   to travel along. (``_one_mail``; ``test_a_mail_asks_only_for_what_is_due``)
2. Each invoice keeps its own step and tone: invoices travel together only when each
   one's step is due that day and both are overdue reminders (a statement; its voice is
   its oldest invoice's); no step is sent before its day. A heads-up, which asks for
   nothing overdue, travels with no overdue reminder. What waits goes the next day: the
   step that waited longest first, on a tie the softer one.
   (``_one_mail``; ``test_no_step_is_sent_before_its_day``,
   ``test_reminders_due_the_same_day_with_the_same_tone_travel_together``,
   ``test_a_step_that_waited_for_the_one_mail_a_day_goes_the_next_day``)
3. A final notice names only invoices at their final step and is a mail of its own.
   When another reminder is due the same day, that one goes first and the final notice
   the next working day: the formal step after the friendly one, never mixed with it;
   a final that has waited goes before anything newly due, so it is never put off for
   ever. (``_one_mail``; ``test_final_notice_travels_alone``,
   ``test_a_final_notice_that_waited_goes_before_a_newly_due_reminder``)
4. A promise follow-up or a claim check is about one invoice's promise or claim: a
   mail of its own, naming the promised day (``Action.promised``). After it the ladder
   goes on forward, one step at a time, a week later. (``chase._after_reply``,
   ``chase._after_follow_up``; ``test_promise_follow_up_travels_alone_and_carries_its_own_promised_date``)
5. The heads-up exists only before the due date and only before any other chase mail,
   payment claim or promise for that invoice: once the conversation has begun it never
   goes back to "due soon". (``chase.plan``'s ``fresh``; ``test_no_heads_up_after_a_payment_claim``,
   ``test_no_heads_up_after_any_other_chase_mail``)
6. A promise is honoured: no mail for that invoice before the later of the promised day
   plus grace and the first working day after the due date. (``chase._after_reply``;
   ``test_promise_follow_up_waits_for_due_date_plus_one_working_day``)
7. An invoice mailed after its due date gets a practical deadline: the terms again from
   the day it was mailed (``[chase] late_mail_terms_days``, else the invoice's own
   terms). Its mail shows that date, the reminders count from it, and the owner is told
   once (a notice). (``states.due_after_mailing``, ``states.effective_due``,
   ``_late_mail_notice``; ``test_an_invoice_mailed_late_gets_the_terms_from_the_day_it_was_mailed``,
   ``test_the_owner_is_told_once_when_an_invoice_is_mailed_after_its_due_date``)
8. Invoices, like reminders, go out within the client's business hours (``[chase]
   invoice_hours = "business"``, or ``"any"``). (``_next_actions``;
   ``test_invoices_wait_for_the_clients_business_hours``)
9. Never two chase mails to one client on one day (``_mailed_today``).
10. A client with no configured language who writes in another one (two agreeing trusted
   replies, ``records.language``) is acknowledged in it where templates exist; invoices
   and reminders keep the configured one, and the owner is told once per client and
   language (``_language_notice``; ``tests/test_client_language.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
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
    due_after_mailing,
    effective_due,
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
from mailbot.records.language import Learned, needs_suggestion, suggestion_key, suggestion_said
from mailbot.records.said import Said

__all__ = [
    "ACK_INTENTS", "CHASE_KINDS", "EMPTY", "Action", "Facts", "balance", "due_after_mailing", "effective_due",
    "group_facts", "local_date", "mails_of", "next_action", "next_actions", "open_and_sent", "paid",
    "paid_on", "profiles", "reply_state", "state",
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
    said: Said | None = None  # notice: ``about`` as message and values, for the owner's language
    language: str = ""  # ack: the client's learned language it is written in ("": the configured one)


# Named sets of states and tones typed as such: mypy checks each member against the Literal.
LATE_MAIL_NOTICE = 2  # the owner's notice's step (1: an overpayment)
LANGUAGE_NOTICE = 3  # the suggestion to set a client's learned language (on its own key)
# The owner's notices (``Said``: translated in the owner's mail, English in the record).
OVERPAID = "overpaid by %(amount)s %(currency)s: please check and refund or credit"
MAILED_LATE = (
    "mailed on %(today)s, after its due date %(due)s: the client is asked to pay by %(told)s, "
    "and reminders count from then"
)


def next_actions(
    invoices: Iterable[Invoice],
    facts: Mapping[str, Facts],
    clients: Mapping[str, Client],
    now: datetime,
    rules: Chase | None = None,
    learned: Mapping[str, Learned] | None = None,
) -> list[Action]:
    """The mails to send now: new invoices, then per client at most one chase mail a day.

    An invoice goes out once its issue date has come on the client's calendar,
    unless it is invalid, cancelled, already paid or already claimed.  Chase
    mails, by priority: a receipt for a payment, an acknowledgment of a reply,
    reminders (all of a client's due reminders in one mail).  ``learned``: the
    languages clients without a configured one write in (``records.language``):
    their acknowledgments are written in it, and the owner is told once.
    """
    return _next_actions(list(invoices), facts, clients, now, rules or Chase(), learned or {})


def _next_actions(
    invoices: list[Invoice],
    facts: Mapping[str, Facts],
    clients: Mapping[str, Client],
    now: datetime,
    rules: Chase,
    learned: Mapping[str, Learned],
) -> list[Action]:
    actions = []
    by_client: dict[str, list[tuple[Invoice, Facts]]] = {}
    calendars = Calendars(rules)
    for invoice in invoices:
        known = facts.get(invoice.number, EMPTY)
        own = by_client.get(invoice.client_id)
        if own is None:
            by_client[invoice.client_id] = [(invoice, known)]
        else:
            own.append((invoice, known))
        if known.invoice_status is not None:
            continue  # (the cheap question first: most invoices went out long ago)
        client = clients.get(invoice.client_id)
        today = local_date(now, client)
        if state(invoice, known, today) != "scheduled":
            continue
        if invoice.issue_date is not None and invoice.issue_date <= today:
            if rules.invoice_hours == "business" and not calendars.of(client).is_open(now):
                continue  # an invoice, like a reminder, arrives in the client's working hours
            actions.append(Action(invoice.number, "invoice", client=invoice.client_id))
            actions += _late_mail_notice(invoice, today, rules)
    for client_id, own in by_client.items():
        client = clients.get(client_id)
        if client is None:
            continue
        found = _chase_client(client_id, client, own, rules, calendars.of(client), now)
        taught = learned.get(client_id)
        if taught is not None:
            found = [a._replace(language=taught.acks_in) if a.kind == "ack" else a for a in found]
            found += _language_notice(client_id, client, taught)
        actions += found
    return actions


def _language_notice(client_id: str, client: Client, taught: Learned) -> list[Action]:
    """The owner is told once that a client writes in another language than mailbot does,
    with the config line that would make every mail speak it (its own key: once per
    client and language)."""
    if not needs_suggestion(client, taught):
        return []
    key = suggestion_key(client_id, taught.language)
    said = suggestion_said(client_id, client, taught)
    return [Action(key, "notice", LANGUAGE_NOTICE, client=client_id, about=said.english(), said=said)]


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
    receipts, acks, due, chased = [], [], [], []
    for invoice, known, left in owed:
        if not known.invoice_sent:
            continue
        if left <= 0 and not invoice.cancelled:
            if not known.has_receipt:
                receipts.append(Action(invoice.number, "receipt", client=client_id))
            if left < 0 and not known.has_notice:
                said = Said(OVERPAID, (("amount", -left), ("currency", invoice.currency)))
                about = said.english()
                notes.append(Action(invoice.number, "notice", 1, client=client_id, about=about, said=said))
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
    if receipts:
        return [receipts[0], *notes]
    if acks:
        return [acks[0], *notes]
    if not due:
        return notes
    due, waiting = _one_mail(due, today)
    notes += [Action(invoice.number, "note", client=client_id, about=_WAITS.format(tone=d.tone, today=today))
              for invoice, d in waiting]  # fmt: skip
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


_WAITS = "{tone} reminder due on {today} waits a day: one chase mail a day, and this one is of another kind"
_FIRST: dict[DueTone, int] = {  # on one day, the conversation first and the formal step last
    "promise_followup": 0, "claim_check": 0,
    "heads_up": 1, "friendly": 2, "firm_warm": 3, "firm": 4, "final": 5,
}  # fmt: skip
_ALONE: tuple[DueTone, ...] = ("promise_followup", "claim_check")  # about one invoice's promise or claim
_OVERDUE: tuple[DueTone, ...] = ("friendly", "firm_warm", "firm")  # the steps a statement gathers


def _one_mail(
    due: list[tuple[Invoice, chase.Due]], today: date
) -> tuple[list[tuple[Invoice, chase.Due]], list[tuple[Invoice, chase.Due]]]:
    """Today's one chase mail out of the due reminders, and the ones that wait a day.

    Invoices travel together only when each one's own step is due (or waited for the one
    mail a day) and they are all overdue reminders: one statement rather than a mail a day
    (each invoice keeps its step; the mail speaks in its oldest invoice's tone).  A final
    notice names only invoices at their final step; a heads-up travels with nothing
    overdue; a promise follow-up or a claim check is about one invoice. The step that
    waited longest goes first (so nothing waits for ever); on a tie the softer one, so a
    final notice due the same day as another reminder goes the next day, alone, the
    formal step after the friendly one.
    """
    groups: dict[tuple[str, ...], list[tuple[Invoice, chase.Due]]] = {}
    for invoice, found in due:
        key = (
            (found.tone, invoice.number) if found.tone in _ALONE
            else ("overdue",) if found.tone in _OVERDUE
            else (found.tone,)
        )  # fmt: skip
        groups.setdefault(key, []).append((invoice, found))
    first = min(groups, key=lambda key: (
        min(found.on or today for _, found in groups[key]),
        min(_FIRST[found.tone] for _, found in groups[key])))  # fmt: skip
    chosen = sorted(groups.pop(first), key=lambda pair: (pair[0].due_date or today, pair[0].number))
    return chosen, [pair for rest in groups.values() for pair in rest]  # (oldest invoice first)


def mails_of(actions: Iterable[Action]) -> list[list[Action]]:
    """The actions as the mails (and notes) they become, in order: a client's reminders of one
    ``group`` are one mail; every other action stands alone.  The pass claims them so, and
    ``mailbot plan`` forecasts them so."""
    found: dict[tuple, list[Action]] = {}
    for action in actions:
        key = ("group", action.group) if action.group else (action.kind, action.invoice, action.step)
        found.setdefault(key, []).append(action)
    return list(found.values())


def _late_mail_notice(invoice: Invoice, today: date, rules: Chase) -> list[Action]:
    """The owner is told, once, when an invoice goes out after its due date: the client
    has a new deadline (``states.due_after_mailing``) and the reminders count from it."""
    due = invoice.due_date
    if due is None or today <= due or not rules.late_mail_notice:
        return []
    told = due_after_mailing(due, invoice.issue_date, today, rules.late_mail_terms_days)
    said = Said(MAILED_LATE, (("today", today), ("due", due), ("told", told)))
    return [Action(invoice.number, "notice", LATE_MAIL_NOTICE, client=invoice.client_id, about=said.english(),
                   said=said)]  # fmt: skip


def _may_wait_for_reason(known: Facts, cal: Calendar, today: date, open_now: bool) -> bool:
    """Whether ``chase.plan`` can answer "later, because ...": a reply or an away notice
    (a promise, a claim, a return date, a reading the owner must confirm), a pause (only an
    invalid invoice's gets this far), the client's closed hours, or an invoice sent today
    (its reminders wait for tomorrow)."""
    if not open_now or known.commitment or known.away or known.unsure or known.pause is not None:
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
    rules = rules or Chase()
    if current == "scheduled" and invoice.issue_date is not None:
        on = max(invoice.issue_date, today)
        if client is not None and now is not None and rules.invoice_hours == "business":
            on = Calendar.of(rules, client).first_open_day(now, on)  # invoices wait for business hours
        return {"kind": "invoice", "on": on.isoformat()}
    if client is None or now is None or current not in CHASED:
        return None
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
