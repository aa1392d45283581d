"""``mailbot demo [DIR]``: the sample business over simulated weeks, told day by day.

The story goes to stdout (the same every time, whatever the folder); the folder and what
to try next go to stderr.  The work is ``service.demo``'s.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from collections import Counter
from pathlib import Path

from mailbot.cli import views
from mailbot.cli.output import note, print_table, say
from mailbot.config.settings import Settings
from mailbot.ledger.read import load_ledger
from mailbot.service.demo import WEEKS, DemoError, Line, end_of, prepare, run_demo, without_overrides
from mailbot.state.store import Store


def cmd_demo(args: argparse.Namespace) -> int:
    """Copy the sample business into DIR (default: a new temporary folder), run it, tell it."""
    target = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="mailbot-demo-"))
    try:
        config = prepare(target)
    except DemoError as exc:
        note(str(exc))
        return 1
    note(f"the demo business is in {target}")
    if not args.verbose:  # the story says what happened; the passes' log lines would repeat it
        logging.getLogger("mailbot").setLevel(logging.WARNING)
    counts: Counter[str] = Counter()

    def tell(line: Line) -> None:
        counts[_tally(line.text)] += 1
        say(f"{line.day:%a %d %b %Y}  {line.text}")

    with without_overrides():
        settings = run_demo(config, tell)
    say(f"\nIn {WEEKS} weeks: {counts['client']} mails to clients, {counts['reply']} replies read, "
        f"{counts['payment']} payment(s) recorded, {counts['owner']} mails to the owner.\n")  # fmt: skip
    _statuses(settings)
    note(f"the mails it sent are in {settings.mail_dir / 'outbox'}; go on with "
         f"`mailbot --config {config} status` (or history, aging, plan)")  # fmt: skip
    return 0


def _tally(text: str) -> str:
    """What a story line counts as (its words are ``service.demo.describe``'s)."""
    if text.startswith("sent "):
        return "owner" if text.endswith("to the owner") else "client"
    return text.split(" ", 1)[0]  # reply, payment, mail (arriving)


def _statuses(settings: Settings) -> None:
    """The invoices as the demo leaves them, at its last moment."""
    ledger = load_ledger(settings)
    with Store(settings.state_path) as store:
        facts, skipped = store.decision_facts(save=False), store.skipped()
    rows = views.status_rows(ledger, facts, settings, end_of(), skipped)
    say(f"Statuses on {end_of():%a %d %b %Y}:")
    print_table(
        ("invoice", "client", "total", "balance", "state", "reminders"),
        [(r["invoice"], r["client"], f"{r['total']} {r['currency']}", r["balance"], r["state"],
          str(r["reminders_sent"])) for r in rows],
    )  # fmt: skip
