"""Pure: which invoice mails a first run holds back (issued before its window).

A first run meets a ledger of invoices the owner issued and mailed by hand, maybe
for years; mailing them all would send clients bills they paid long ago.  Only those
issued within ``[state] first_run_days`` of ``now`` go out; the others are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from mailbot.decide.policy import LATE_MAIL_NOTICE, Action
from mailbot.ledger.invoices import Invoice
from mailbot.records.kinds import SKIPPED_NOTE


def window_start(now: datetime, days: int) -> date:
    """The first issue date a first run mails (UTC: the window is days, not hours)."""
    return now.date() - timedelta(days=days)


def too_old(actions: Iterable[Action], invoices: Mapping[str, Invoice], start: date) -> list[str]:
    """The invoice mails among ``actions`` of invoices issued before ``start``."""
    old = []
    for action in actions:
        if action.kind != "invoice":
            continue
        issued = invoices[action.invoice].issue_date
        if issued is not None and issued < start:
            old.append(action.invoice)
    return old


def skip_note(invoice: Invoice, start: date) -> str:
    """The history's words for a skipped invoice: why, and how to mail it after all."""
    issued = invoice.issue_date.isoformat() if invoice.issue_date else "?"
    return (
        f"{SKIPPED_NOTE}: issued {issued}, before {start.isoformat()} (the first run mails only"
        f" [state] first_run_days); not mailed, not chased; `mailbot resume {invoice.number}`"
        " or `mailbot run --once --backfill` mails it"
    )


def without(actions: list[Action], held: set[str]) -> list[Action]:
    """``actions`` less the invoice mails of ``held`` invoices, and the owner's notice that
    one went out after its due date (it does not go out)."""
    if not held:
        return actions
    return [a for a in actions if not (a.invoice in held and (
        a.kind == "invoice" or (a.kind == "notice" and a.step == LATE_MAIL_NOTICE)))]  # fmt: skip
