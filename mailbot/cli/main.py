"""The ``mailbot`` command: parses arguments, calls the modules, prints. No logic of its own.

Exit codes: 0 done, 1 problems found or a failure, 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

from rich.console import Console
from rich.table import Table

from mailbot import __version__
from mailbot.cli import views
from mailbot.config.settings import ConfigError, Settings, config_path, load_settings
from mailbot.ledger.read import load_ledger
from mailbot.outbound.preview import build_preview
from mailbot.outbound.render import TemplateMissing
from mailbot.service import owner
from mailbot.service.clock import utcnow
from mailbot.service.loop import run_forever
from mailbot.service.run_pass import run_once
from mailbot.state.store import Store

log = logging.getLogger("mailbot")
# Piped output (ops scripts, CI logs) gets wide tables instead of truncated cells.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _logging(args.verbose)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except ConfigError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        return 1
    except KeyboardInterrupt:
        return 130


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(config_path(args.config))


# commands -------------------------------------------------------------------


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
            err.print(f"{dest}: exists, left as it is", markup=False)
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
    err.print(summary + (f"; {len(problems)} problem(s)" if problems else "; all good"), markup=False)
    return 1 if problems else 0


def cmd_preview(args: argparse.Namespace) -> int:
    settings = _settings(args)
    invoice = load_ledger(settings).invoices.get(args.invoice)
    if invoice is None:
        err.print(f"{settings.ledger_path}: no invoice {args.invoice!r}", markup=False)
        return 1
    if not invoice.valid:
        for problem in invoice.problems:
            err.print(str(problem), markup=False)
        return 1
    target = Path(args.out) if args.out else None
    if target is not None and target.suffix not in (".txt", ".html", ".htm", ".eml"):
        err.print(f"{target}: use .html, .txt or .eml", markup=False)
        return 2
    try:
        raw = build_preview(settings, invoice, args.kind, args.step, utcnow())
    except TemplateMissing as exc:
        err.print(str(exc), markup=False)
        return 1
    msg = message_from_bytes(raw, policy=email_policy.default)
    if target is None or target.suffix == ".txt":
        _write_or_print(target, f"Subject: {msg['Subject']}\n\n{_body(msg, 'plain')}")
    elif target.suffix == ".eml":
        target.write_bytes(raw)
    else:
        _write_or_print(target, _body(msg, "html"))
    if target:
        err.print(f"wrote {target}", markup=False)
    return 0


def _body(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body((subtype,))
    return part.get_content() if part is not None else ""


def say(line: str) -> None:
    """One result line, never wrapped: scripts read ``FILE:LINE: message`` whole."""
    sys.stdout.write(line + "\n")


def _write_or_print(target: Path | None, text: str) -> None:
    if target is None:
        sys.stdout.write(text)
    else:
        target.write_text(text, encoding="utf-8")


def cmd_run(args: argparse.Namespace) -> int:
    if not (args.once or args.dry_run):
        return run_forever(config_path(args.config), load_settings, args.interval)
    settings = _settings(args)
    report = run_once(settings, utcnow(), dry_run=args.dry_run)
    if args.dry_run:
        for line in report.planned:
            say(f"would send {line}")
    for invoice in report.sent:
        say(f"sent {invoice}")
    for invoice in report.failed:
        say(f"undeliverable {invoice}")
    for invoice in report.retry:
        say(f"will retry {invoice}")
    for invoice in report.held:
        say(f"held {invoice}: the mail could not be built (see the log)")
    where = settings.smtp.host or str(settings.mail_dir / "outbox")
    err.print(f"{len(report.sent)} sent ({where}), {len(report.retry)} to retry, "
              f"{len(report.failed)} undeliverable, {len(report.problems)} ledger problem(s)",
              markup=False)  # fmt: skip
    return 1 if report.failed or report.retry or report.held else 0


def cmd_status(args: argparse.Namespace) -> int:
    settings = _settings(args)
    ledger = load_ledger(settings)
    with Store(settings.state_path) as store:
        facts = store.decision_facts(save=False)  # (the stored summaries; writes nothing)
    rows = views.status_rows(ledger, facts, settings, utcnow())
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return 0
    lines = [
        (row["invoice"], row["client"], f"{row['total']} {row['currency']}", row["balance"],
         row["due_date"] or "", row["state"], str(row["reminders_sent"]),
         f"{row['next_action']['kind']} {row['next_action']['on']}" if row["next_action"] else "")
        for row in rows
    ]  # fmt: skip
    print_table(("invoice", "client", "total", "balance", "due", "state", "reminders", "next"), lines)
    return 0


LONG_TABLE = 2_000  # rows: beyond this, plain columns (rich took 100 s for 100,000 rows)


def print_table(headers: Sequence[str], lines: Sequence[Sequence[str]]) -> None:
    """A table for people: rich's boxes, or for a long one aligned plain columns, which
    print at once and keep every cell whole (``--json`` is there for scripts)."""
    if len(lines) <= LONG_TABLE:
        table = Table(*headers)
        for line in lines:
            table.add_row(*line)
        out.print(table)
        return
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(headers)]
    write = sys.stdout.write
    write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    write("  ".join("-" * w for w in widths) + "\n")
    for line in lines:
        write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() + "\n")


def cmd_history(args: argparse.Namespace) -> int:
    settings = _settings(args)
    ledger = load_ledger(settings)
    invoice = ledger.invoices.get(args.invoice)
    with Store(settings.state_path) as store:
        events = store.events(args.invoice)
    if invoice is None and not events:
        err.print(f"no invoice {args.invoice!r} in the ledger or the history", markup=False)
        return 1
    problems = [str(p) for p in invoice.problems] if invoice else []
    rows = views.history_rows(events, problems, utcnow())
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return 0
    lines = [
        (row["at"], row["type"], row.get("kind") or "", row.get("detail") or row.get("intent") or "")
        for row in rows
    ]
    print_table(("at", "type", "kind", "detail"), lines)
    return 0


def _owner_event(args: argparse.Namespace, type_: str, **fields) -> int:
    """Record an owner action on an invoice the ledger knows."""
    try:
        owner.record(_settings(args), args.invoice, type_, utcnow(), **fields)
    except owner.OwnerActionError as exc:
        err.print(str(exc), markup=False)
        return 1
    return 0


def cmd_aging(args: argparse.Namespace) -> int:
    settings = _settings(args)
    ledger = load_ledger(settings)
    with Store(settings.state_path) as store:
        facts = store.decision_facts(save=False)
    rows = views.aging_rows(ledger, facts, utcnow().date())
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return 0
    lines = [(row["client"], row["currency"], *(row[b] for b in views.BUCKETS), row["total"]) for row in rows]
    print_table(("client", "currency", *views.BUCKETS, "total"), lines)
    return 0


def cmd_import_payments(args: argparse.Namespace) -> int:
    """Credits that name one open invoice become payments; the rest is reported."""
    from mailbot.inbound.bank import StatementError, apply_statement, read_statement

    settings = _settings(args)
    ledger = load_ledger(settings)
    try:
        entries = read_statement(Path(args.file))
    except StatementError as exc:
        err.print(str(exc), markup=False)
        return 1
    with Store(settings.state_path) as store:
        lines, problems = apply_statement(entries, ledger, store, utcnow(), args.file)
    for line in lines:
        say(line)
    return 1 if problems else 0


def cmd_export_payments(args: argparse.Namespace) -> int:
    from mailbot.inbound.bank import FIELDS, recorded_payments

    settings = _settings(args)
    with Store(settings.state_path) as store:
        rows = recorded_payments(load_ledger(settings), store)
    if args.csv:
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    else:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    return 0


def cmd_pause(args: argparse.Namespace) -> int:
    until = _date_arg(args.until) if args.until else None
    code = _owner_event(args, "pause", until=until.isoformat() if until else None,
                        detail=args.reason or None)  # fmt: skip
    if code == 0:
        say(f"paused {args.invoice}" + (f" until {until}" if until else " until `mailbot resume`"))
    return code


def cmd_resume(args: argparse.Namespace) -> int:
    code = _owner_event(args, "resume", detail=args.reason or None)
    if code == 0:
        say(f"resumed {args.invoice}: reminders follow the ladder again")
    return code


def cmd_mark_paid(args: argparse.Namespace) -> int:
    on = _date_arg(args.on) if args.on else None
    amount = _amount_arg(args.amount) if args.amount else None
    try:
        done = owner.mark_paid(_settings(args), args.invoice, utcnow(), on=on, amount=amount)
    except owner.OwnerActionError as exc:
        err.print(str(exc), markup=False)
        return 1
    say(f"recorded {done.amount} {done.currency} paid on {done.on} for {args.invoice}; open: {done.left}")
    return 0


def cmd_unmark_paid(args: argparse.Namespace) -> int:
    amount = _amount_arg(args.amount) if args.amount else None
    try:
        taken = owner.unmark_paid(_settings(args), args.invoice, utcnow(), amount=amount, reason=args.reason)
    except owner.OwnerActionError as exc:
        err.print(str(exc), markup=False)
        return 1
    say(f"took back {taken} recorded as paid for {args.invoice}; if it is open, reminders go on")
    return 0


def _date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        err.print(f"mailbot: {text!r} is not a date like 2026-12-01", markup=False)
        raise SystemExit(2) from None


def _amount_arg(text: str) -> Decimal:
    """A positive, finite amount with '.' as the decimal point (bad usage otherwise: exit 2)."""
    try:
        amount = Decimal(text)
    except ArithmeticError:
        amount = Decimal("NaN")
    exponent = amount.as_tuple().exponent  # a letter for NaN and infinities
    if not isinstance(exponent, int) or amount <= 0 or exponent < -4:
        err.print(f"mailbot: {text!r} is not an amount like 1190.00", markup=False)
        raise SystemExit(2)
    return amount


# arguments ------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailbot", description="Issues invoices by email and chases the unpaid ones."
    )
    parser.add_argument("--version", action="version", version=f"mailbot {__version__}")
    parser.add_argument("--config", help="config file (else $MAILBOT_CONFIG, else config/mailbot.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.set_defaults(command=None)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func, command=name)
        return p

    p = command("init", cmd_init, "write a starter config and ledger")
    p.add_argument("dir", nargs="?", default="config")
    p = command("check", cmd_check, "validate config and ledger (FILE:LINE: message)")
    p.add_argument("--connect", action="store_true", help="also log in to SMTP/IMAP")
    p = command("preview", cmd_preview, "render a mail without sending it")
    p.add_argument("invoice")
    p.add_argument("--kind", default="invoice", choices=["invoice", "reminder", "final", "ack", "receipt"])
    p.add_argument("--step", type=int, default=0)
    p.add_argument("--out", help="FILE.html, FILE.txt or FILE.eml (default: text to stdout)")
    p = command("run", cmd_run, "the worker: send what is due, then keep watching")
    p.add_argument("--once", action="store_true", help="one full pass, then exit")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="one pass that shows what would go out and sends nothing",
    )
    p.add_argument("--interval", type=float, default=60.0, help="seconds between passes")
    p = command("status", cmd_status, "one row per invoice")
    p.add_argument("--json", action="store_true")
    p = command("history", cmd_history, "the invoice's timeline")
    p.add_argument("invoice")
    p.add_argument("--json", action="store_true")
    p = command("import-payments", cmd_import_payments, "record payments from a camt.053/054 statement")
    p.add_argument("file")
    p = command("export-payments", cmd_export_payments, "recorded payments out (JSON, or --csv)")
    p.add_argument("--csv", action="store_true")
    p = command("aging", cmd_aging, "open receivables by age bucket and client")
    p.add_argument("--json", action="store_true")
    p = command("pause", cmd_pause, "no reminders for an invoice (until a date, or until resume)")
    p.add_argument("invoice")
    p.add_argument("--until", help="YYYY-MM-DD; without it, until `mailbot resume`")
    p.add_argument("--reason")
    p = command("resume", cmd_resume, "chase an invoice again (after a pause, dispute or question)")
    p.add_argument("invoice")
    p.add_argument("--reason")
    p = command("mark-paid", cmd_mark_paid, "record a payment (default: the whole open amount, today)")
    p.add_argument("invoice")
    p.add_argument("--on", help="YYYY-MM-DD (default: today)")
    p.add_argument("--amount", help="default: the open amount")
    p = command("unmark-paid", cmd_unmark_paid, "take back a payment recorded by mistake")
    p.add_argument("invoice")
    p.add_argument("--amount", help="default: all that mark-paid and bank imports recorded")
    p.add_argument("--reason", help="kept in the history")
    return parser
