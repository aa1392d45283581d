"""What the owner reads: ``status``, ``history``, ``aging``, ``export-payments``.

Each is a table for people or ``--json`` for scripts; the shapes are in ``views``.
"""

from __future__ import annotations

import argparse
import sys

from mailbot.cli import views
from mailbot.cli.args import settings_of
from mailbot.cli.output import note, print_json, print_table
from mailbot.config.settings import Settings
from mailbot.decide import policy
from mailbot.ledger.read import load_ledger
from mailbot.service.clock import utcnow
from mailbot.state.store import Store


def _stored_facts(settings: Settings) -> dict[str, policy.Facts]:
    """The per-invoice summaries as stored (reading them writes nothing)."""
    with Store(settings.state_path) as store:
        return store.decision_facts(save=False)


def _stored_status(settings: Settings) -> tuple[dict[str, policy.Facts], set[str]]:
    """The summaries as stored, and the invoices a first run skipped."""
    with Store(settings.state_path) as store:
        return store.decision_facts(save=False), store.skipped()


def cmd_status(args: argparse.Namespace) -> int:
    """One row per invoice: its state, what it owes, the next mail."""
    settings = settings_of(args)
    ledger = load_ledger(settings)
    facts, skipped = _stored_status(settings)
    rows = views.status_rows(ledger, facts, settings, utcnow(), skipped)
    if args.json:
        print_json(rows)
        return 0
    lines = [
        (row["invoice"], row["client"], f"{row['total']} {row['currency']}", row["balance"],
         row["due_date"] or "", row["state"], str(row["reminders_sent"]),
         f"{row['next_action']['kind']} {row['next_action']['on']}" if row["next_action"] else "")
        for row in rows
    ]  # fmt: skip
    print_table(("invoice", "client", "total", "balance", "due", "state", "reminders", "next"), lines)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """One invoice's events, oldest first; one the ledger no longer has still shows its past."""
    settings = settings_of(args)
    ledger = load_ledger(settings)
    invoice = ledger.invoices.get(args.invoice)
    with Store(settings.state_path) as store:
        events = store.events(args.invoice)
    if invoice is None and not events:
        note(f"no invoice {args.invoice!r} in the ledger or the history")
        return 1
    problems = [str(p) for p in invoice.problems] if invoice else []
    rows = views.history_rows(events, problems, utcnow())
    if args.json:
        print_json(rows)
        return 0
    lines = [
        (row["at"], row["type"], row.get("kind") or "", row.get("detail") or row.get("intent") or "")
        for row in rows
    ]
    print_table(("at", "type", "kind", "detail"), lines)
    return 0


def cmd_aging(args: argparse.Namespace) -> int:
    """Open receivables by client and age bucket."""
    settings = settings_of(args)
    ledger = load_ledger(settings)
    rows = views.aging_rows(ledger, _stored_facts(settings), utcnow().date())
    if args.json:
        print_json(rows)
        return 0
    lines = [(row["client"], row["currency"], *(row[b] for b in views.BUCKETS), row["total"]) for row in rows]
    print_table(("client", "currency", *views.BUCKETS, "total"), lines)
    return 0


def cmd_export_payments(args: argparse.Namespace) -> int:
    """Every recorded payment, as JSON or ``--csv``."""
    from mailbot.inbound.bank import FIELDS, recorded_payments

    settings = settings_of(args)
    with Store(settings.state_path) as store:
        rows = recorded_payments(load_ledger(settings), store)
    if args.csv:
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    else:
        print_json(rows, ensure_ascii=True)
    return 0
