"""The owner's daily digest (``[digest]``): once a day, at ``hour`` on the owner's clock.

Not the digest of held-back mail (``inbound.digest``).  Each pass asks ``send_daily``;
before the hour, or once the day's digest is claimed (or the day was found quiet), it
costs one indexed read.  The digest is claimed in the outbox under ``(DAILY, "digest",
YYYYMMDD)`` like every mail to the owner, so however often the worker restarts there is
one a day: a claim that failed to send is sent by the next passes, never built twice.
A day with nothing to say (nothing sent, read or paid) leaves a ``note`` instead, unless
``send_empty``.  The content is ``decide.daily.build_daily``'s, a pure function.
Payments written in the ledger (``paid_on``) leave no event, so each digest notes which
it saw (``LEDGER_SEEN``): the next lists those written since.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from mailbot.config.settings import Settings
from mailbot.decide.daily import AHEAD_DAYS, DailyDigest, build_daily
from mailbot.decide.forecast import forecast
from mailbot.ledger.read import Ledger
from mailbot.outbound.compose import new_message_id
from mailbot.outbound.daily import daily_mail, render_daily
from mailbot.outbound.render import Renderer
from mailbot.outbound.transport import open_outbox
from mailbot.records.rows import Event, iso
from mailbot.service.plan import start_from
from mailbot.service.sending import send_prebuilt
from mailbot.state.store import Store

log = logging.getLogger(__name__)

DAILY = "daily-digest"  # the outbox's and the events' invoice name for the owner's daily digest
QUIET = "no daily digest: nothing to say on "  # the note of a quiet day, then its date
LOOK_BACK = timedelta(days=31)  # the most a digest reports (after a long pause of the digest)
FIRST_LOOK_BACK = timedelta(days=1)  # the first digest: the last day
REPORTED = ("sent", "reply", "resume", "payment")
LEDGER_SEEN = "ledger payments seen by the daily digest: "  # then a JSON list of ``ledger_key``s


def due_day(settings: Settings, now: datetime) -> date | None:
    """The owner's day whose digest is due at ``now`` (its hour has come), or None."""
    digest = settings.digest
    if not digest.enabled:
        return None
    local = now.astimezone(ZoneInfo(digest.timezone))
    return local.date() if local.hour >= digest.hour else None


def step_of(day: date) -> int:
    """The digest's outbox step: its day as a number (20261207), one claim a day."""
    return day.year * 10_000 + day.month * 100 + day.day


def send_daily(store: Store, settings: Settings, ledger: Ledger, renderer: Renderer, now: datetime) -> str:
    """Claim today's digest if it is due and not claimed yet, and send it at once.
    Returns "sent", "claimed" (not sent now: the next pass tries), "quiet", or ""."""
    day = due_day(settings, now)
    if day is None:
        return ""
    done = store.outbox(DAILY)
    if any(row.step == step_of(day) for row in done) or store.has_note(DAILY, QUIET + day.isoformat()):
        return ""
    since = _since([row.claimed_at for row in done], now)
    digest = build(store, settings, ledger, now, day, since)
    if not digest.news and not settings.digest.send_empty:
        store.add_event(Event(DAILY, iso(now), "note", detail=QUIET + day.isoformat()))
        _remember_ledger(store, digest, now)  # (a first quiet day: the ledger's past, seen)
        log.info("daily digest of %s: nothing to say, none sent", day)
        return "quiet"
    message_id = new_message_id(settings.domain, "daily")
    raw = daily_mail(render_daily(renderer, digest, settings), settings, message_id, now)
    to = settings.digest.to or settings.business.owner
    if not store.claim(DAILY, "digest", step_of(day), message_id, now, payload=raw, recipients=to):
        return ""
    log.info("daily digest of %s claimed for %s", day, to)
    _remember_ledger(store, digest, now)
    return _send_now(store, settings, message_id, now)


def _since(claimed: list[str], now: datetime) -> datetime:
    """Since the last digest was claimed; the first one covers the last day."""
    last = max((datetime.fromisoformat(at) for at in claimed), default=now - FIRST_LOOK_BACK)
    return max(last, now - LOOK_BACK)


def build(store: Store, settings: Settings, ledger: Ledger, now: datetime, day: date,
          since: datetime) -> DailyDigest:  # fmt: skip
    """The records the digest reads, handed to the pure ``build_daily``."""
    events = store.events_since(iso(since), *REPORTED)
    history = store.events_of_type("reply", "resume", "payment")  # (the replies still open)
    facts = store.decision_facts(save=False)
    plan = forecast(ledger.valid(), start_from(store, settings), settings.clients, settings.chase, now,
                    AHEAD_DAYS)  # fmt: skip
    names = {key: client.name for key, client in settings.clients.items()}
    return build_daily(events, ledger, facts, plan, now, day, since, names, history, ledger_known(store))


def ledger_known(store: Store) -> frozenset[str] | None:
    """The ledger payments the digests saw (``LEDGER_SEEN`` notes); None before the first."""
    notes = [e.detail or "" for e in store.events(DAILY) if e.type == "note"]
    seen = [n.removeprefix(LEDGER_SEEN) for n in notes if n.startswith(LEDGER_SEEN)]
    if not seen:
        return None
    return frozenset(key for note in seen for key in json.loads(note))


def _remember_ledger(store: Store, digest: DailyDigest, now: datetime) -> None:
    """The ledger payments this digest saw, so that the next lists only newer ones: one
    note (the first digest's holds every payment of the ledger; later ones, the new)."""
    if digest.ledger_seen or digest.ledger_first:
        detail = LEDGER_SEEN + json.dumps(list(digest.ledger_seen))
        store.add_event(Event(DAILY, iso(now), "note", detail=detail))


def _send_now(store: Store, settings: Settings, message_id: str, now: datetime) -> str:
    """Sent at once, as an alert is; a failure leaves the claim for the next pass."""
    try:
        with open_outbox(settings) as outbox:
            for row in store.claimed_mail(message_id):
                if send_prebuilt(store, outbox, settings.business.email, row, now) == "sent":
                    return "sent"
    except Exception:
        log.exception("the daily digest was not sent now; the next pass tries again")
    return "claimed"
