"""Pure: the JSON shapes of ``status`` and ``history`` (see CONTRACT.md); ``aging``'s are
``decide.aging``'s (the daily digest shows them too)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Set
from datetime import date, datetime
from typing import Any

from mailbot.config.settings import Settings
from mailbot.decide import policy
from mailbot.decide.aging import BUCKETS, aging_rows
from mailbot.inbound.forward import reading_in_words
from mailbot.ledger.read import Ledger
from mailbot.records.facts import UNSURE_MARK
from mailbot.records.rows import Event, Unsure


def _money(value) -> str:
    return str(value)


def status_rows(
    ledger: Ledger,
    facts: Mapping[str, policy.Facts],
    settings: Settings,
    now: datetime,
    skipped: Set[str] = frozenset(),
) -> list[dict[str, Any]]:
    """``skipped``: the invoices a first run did not mail (shown as such until mailed)."""
    rows = []
    empty = policy.Facts()
    kinds = policy.profiles(ledger.valid(), facts, now.date())
    for invoice in ledger.invoices.values():
        known = facts.get(invoice.number, empty)
        client = settings.clients.get(invoice.client_id)
        today = policy.local_date(now, client)
        last = known.last_reply
        current = policy.state(invoice, known, today)
        held = current == "scheduled" and invoice.number in skipped
        rows.append(
            {
                "invoice": invoice.number,
                "client": invoice.client_id,
                "currency": invoice.currency,
                "total": _money(invoice.gross),
                "balance": _money(policy.balance(invoice, known) if invoice.valid else invoice.gross),
                "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
                "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
                "state": "skipped" if held else current,
                "reminders_sent": known.sent_reminders,
                "last_reply": _last_reply(last, known.unsure),
                "next_action": None
                if held
                else policy.next_action(
                    invoice, known, today, client, settings.chase, now, kinds.get(invoice.client_id, "usual")
                ),
            }
        )
    return rows


def _last_reply(last: tuple | None, unsure: Unsure | None) -> dict[str, Any] | None:
    """The latest reply; one mailbot was not sure of (and the owner has not confirmed or
    resumed) with ``unsure``, its ``confidence`` and mailbot's best ``reading`` in words."""
    if not last:
        return None
    row = dict(zip(("intent", "at", "trusted"), last, strict=True))
    if unsure is not None and unsure.at == row["at"] and unsure.intent == row["intent"]:
        until = date.fromisoformat(unsure.until) if unsure.until else None
        reading = reading_in_words(unsure.intent, until)
        row |= {"unsure": True, "confidence": unsure.confidence, "reading": reading}
    return row


def history_rows(events: list[Event], problems: list[str], now: datetime) -> list[dict[str, Any]]:
    """The invoice's events, oldest first; ledger problems show as ``error`` now.  A reply
    mailbot was not sure of shows ``unsure``, its ``confidence`` and its best ``reading``."""
    rows = [_history_row(e) for e in events]
    rows += [{"at": now.isoformat(timespec="seconds"), "type": "error", "detail": p} for p in problems]
    return rows


def _history_row(event: Event) -> dict[str, Any]:
    row = event.as_json()
    if event.type == "reply" and event.detail and UNSURE_MARK in event.detail:
        detail = json.loads(event.detail)
        if detail.get("unsure") is True:
            until = date.fromisoformat(event.until) if event.until else None
            reading = reading_in_words(event.intent or "other", until)
            row |= {"unsure": True, "confidence": detail.get("confidence"), "reading": reading}
    return row


__all__ = ["BUCKETS", "aging_rows", "history_rows", "status_rows"]
