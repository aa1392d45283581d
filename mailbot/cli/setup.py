"""Getting started: ``mailbot init`` (a starter config and ledger) and ``mailbot check``."""

from __future__ import annotations

import argparse
from pathlib import Path

from mailbot.cli.output import note, out, say
from mailbot.config.settings import ConfigError, config_path, load_settings
from mailbot.ledger.read import load_ledger


def cmd_init(args: argparse.Namespace) -> int:
    """Write a starter config and ledger (never over existing files)."""
    from mailbot.outbound.render import default_templates

    source = default_templates().parent / "config"
    target = Path(args.dir)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ("mailbot.toml", "ledger.csv"):
        dest = target / name
        if dest.exists():
            note(f"{dest}: exists, left as it is")
            continue
        text = (source / name).read_text(encoding="utf-8")
        dest.write_text(text.replace('"../var/', '"var/'), encoding="utf-8")
        written.append(str(dest))
    for path in written:
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
    from mailbot.service.checks import config_problems, connect_problems

    problems = [str(p) for p in config_problems(settings)]
    ledger = load_ledger(settings)
    problems += [str(p) for p in ledger.problems]
    hints: list[str] = []
    if args.connect:
        problems += connect_problems(settings, hints)
    for line in problems:
        say(line)
    for line in hints:
        say(f"hint: {line}")
    valid = len(ledger.valid())
    summary = (
        f"{path}: {len(settings.clients)} clients; {settings.ledger_path}: "
        f"{len(ledger.invoices)} invoices, {valid} valid"
    )
    note(summary + (f"; {len(problems)} problem(s)" if problems else "; all good"))
    return 1 if problems else 0
