"""Getting started: ``mailbot init`` (a starter config and ledger) and ``mailbot check``."""

from __future__ import annotations

import argparse
from pathlib import Path

from mailbot.cli.output import note, out, say
from mailbot.config.settings import ConfigError, config_path, load_settings


def cmd_init(args: argparse.Namespace) -> int:
    """Write a starter config and ledger (never over existing files)."""
    from mailbot.service.starter import write_starter

    target = Path(args.dir)
    done = write_starter(target)
    for path in done.kept:
        note(f"{path}: exists, left as it is")
    for path in done.written:
        say(f"wrote {path}")
    out.print(f"next: edit {target / 'mailbot.toml'}, then `mailbot --config "
              f"{target / 'mailbot.toml'} check`", markup=False)  # fmt: skip
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Each problem one line ``FILE:LINE: message`` on stdout, a summary on stderr."""
    path = config_path(args.config)
    try:
        settings = load_settings(path)
    except ConfigError as exc:
        for problem in exc.problems:
            say(str(problem))
        return 1
    from mailbot.service.checks import check

    report = check(settings, connect=args.connect)
    for line in report.problems:
        say(line)
    for line in report.hints:
        say(f"hint: {line}")
    summary = (
        f"{path}: {report.clients} clients; {settings.ledger_path}: "
        f"{report.invoices} invoices, {report.valid} valid"
    )
    problems = report.problems
    note(summary + (f"; {len(problems)} problem(s)" if problems else "; all good"))
    return 1 if problems else 0
