"""Pure: one invoice's ``Facts`` as the store keeps it, one row of plain values, and back.

A decision pass reads one summary row per invoice instead of all its mails and events
(``Store.decision_facts``). ``summary_of`` writes the answers decisions read as text,
integers and None; ``from_summary`` makes the same ``Facts`` again from such a row.
``SUMMARY_COLUMNS`` names the stored columns (read off ``from_summary``'s parameters) and
``SUMMARY_LAYOUT`` numbers their meaning: a summary of another layout is made again from
the records, so change the layout with the fields or with what ``Facts`` means by them.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from mailbot.records.facts import Facts
from mailbot.records.kinds import Intent, OutboxStatus
from mailbot.records.rows import Said, Unsure

__all__ = ["SUMMARY_COLUMNS", "SUMMARY_LAYOUT", "from_summary", "summary_of"]

SUMMARY_LAYOUT = 6  # of summary_of()'s fields and their meaning: change it with them
_UNTIL_RESUMED = "until resumed"  # a pause without a date


def summary_of(facts: Facts) -> dict[str, Any]:
    """All that decisions read, by name, as plain values (text, integers, None): ``Store``
    keeps it per invoice as one row of ``SUMMARY_COLUMNS``, so a pass reads one row per
    invoice instead of all its mails and events. Lists of steps and of stored times are
    space-separated; of acknowledgments and payments (rare), JSON text. Every
    chase time only when there is more to know than the latest (a day with two)."""
    said, commitment, away, pause = facts.said, facts.commitment, facts.away, facts.pause
    reply = commitment[1] if commitment else None
    times = facts.chase_times()
    last_reply = facts.last_reply or (None, None, None)
    return {
        "invoice_status": facts.invoice_status, "invoice_at": facts.invoice_at,
        "sent_reminders": facts.sent_reminders, "ladder_last": facts.ladder_last,
        "last_reminder_at": facts.last_reminder_at, "last_chase_at": facts.last_chase_at,
        "last_wait_at": facts.last_wait_at, "refused": facts.refused, "has_receipt": facts.has_receipt,
        "has_notice": facts.has_notice, "held": facts.held, "bounced": facts.bounced,
        "said_intent": said[0] if said else None, "said_until": said[1] if said else None,
        "commitment_ordinal": commitment[0] if commitment else None,
        "commitment_at": reply.at if reply else None,
        "commitment_intent": reply.intent if reply else None,
        "commitment_until": reply.until if reply else None,
        "away_at": away.at if away else None, "away_until": away.until if away else None,
        "away_trusted": away.trusted if away else None,
        "pause": pause.isoformat() if isinstance(pause, date) else (_UNTIL_RESUMED if pause else None),
        "last_reply_intent": last_reply[0], "last_reply_at": last_reply[1],
        "last_reply_trusted": last_reply[2],
        "follow_ups": " ".join(map(str, facts.follow_ups)) or None,
        "unacked": _json_list([{"ordinal": o, "at": at, "intent": i} for o, at, i in facts.unacked]),
        "payments": _json_list([{"on": d.isoformat(), "amount": str(a)} for d, a in facts.payments]),
        "chase_times": " ".join(times) if set(times) - {facts.last_chase_at} else None,
        "unsure": json.dumps(facts.unsure._asdict(), separators=(",", ":")) if facts.unsure else None,
    }  # fmt: skip


def from_summary(
    invoice: str, invoice_status: OutboxStatus | None, invoice_at: str | None, sent_reminders: int,
    ladder_last: int, last_reminder_at: str | None, last_chase_at: str | None,
    last_wait_at: str | None, refused: int, has_receipt: int, has_notice: int, held: int,
    bounced: int, said_intent: Intent | None, said_until: str | None, commitment_ordinal: int | None,
    commitment_at: str | None, commitment_intent: Intent | None, commitment_until: str | None,
    away_at: str | None, away_until: str | None, away_trusted: int | None, pause: str | None,
    last_reply_intent: Intent | None, last_reply_at: str | None, last_reply_trusted: int | None,
    follow_ups: str | None, unacked: str | None, payments: str | None, chase_times: str | None,
    unsure: str | None,
) -> Facts:  # fmt: skip
    """The Facts that ``summary_of`` described: the same answers, without the records.

    One parameter per stored column, in the order of ``SUMMARY_COLUMNS`` (which is read
    off this signature), so the store passes a row as it comes: building a dict per
    row cost about a fifth of reading 100,000 summaries. A damaged row (a mistyped
    value, JSON that is not the list it should be) raises ValueError, TypeError or
    KeyError: the store then summarises the records again."""
    facts = Facts.__new__(Facts)
    facts.invoice_status, facts.invoice_at = invoice_status, invoice_at
    facts.sent_reminders, facts.ladder_last = sent_reminders, ladder_last
    facts.last_reminder_at, facts.last_chase_at = last_reminder_at, last_chase_at
    facts.last_wait_at = last_wait_at
    facts.refused, facts.has_receipt = bool(refused), bool(has_receipt)
    facts.has_notice, facts.held, facts.bounced = bool(has_notice), bool(held), bool(bounced)
    facts.invoice_sent = invoice_status == "sent"
    facts._number, facts._invoice_row, facts.outbox, facts.events = invoice, None, (), ()
    facts.said = (said_intent, said_until) if said_intent else None
    if commitment_ordinal is None:
        facts.commitment = None
    elif commitment_at is None or commitment_intent is None:
        raise ValueError("a damaged summary: a commitment without its reply")
    else:
        facts.commitment = (
            commitment_ordinal,
            Said(commitment_at, commitment_intent, commitment_until, True),
        )
    facts.away = (
        Said(away_at, "auto_reply", away_until, None if away_trusted is None else bool(away_trusted))
        if away_at
        else None
    )
    facts.pause = None if pause is None else True if pause == _UNTIL_RESUMED else date.fromisoformat(pause)
    facts.last_reply = (
        (last_reply_intent, last_reply_at, bool(last_reply_trusted)) if last_reply_intent else None
    )
    if follow_ups is None and unacked is None and payments is None and chase_times is None and unsure is None:
        facts.follow_ups, facts.unacked, facts.payments, facts._chase_times = (), (), (), None
        facts.unsure = None
        return facts  # (most invoices)
    facts.unsure = _unsure(unsure) if unsure is not None else None
    facts.follow_ups = tuple(int(step) for step in follow_ups.split(" ")) if follow_ups else ()
    facts.unacked = tuple((u["ordinal"], u["at"], u["intent"]) for u in _list_of(unacked))
    facts.payments = tuple((date.fromisoformat(p["on"]), Decimal(p["amount"])) for p in _list_of(payments))
    facts._chase_times = tuple(chase_times.split(" ")) if chase_times is not None else None
    return facts


# The stored columns of a summary: ``from_summary``'s parameters after the invoice.
SUMMARY_COLUMNS = tuple(inspect.signature(from_summary).parameters)[1:]


def _unsure(text: str) -> Unsure:
    """What ``summary_of`` wrote of an unsure reply; anything else is a damaged summary."""
    data = json.loads(text)
    if data.__class__ is not dict:
        raise TypeError(f"a damaged summary: {text!r} is not a JSON object")
    found = Unsure(**data)
    if not (isinstance(found.at, str) and isinstance(found.days, int) and isinstance(found.intent, str)):
        raise TypeError(f"a damaged summary: {text!r} is not an unsure reply")
    return found


def _json_list(items: Iterable[Any]) -> str | None:
    """A list as JSON text, None when empty (most invoices have none)."""
    items = list(items)
    return json.dumps(items, separators=(",", ":")) if items else None


def _list_of(text: str | None) -> list[Any]:
    """What ``_json_list`` wrote; anything else is a damaged summary."""
    items = json.loads(text) if text is not None else []
    if items.__class__ is not list:
        raise TypeError(f"a damaged summary: {text!r} is not a JSON list")
    return items
