"""Pure: every mail mailbot would send over the next days if nothing changes (``mailbot plan``).

Why a simulation and not a formula: the rules that decide a mail (the ladder, grouping,
promises, one chase mail a day, business hours, the client's calendar) live in
``policy.next_actions`` and change over time. ``forecast`` has no rule of its own: it
calls ``next_actions`` at each simulated moment, exactly as a pass would, and then
records each decided mail as if it had been sent at that moment (a ``sent`` outbox row,
the invoice's ``Facts`` made again from its records with ``Facts(rows, events)``). So the
plan is what the passes will do, whatever the rules are, and a test can hold it to that
(tests/test_plan.py runs the real passes day by day and compares).

What a pass does around the decision is repeated here too: the first-run window
(``decide.first_run``: a first run skips invoices issued before it, and skipped ones stay
unmailed) and the store's guard of one chase mail per client per day (``claim_chase``
refuses a chase mail when the client already got one on their day). Nothing else is
modelled: no replies, payments, pauses or server refusals arrive; stale claims do not
matter (every simulated mail is sent at once).

The moments: the plan's ``now``, then on each following day of the client's calendar one
moment an hour after the client opens (or halfway through a shorter business day), on
their clock. Every rule of ``next_actions`` depends on the client's day and on whether
they are open, so one moment within open hours a day gives what passes every minute
give; one moment, not every hour, because a moment costs a decision over the client's
invoices (``benchmarks/plan.py``). Clients who share a calendar share their moments, and
each moment decides only for them, so the work is about (invoices x days), not
(invoices x clients x hours). A client is not asked on days when nothing can come
(``_World._sleep``): between two mails their facts do not change, and ``policy.next_action``
(what ``status`` shows as next) names the day each invoice's next mail may come. That is
an optimisation only: ``exact=True`` asks every client every day, and tests and
``benchmarks/plan.py --exact`` require the same plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from mailbot.config.settings import Chase, Client
from mailbot.decide import first_run
from mailbot.decide.ladder import Profile
from mailbot.decide.policy import (
    CHASE_KINDS,
    EMPTY,
    Action,
    Facts,
    balance,
    mails_of,
    next_action,
    next_actions,
    profiles,
)
from mailbot.decide.workdays import Calendar, Calendars
from mailbot.ledger.invoices import Invoice
from mailbot.records.facts import Row
from mailbot.records.kinds import ClientMail
from mailbot.records.rows import Event, MailRecord, iso

MAIL_KINDS: tuple[ClientMail, ...] = ("invoice", "reminder", "final", "ack", "receipt")
FIRST_MOMENT = timedelta(hours=1)  # after the client opens: a pass in open hours


class Planned(NamedTuple):
    """One mail of the plan: when, to whom, what, for how much, and why."""

    at: datetime  # the simulated moment (UTC)
    on: date  # the client's day
    client: str
    kind: ClientMail
    tone: str  # the ladder's tone of a reminder or final, else ""
    invoices: tuple[str, ...]
    amount: Decimal  # what the mail asks to be paid now: the sum of the invoices' balances
    currency: str
    why: str


@dataclass
class Start:
    """What the passes would find in the state now (read by the service, passed in).

    ``outbox``/``events``: the records as decisions read them (``Store.decision_outbox``,
    ``decision_events``); ``first``: no invoice was mailed or skipped yet; ``skipped``: the
    invoices a first run skipped (held back until resumed); ``first_run_days`` and
    ``backfill`` as ``run`` has them."""

    outbox: Sequence[Row] = ()
    events: Sequence[Event] = ()
    first: bool = False
    first_run_days: int = 7
    skipped: set[str] = field(default_factory=set)
    backfill: bool = False


def forecast(
    invoices: Iterable[Invoice],
    start: Start,
    clients: Mapping[str, Client],
    rules: Chase,
    now: datetime,
    days: int,
    exact: bool = False,
) -> list[Planned]:
    """The mails of the next ``days`` client days (today the first), by the client's day,
    then in the order they go. ``exact``: ask every client at every moment (slower; the
    same plan, which a test requires)."""
    world = _World(list(invoices), start, clients, rules, exact)
    planned: list[Planned] = []
    for moment, who in _moments(world, now, days):
        planned += world.pass_at(moment, who)
    return sorted(planned, key=lambda p: (p.on, p.at))


class _World:
    """The simulated state: each invoice's records and Facts, changed only by simulated sends."""

    def __init__(
        self, invoices: list[Invoice], start: Start, clients: Mapping[str, Client], rules: Chase, exact: bool
    ):
        self.clients, self.rules = clients, rules
        self.invoices = {i.number: i for i in invoices}
        self.by_client: dict[str, list[Invoice]] = {}
        for invoice in invoices:
            self.by_client.setdefault(invoice.client_id, []).append(invoice)
        self.rows: dict[str, list[Row]] = {}
        self.events: dict[str, list[Event]] = {}
        self.pending: list[Row] = []  # invoice mails claimed and not yet sent: the next pass sends them
        for row in start.outbox:
            if row.status == "claimed" and row.kind in CHASE_KINDS:
                continue  # a claimed chase mail is decided again (release_stale, _still_wanted)
            if row.status == "claimed" and row.kind == "invoice":
                self.pending.append(row)
            self.rows.setdefault(row.invoice, []).append(row)
        for event in start.events:
            self.events.setdefault(event.invoice, []).append(event)
        self.facts = {
            n: Facts(self.rows.get(n, []), self.events.get(n, []))
            for n in self.rows.keys() | self.events.keys()
        }
        self.first, self.days, self.backfill = start.first, start.first_run_days, start.backfill
        self.skipped = set(start.skipped)
        self.calendars = Calendars(rules)
        self.last_chase: dict[str, str] = {}  # client: their latest chase mail's stored time
        for invoice in invoices:
            stamp = self.facts[invoice.number].last_chase_at if invoice.number in self.facts else None
            if stamp is not None and stamp > self.last_chase.get(invoice.client_id, ""):
                self.last_chase[invoice.client_id] = stamp
        self.exact = exact
        self.wake: dict[str, date] = {}  # client: the next day they are asked
        self.ons: dict[str, date | None] = {}  # invoice: its next mail's day, as last asked

    def calendar(self, client_id: str) -> Calendar:
        return self.calendars.of(self.clients.get(client_id))

    def pass_at(self, now: datetime, who: Sequence[str]) -> list[Planned]:
        """One pass's mails for these clients at ``now``, recorded as sent (only for those
        awake: see ``_sleep``)."""
        if not self.exact:
            who = [c for c in who if self.wake.get(c, date.min) <= self.calendar(c).today(now)]
        planned = self._decide(now, who)
        if not self.exact:
            for client_id in who:
                self._sleep(client_id, now)
        return planned

    def _decide(self, now: datetime, who: Sequence[str]) -> list[Planned]:
        own = [i for c in who for i in self.by_client.get(c, ())]
        actions = next_actions(own, self.facts, self.clients, now, self.rules)
        actions = self._hold_back(actions, now)
        planned = [self._send([self._pending_action(row)], now) for row in self._take_pending(who)]
        for group in mails_of(actions):
            if group[0].kind not in MAIL_KINDS:
                continue  # (notes and notices to the owner are no client mail)
            if group[0].kind in CHASE_KINDS and self._mailed_today(group[0].client, now):
                continue  # the store's guard: one chase mail per client per day
            planned.append(self._send(group, now))
        return planned

    def _sleep(self, client_id: str, now: datetime) -> None:
        """Until which day this client need not be asked again: the earliest day any of their
        invoices has a mail coming (``policy.next_action``, as ``status`` shows it), or the
        end of a pause; tomorrow when they were mailed today (what waited for the one chase
        mail of the day, a receipt or an acknowledgment, may come then).

        Skipping the days between changes no decision (facts change only when a mail is
        sent) and saves most of the work; ``exact`` asks every client every day, and a test
        requires the same plan both ways."""
        cal = self.calendar(client_id)
        today = cal.today(now)
        tomorrow = today + timedelta(days=1)
        if self._mailed_today(client_id, now):
            self.wake[client_id] = tomorrow
            return
        own = self.by_client.get(client_id, [])
        ons = self.ons
        stale = [i for i in own if (ons.get(i.number, date.min) or date.max) <= today]  # not asked, or
        if stale:  # it was due and did not go: asked again (the profile: once, for all of them)
            profile = profiles(own, self.facts, today).get(client_id, "usual")
            client = self.clients.get(client_id)
            for invoice in stale:
                ons[invoice.number] = self._next_on(invoice, client, now, today, profile)
        days = [on for on in (ons[i.number] for i in own) if on is not None]
        self.wake[client_id] = max(today, min(days, default=date.max))  # (today: a later moment of it)

    def _next_on(self, invoice: Invoice, client: Client | None, now: datetime, today: date,
                 profile: Profile) -> date | None:  # fmt: skip
        """The next day this invoice may be mailed if nothing changes, or None: never."""
        if invoice.number in self.skipped:
            return None
        known = self.facts.get(invoice.number, EMPTY)
        found = next_action(invoice, known, today, client, self.rules, now, profile)
        days = [date.fromisoformat(found["on"])] if found else []
        if isinstance(known.pause, date) and known.pause >= today:
            days.append(known.pause + timedelta(days=1))  # chased again when the pause ends
        return min(days, default=None)

    def _hold_back(self, actions: list[Action], now: datetime) -> list[Action]:
        """``service.first_run.hold_back``: a first run skips invoices issued before its window."""
        if self.backfill or not any(a.kind == "invoice" for a in actions):
            return actions
        if self.first:
            start = first_run.window_start(now, self.days)
            old = set(first_run.too_old(actions, self.invoices, start))
            self.skipped |= old
            self.first = False  # an invoice mailed or skipped: the first run is over
            return first_run.without(actions, old)
        return first_run.without(actions, self.skipped)

    def _take_pending(self, who: Sequence[str]) -> list[Row]:
        mine = set(who)
        taken = [r for r in self.pending if self.invoices.get(r.invoice, _NONE).client_id in mine]
        self.pending = [r for r in self.pending if r not in taken]
        return taken

    def _pending_action(self, row: Row) -> Action:
        invoice = self.invoices.get(row.invoice, _NONE)
        return Action(row.invoice, "invoice", client=invoice.client_id, reasons=("claimed before, sent now",))

    def _mailed_today(self, client_id: str, now: datetime) -> bool:
        """The store's guard (``claim_chase``): a chase mail of the client went out on their
        day. The latest chase mail per client is kept, so most clients are one comparison."""
        cal = self.calendar(client_id)
        low, high = cal.day_span(cal.today(now))
        latest = self.last_chase.get(client_id)
        if latest is None or latest < low:
            return False
        if latest < high:
            return True
        for invoice in self.by_client.get(client_id, ()):  # (a mail stored after today: look closer)
            if any(low <= stamp < high for stamp in self.facts.get(invoice.number, EMPTY).chase_times()):
                return True
        return False

    def _send(self, group: list[Action], now: datetime) -> Planned:
        """The group's mail as planned, then its rows recorded as sent at ``now``."""
        first = group[0]
        numbers = tuple(a.invoice for a in group)
        owed = sum(
            (max(balance(self.invoices[n], self.facts.get(n)), _ZERO) for n in numbers if n in self.invoices),
            _ZERO,
        )
        at = iso(now)
        for action in group:
            kind, step = action.kind, action.step
            old = [r for r in self.rows.get(action.invoice, ()) if (r.kind, r.step) != (kind, step)]
            rows = self.rows[action.invoice] = [*old, MailRecord(action.invoice, kind, step, "sent", at, at)]  # type: ignore[arg-type]
            self.facts[action.invoice] = Facts(rows, self.events.get(action.invoice, []))
            self.ons.pop(action.invoice, None)
            if kind in CHASE_KINDS and at > self.last_chase.get(action.client, ""):
                self.last_chase[action.client] = at
        invoice = self.invoices.get(first.invoice, _NONE)
        client = first.client or invoice.client_id
        kind = first.kind if first.kind in MAIL_KINDS else "invoice"
        return Planned(
            now,
            self.calendar(client).today(now),
            client,
            kind,
            first.tone,
            numbers,
            owed,
            invoice.currency,
            _why(group, self.invoices),
        )


