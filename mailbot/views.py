"""Pure: the JSON shapes of ``status`` and ``history`` (see CONTRACT.md)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from mailbot import policy
from mailbot.ledger import Ledger
from mailbot.settings import Settings
from mailbot.store import Event


def _money(value) -> str:
    return str(value)


def status_rows(
    ledger: Ledger, facts: Mapping[str, policy.Facts], settings: Settings, now: datetime
) -> list[dict[str, Any]]:
    rows = []
    empty = policy.Facts()
    kinds = policy.profiles(ledger.valid(), facts, now.date())
    for invoice in ledger.invoices.values():
        known = facts.get(invoice.number, empty)
        client = settings.clients.get(invoice.client_id)
        today = policy.local_date(now, client)
        totals = invoice.totals
        replies = [e for e in known.events if e.type == "reply"]
        last = replies[-1] if replies else None
        reminders = [r for r in known.outbox if r.kind in ("reminder", "final") and r.status == "sent"]
        rows.append(
            {
                "invoice": invoice.number,
                "client": invoice.client_id,
                "currency": invoice.currency,
                "total": _money(totals.gross),
                "balance": _money(policy.balance(invoice, known) if invoice.valid else totals.gross),
                "issue_date": invoice.issue_date.isoformat() if invoice.issue_date else None,
                "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
                "state": policy.state(invoice, known, today),
                "reminders_sent": len(reminders),
                "last_reply": (
                    {"intent": last.intent, "at": last.at, "trusted": bool(last.trusted)} if last else None
                ),
                "next_action": policy.next_action(
                    invoice, known, today, client, settings.chase, now, kinds.get(invoice.client_id, "usual")
                ),
            }
        )
    return rows


def history_rows(events: list[Event], problems: list[str], now: datetime) -> list[dict[str, Any]]:
    """The invoice's events, oldest first; ledger problems show as ``error`` now."""
    rows = [e.as_json() for e in events]
    rows += [{"at": now.isoformat(timespec="seconds"), "type": "error", "detail": p} for p in problems]
    return rows
