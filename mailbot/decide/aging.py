"""Pure: open receivables by age bucket, per client and currency, then totals per currency.

``mailbot aging`` prints them and the owner's daily digest shows the totals: one
computation, so the two never disagree."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from mailbot.decide import policy
from mailbot.ledger.money import round_money

if TYPE_CHECKING:  # (the type only: reading a ledger is I/O, and this module is pure)
    from mailbot.ledger.read import Ledger

BUCKETS = ("not_due", "1_30", "31_60", "61_90", "over_90")


def _bucket(days_overdue: int) -> str:
    if days_overdue <= 0:
        return "not_due"
    if days_overdue <= 30:
        return "1_30"
    if days_overdue <= 60:
        return "31_60"
    return "61_90" if days_overdue <= 90 else "over_90"


def aging_rows(ledger: Ledger, facts: Mapping[str, policy.Facts], today: date) -> list[dict[str, Any]]:
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
