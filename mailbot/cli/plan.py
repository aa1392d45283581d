"""``mailbot plan``: the forecast of the next days' mails, as a table by day or ``--json``."""

from __future__ import annotations

import argparse
from typing import Any

from mailbot.cli.args import settings_of
from mailbot.cli.output import note, print_json, print_table
from mailbot.decide.forecast import Planned
from mailbot.service.clock import utcnow
from mailbot.service.plan import plan

MAX_DAYS = 366


def cmd_plan(args: argparse.Namespace) -> int:
    """Every mail mailbot would send in the next ``--days`` if nothing changes; writes nothing."""
    if not 1 <= args.days <= MAX_DAYS:
        note(f"mailbot: --days must be between 1 and {MAX_DAYS}")
        return 2
    settings = settings_of(args)
    if args.client is not None and args.client not in settings.clients:
        note(f"mailbot: no client {args.client!r} in the config")
        return 2
    rows = [plan_row(p) for p in plan(settings, utcnow(), args.days, args.client)]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        note(f"nothing to send in the next {args.days} days (if no one replies or pays)")
        return 0
    print_table(("day", "client", "kind", "tone", "invoices", "amount", "why"), _by_day(rows))
    note(f"{len(rows)} mails in the next {args.days} days, if no one replies or pays")
    return 0


def plan_row(planned: Planned) -> dict[str, Any]:
    """One mail in CONTRACT's ``plan --json`` shape."""
    return {
        "on": planned.on.isoformat(),
        "client": planned.client,
        "kind": planned.kind,
        "tone": planned.tone or None,
        "invoices": list(planned.invoices),
        "amount": str(planned.amount),
        "currency": planned.currency,
        "why": planned.why,
    }


def _by_day(rows: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """Table lines, the day named on its first mail only: the days stand out as groups."""
    lines: list[tuple[str, ...]] = []
    last = ""
    for row in rows:
        day = row["on"] if row["on"] != last else ""
        last = row["on"]
        amount = f"{row['amount']} {row['currency']}"
        lines.append(
            (
                day,
                row["client"],
                row["kind"],
                row["tone"] or "",
                ", ".join(row["invoices"]),
                amount,
                row["why"],
            )
        )
    return lines