_ZERO = Decimal(0)
_NONE = Invoice(number="", client_id="", line=0)


def _why(group: list[Action], invoices: Mapping[str, Invoice]) -> str:
    """The mail's reasons in words: what each invoice is at, and every adaptation."""
    parts = []
    for action in group:
        invoice = invoices.get(action.invoice, _NONE)
        if action.kind == "invoice":
            issued = invoice.issue_date.isoformat() if invoice.issue_date else "?"
            parts.append(f"{action.invoice}: issued {issued}")
        elif action.kind == "ack":
            parts.append(f"{action.invoice}: answers the client's {action.about.replace('_', ' ')}")
        elif action.kind == "receipt":
            parts.append(f"{action.invoice}: paid in full")
        else:
            due = invoice.due_date.isoformat() if invoice.due_date else "?"
            parts.append(f"{action.invoice}: step {action.step} ({action.tone}), due {due}")
        parts += action.reasons
    return "; ".join(parts)


def _moments(world: _World, now: datetime, days: int) -> list[tuple[datetime, list[str]]]:
    """``now`` for every client, then one open moment on each of their next days."""
    moments: dict[datetime, list[str]] = {}
    for client_id in world.by_client:
        cal = world.calendar(client_id)
        today = cal.today(now)
        for offset in range(days):
            moment = _open_moment(cal, today + timedelta(days=offset))
            if moment > now:
                moments.setdefault(moment, []).append(client_id)
    everyone = list(world.by_client)
    return [(now, everyone)] * (days > 0) + sorted(moments.items())


def _open_moment(cal: Calendar, day: date) -> datetime:
    """An hour after the client opens on ``day`` (halfway through a shorter day), in UTC."""
    opens = datetime.combine(day, cal.opens, cal.zone)
    closes = datetime.combine(day, cal.closes, cal.zone)
    return (opens + min(FIRST_MOMENT, (closes - opens) / 2)).astimezone(UTC)
