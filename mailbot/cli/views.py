"""Pure: the JSON shapes of ``status`` and ``history`` (see CONTRACT.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Set
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from mailbot.config.settings import Settings
from mailbot.decide import policy
from mailbot.inbound.forward import reading_in_words
from mailbot.ledger.money import round_money
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


BUCKETS = ("not_due", "1_30", "31_60", "61_90", "over_90")


def _bucket(days_overdue: int) -> str:
    if days_overdue <= 0:
        return "not_due"
    if days_overdue <= 30:
        return "1_30"
    if days_overdue <= 60:
        return "31_60"
    return "61_90" if days_overdue <= 90 else "over_90"


def aging_rows(ledger: Ledger, facts: Mapping[str, policy.Facts], today) -> list[dict[str, Any]]:
    """Open balances of sent invoices by days overdue, per client and currency, then totals."""
    table: dict[tuple[str, str], dict[str, Decimal]] = {}
    for invoice in ledger.valid():
        known = facts.get(invoice.number, policy.Facts())
        if invoice.due_date is None or not policy.open_and_sent(invoice, known):
            continue
        left = policy.balance(invoice, known)
        sums = table.setdefault((invoice.client_id, invoice.currency), dict.fromkeys(BUCKETS, Decimal(0)))
        sums[_bucket((today - invoice.due_date).days)] += left
    rows = []
    for (client, currency), sums in sorted(table.items()):
        rows.append(_aging_row(client, currency, sums))
    for currency in sorted({c for _, c in table}):
        sums = {b: sum((s[b] for (_, c), s in table.items() if c == currency), Decimal(0)) for b in BUCKETS}
        rows.append(_aging_row("(all)", currency, sums))
    return rows


def _aging_row(client: str, currency: str, sums: dict[str, Decimal]) -> dict[str, Any]:
    total = sum(sums.values(), Decimal(0))
    money = {b: str(round_money(v, currency)) for b, v in sums.items()}
    return {"client": client, "currency": currency, **money, "total": str(round_money(total, currency))}
