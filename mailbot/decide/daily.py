"""Pure: what the owner's daily digest says, from the records (not the held-back mail
digest of ``inbound.digest``: that one lists strangers' mail).

``build_daily`` takes the events since the last digest, the ledger, the decision facts,
the plan of the next days and ``now``, and returns plain values: what was sent (per
client), the replies that wait for the owner (each with the command that settles it),
the payments recorded (those read from payment notifications marked as automatic: the
owner must see every one), the receivables by age bucket per currency (``decide.aging``,
what ``mailbot aging`` shows) and the mails ``plan`` expects.  Words and formats are the
template's (``templates/daily``), in the owner's language.

A reply that needs the owner is listed every day until it is settled, not only on the
day it came (a dispute left alone for a week is the one the owner most needs to see),
with its age; so the replies are read from the whole ``history``.  Payments the owner
wrote in the ledger (``paid_on``) have no event: ``ledger_known`` is what earlier digests
saw of them, and those not seen yet are listed (``LedgerPayments``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from mailbot.decide import policy
from mailbot.decide.aging import BUCKETS, aging_rows
from mailbot.decide.forecast import Planned
from mailbot.records.kinds import CLIENT_MAILS, CONFIRM_WORDS
from mailbot.records.rows import Event, iso

if TYPE_CHECKING:  # (the type only: reading a ledger is I/O, and this module is pure)
    from mailbot.ledger.read import Ledger

AHEAD_DAYS = 7  # the plan's horizon in the digest: the coming week
DAY_SECONDS = 86_400
LEDGER = "ledger"  # a payment's source when the owner wrote it in the ledger's paid_on column
# Replies a person must settle, by the intent a client's reply was read as.
_SETTLE = {
    "dispute": "mailbot resume {invoice}",
    "question": "mailbot resume {invoice}",
    "payment_claimed": "mailbot mark-paid {invoice}",
}


@dataclass(frozen=True)
class SentMail:
    kind: str  # invoice, reminder, final, ack, receipt
    invoices: tuple[str, ...]
    step: int


@dataclass(frozen=True)
class ClientSent:
    client: str
    name: str
    mails: tuple[SentMail, ...]


@dataclass(frozen=True)
class OwnerReply:
    """A reply that waits for the owner: ``why`` is a key the template words
    (``dispute``, ``question``, ``contact_change``, ``unsure``, ``payment_claimed``)."""

    invoice: str
    client: str
    sender: str
    why: str  # (and for payment mail: ``payment_untrusted``, ``payment_unplaced``)
    reading: str  # for an unsure one: the intent mailbot read; else the intent (payment mail: what it said)
    command: str  # what the owner types to settle it ("" when it is a phone call first)
    at: str = ""  # when the reply was read (UTC, as stored)
    new: bool = True  # read since the last digest; else it has waited ``days`` whole days
    days: int = 0


@dataclass(frozen=True)
class PaymentLine:
    invoice: str
    client: str
    amount: Decimal  # negative: a payment taken back
    currency: str
    on: str
    source: str  # mark-paid, camt, correction, or the payment source's name (PayPal)
    automatic: bool  # read from a payment notification: nobody typed it


@dataclass(frozen=True)
class AgingTotal:
    currency: str
    buckets: tuple[tuple[str, Decimal], ...]  # (bucket, sum) in BUCKETS order
    total: Decimal


@dataclass(frozen=True)
class DailyDigest:
    day: date  # the owner's day it is for
    since: datetime
    sent: tuple[ClientSent, ...]
    replies: tuple[OwnerReply, ...]
    payments: tuple[PaymentLine, ...]
    receivables: tuple[AgingTotal, ...]
    upcoming: tuple[Planned, ...]
    ledger_seen: tuple[str, ...] = ()  # ledger payment keys to remember as seen (``ledger_key``)
    ledger_first: bool = False  # no digest saw the ledger yet: remember its payments, even none

    @property
    def news(self) -> bool:
        """Something happened since the last digest (the receivables, the coming mails and
        the replies still waiting from earlier days are there every day: alone they are no
        reason to write)."""
        return bool(self.sent or any(r.new for r in self.replies) or self.payments)


def build_daily(
    events: Sequence[Event],
    ledger: Ledger,
    facts: Mapping[str, policy.Facts],
    plan: Sequence[Planned],
    now: datetime,
    day: date,
    since: datetime,
    names: Mapping[str, str],
    history: Sequence[Event] | None = None,
    ledger_known: frozenset[str] | None = None,
) -> DailyDigest:
    """The digest of ``day`` (the owner's), from ``events`` (those since ``since``).
    ``names``: each client's name by id, as the config has it.  ``history``: every reply,
    resume and payment event (the replies still open are found there; ``events`` when
    not given).  ``ledger_known``: the ledger payments earlier digests saw (None: this is
    the first digest)."""
    last = date.fromordinal(day.toordinal() + AHEAD_DAYS - 1)
    in_ledger = ledger_payments(ledger, ledger_known, since.date())
    return DailyDigest(
        day=day,
        since=since,
        sent=_sent(events, ledger, names),
        replies=_replies(events if history is None else history, ledger, since, now),
        payments=_payments(events, ledger) + in_ledger.new,
        receivables=_receivables(ledger, facts, day),
        upcoming=tuple(p for p in plan if p.on <= last),
        ledger_seen=in_ledger.seen,
        ledger_first=ledger_known is None,
    )


@dataclass(frozen=True)
class LedgerPayments:
    new: tuple[PaymentLine, ...]  # written in the ledger since the last digest: listed
    seen: tuple[str, ...]  # the keys to remember (the first digest: every one, listed or not)


def ledger_key(number: str, on: date, amount: Decimal) -> str:
    """One ledger payment as the digests remember it: a changed date or amount is news."""
    return f"{number}|{on.isoformat()}|{amount}"


def ledger_payments(ledger: Ledger, known: frozenset[str] | None, first_day: date) -> LedgerPayments:
    """The payments of the ledger's ``paid_on`` column no digest saw.  The ledger keeps no
    time of writing, so the digests remember what they saw; the first digest has nothing
    to compare with and lists only those paid from ``first_day`` on (its window), the
    older ones being the past it starts from."""
    new, seen = [], []
    for invoice in ledger.valid():
        if invoice.paid_on is None:
            continue
        key = ledger_key(invoice.number, invoice.paid_on, invoice.ledger_paid)
        if known is not None and key in known:
            continue
        if known is not None or invoice.paid_on >= first_day:
            new.append(PaymentLine(invoice.number, invoice.client_id, invoice.ledger_paid, invoice.currency,
                                   invoice.paid_on.isoformat(), LEDGER, automatic=False))  # fmt: skip
        seen.append(key)
    return LedgerPayments(tuple(new), tuple(seen))


def _client_of(ledger: Ledger, number: str) -> str:
    invoice = ledger.invoices.get(number)
    return invoice.client_id if invoice else ""


def _sent(events: Sequence[Event], ledger: Ledger, names: Mapping[str, str]) -> tuple[ClientSent, ...]:
    """Each client's mails, one per Message-ID (a grouped reminder is one mail)."""
    mails: dict[str, dict[str, list[Event]]] = {}
    for event in events:
        if event.type != "sent" or event.kind not in CLIENT_MAILS:
            continue
        client = _client_of(ledger, event.invoice)
        key = event.message_id or f"{event.invoice}/{event.kind}/{event.step}"
        mails.setdefault(client, {}).setdefault(key, []).append(event)
    return tuple(
        ClientSent(client, names.get(client, client), tuple(
            SentMail(group[0].kind or "", tuple(e.invoice for e in group), group[0].step or 0)
            for group in by_mail.values()
        ))
        for client, by_mail in sorted(mails.items())
    )  # fmt: skip


def _detail(event: Event) -> dict[str, Any]:
    try:
        data = json.loads(event.detail or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _replies(
    history: Sequence[Event], ledger: Ledger, since: datetime, now: datetime
) -> tuple[OwnerReply, ...]:
    """The replies on an invoice that still wait for a person, oldest first: per invoice
    the latest reading, and a contact change beside it (a later reply does not settle that).
    Settled by ``resume`` (anything), a confirmed reading (an unsure one), a payment (an
    unverified paid claim).  Payment notifications have no invoice to settle: listed new only."""
    waiting: dict[tuple[str, str], OwnerReply] = {}
    notices: list[OwnerReply] = []
    after = iso(since)  # (as events store their time)
    for event in history:
        if event.type == "resume":
            for key in [k for k in waiting if k[0] == event.invoice]:
                del waiting[key]
        elif event.type == "payment":
            if (claim := waiting.get((event.invoice, "reading"))) and claim.why == "payment_claimed":
                del waiting[(event.invoice, "reading")]
        elif event.type == "reply":
            detail = _detail(event)
            if detail.get("payment_source"):
                notice = _payment_notice(event, detail, len(notices))
                notices.extend([notice] if notice and event.at > after else [])
            elif event.invoice and "confirmed" in detail:  # the owner's own reading: settled
                waiting.pop((event.invoice, "reading"), None)
            elif event.invoice and (found := _owner_reply(event, detail, _client_of(ledger, event.invoice))):
                waiting[(event.invoice, "contact" if found.why == "contact_change" else "reading")] = found
    open_ones = sorted(waiting.values(), key=lambda r: r.at)
    return tuple(_aged(r, after, now) for r in [*open_ones, *notices])


def _aged(reply: OwnerReply, after: str, now: datetime) -> OwnerReply:
    """``reply`` with its age: new since the last digest, or the whole days it has waited."""
    if not reply.at or reply.at > after:
        return replace(reply, new=True, days=0)
    waited = (now - datetime.fromisoformat(reply.at)).total_seconds()
    return replace(reply, new=False, days=max(1, int(waited // DAY_SECONDS)))


def _payment_notice(event: Event, detail: dict[str, Any], index: int) -> OwnerReply | None:
    """A payment notification that needs a person: not believed (nothing recorded), or
    read but not all of it placed (``for_owner``: mailbot's words, one line each)."""
    sender = str(detail.get("sender") or "")
    if not event.trusted:
        return OwnerReply("", "", sender, "payment_untrusted", str(detail.get("payment_source")),
                          "mailbot mark-paid INVOICE", event.at)  # fmt: skip
    told = detail.get("for_owner") or []
    if not told:
        return None
    return OwnerReply("", "", sender, "payment_unplaced", "; ".join(map(str, told)), "", event.at)


def _owner_reply(event: Event, detail: dict[str, Any], client: str) -> OwnerReply | None:
    intent = event.intent or "other"
    sender = str(detail.get("sender") or "")
    number = event.invoice
    if detail.get("auto") and intent != "contact_change":
        return None
    if intent == "contact_change":
        return OwnerReply(
            number, client, sender, "contact_change", intent, f"mailbot resume {number}", event.at
        )
    if detail.get("unsure") is True:
        word = CONFIRM_WORDS.get(intent, "other")
        day = f" {event.until}" if word == "promise" and event.until else ""
        command = f"mailbot confirm {number} {word}{day}"
        return OwnerReply(number, client, sender, "unsure", intent, command, event.at)
    settle = _SETTLE.get(intent, "").format(invoice=number)
    if intent == "payment_claimed" and not event.trusted:
        return OwnerReply(number, client, sender, "payment_claimed", intent, settle, event.at)
    if intent in ("dispute", "question"):
        return OwnerReply(number, client, sender, intent, intent, settle, event.at)
    return None


def _payments(events: Sequence[Event], ledger: Ledger) -> tuple[PaymentLine, ...]:
    """Each payment event; automatic: read from a payment notification (its ``evidence``),
    or from a bank statement attached to a believed bank mail (a ``camt`` payment recorded
    in the same moment as that mail, whose source names it)."""
    mails = {e.at: str(d["payment_source"]) for e, d in ((e, _detail(e)) for e in events)
             if e.type == "reply" and e.trusted and d.get("payment_source")}  # fmt: skip
    lines = []
    for event in events:
        if event.type != "payment":
            continue
        detail = _detail(event)
        try:
            amount = Decimal(str(detail.get("amount")))
        except (InvalidOperation, ValueError):
            continue
        source = str(detail.get("source") or "mark-paid")
        by_mail = source == "camt" and event.at in mails
        invoice = ledger.invoices.get(event.invoice)
        lines.append(PaymentLine(
            invoice=event.invoice, client=invoice.client_id if invoice else "", amount=amount,
            currency=invoice.currency if invoice else "", on=str(detail.get("on") or event.at[:10]),
            source=mails[event.at] if by_mail else source,
            automatic=by_mail or (bool(detail.get("evidence")) and source != "correction"),
        ))  # fmt: skip
    return tuple(lines)


def _receivables(ledger: Ledger, facts: Mapping[str, policy.Facts], day: date) -> tuple[AgingTotal, ...]:
    """The totals rows of ``mailbot aging`` (one per currency)."""
    return tuple(
        AgingTotal(row["currency"], tuple((b, Decimal(row[b])) for b in BUCKETS), Decimal(row["total"]))
        for row in aging_rows(ledger, facts, day)
        if row["client"] == "(all)"
    )
