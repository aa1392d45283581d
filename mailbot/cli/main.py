"""The ``mailbot`` command: parses arguments, calls the modules, prints. No logic of its own.

The commands live by what the user does: ``setup`` (init, check), ``mail`` (preview,
run), ``reports`` (status, history, aging, export-payments), ``owner`` (pause, resume,
confirm, mark-paid, unmark-paid, import-payments); ``output`` prints, ``args`` reads values.

Exit codes: 0 done, 1 problems found or a failure, 2 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import sqlite3
from collections.abc import Callable, Sequence

from mailbot import __version__
from mailbot.cli.args import duration_arg
from mailbot.cli.logs import FORMATS, default_format, setup_logging
from mailbot.cli.output import note
from mailbot.config.problems import Refused
from mailbot.config.settings import ConfigError, config_path, load_settings
from mailbot.records.kinds import CONFIRM_WORDS
from mailbot.state.guard import StateError, explain

Command = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a config error is its problems, one a line, and exit 1."""
    parser = _parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose, args.log_format)
    if args.command is None:
        parser.print_help()
        return 2
    module, name = args.func.split(":")
    func: Command = getattr(importlib.import_module(f"mailbot.cli.{module}"), name)
    try:
        return func(args)
    except ConfigError as exc:
        for problem in exc.problems:
            note(str(problem))
        return 1
    except (Refused, StateError) as exc:  # an owner action that cannot be done, a state
        note(str(exc))  # file that cannot be used (lost, damaged, a folder): why, and exit 1
        return 1
    except sqlite3.DatabaseError as exc:  # a damaged page met after the file opened well
        note(explain(_state_path(args), exc))
        return 1
    except KeyboardInterrupt:
        return 130


def _state_path(args: argparse.Namespace) -> str:
    """The state file the command used, to name it in a message."""
    try:
        return str(load_settings(config_path(args.config)).state_path)
    except Exception:  # (the message matters more than the name)
        return "the state file"


def _parser() -> argparse.ArgumentParser:
    """Every command and its arguments, in the order ``mailbot --help`` lists them."""
    parser = argparse.ArgumentParser(
        prog="mailbot", description="Issues invoices by email and chases the unpaid ones."
    )
    parser.add_argument("--version", action="version", version=f"mailbot {__version__}")
    parser.add_argument("--config", help="config file (else $MAILBOT_CONFIG, else config/mailbot.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--log-format",
        choices=FORMATS,
        default=default_format(),
        help="log lines on stderr: text, or one JSON object a line (else $MAILBOT_LOG_FORMAT, else text)",
    )
    parser.set_defaults(command=None)
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, func: str, help_text: str) -> argparse.ArgumentParser:
        """``func``: ``module:function`` in ``mailbot.cli``, imported only when the command
        runs, so that ``check`` does not load what ``run`` needs (IMAP, MJML, ...)."""
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func, command=name)
        return p

    p = command("init", "setup:cmd_init", "write a starter config and ledger")
    p.add_argument("dir", nargs="?", default="config")
    p = command("check", "setup:cmd_check", "validate config and ledger (FILE:LINE: message)")
    p.add_argument("--connect", action="store_true", help="also log in to SMTP/IMAP")
    p = command("preview", "mail:cmd_preview", "render a mail without sending it")
    p.add_argument("invoice")
    p.add_argument("--kind", default="invoice", choices=["invoice", "reminder", "final", "ack", "receipt"])
    p.add_argument("--step", type=int, default=0)
    p.add_argument(
        "--out",
        help="FILE.html, .txt, .eml, .pdf: the invoice PDF, or .xml: its e-invoice "
        "(a Serbian business: the UBL file for SEF) (default: text to stdout)",
    )
    p = command("run", "mail:cmd_run", "the worker: send what is due, then keep watching")
    p.add_argument("--once", action="store_true", help="one full pass, then exit")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="one pass that shows what would go out and sends nothing",
    )
    p.add_argument(
        "--interval",
        type=float,
        default=None,
        help="seconds between passes (60); with --once: how often cron runs it, for `mailbot health`",
    )
    p.add_argument(
        "--backfill",
        action="store_true",
        help="mail every invoice not yet sent, also those issued before the first-run window",
    )
    p = command(
        "health", "health:cmd_health", "exit 0 only if the worker completed a pass within two intervals"
    )
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--max-age",
        type=duration_arg,
        help="healthy if a pass ended well within this (90s, 30m, 2h, 1d) instead of two intervals",
    )
    p = command("demo", "demo:cmd_demo", "the sample business over simulated weeks, told day by day")
    p.add_argument("dir", nargs="?", help="a new or empty folder (default: a new temporary one)")
    p = command("state", "state:cmd_state", "check the state file, or start afresh without one")
    p.add_argument(
        "action",
        choices=["check", "new"],
        help="check: integrity and schema, exit 0/1; new: start afresh where the state file is lost",
    )
    p = command("status", "reports:cmd_status", "one row per invoice")
    p.add_argument("--json", action="store_true")
    p = command("plan", "plan:cmd_plan", "the mails of the next days if nothing changes (writes nothing)")
    p.add_argument("--days", type=int, default=45, help="how many days ahead, today the first (45)")
    p.add_argument("--client", help="only this client's mails")
    p.add_argument("--json", action="store_true")
    p = command("history", "reports:cmd_history", "the invoice's timeline")
    p.add_argument("invoice")
    p.add_argument("--json", action="store_true")
    p = command(
        "import-payments", "owner:cmd_import_payments", "record payments from a camt.053/054 statement"
    )
    p.add_argument("file")
    p = command("export-payments", "reports:cmd_export_payments", "recorded payments out (JSON, or --csv)")
    p.add_argument("--csv", action="store_true")
    p = command("aging", "reports:cmd_aging", "open receivables by age bucket and client")
    p.add_argument("--json", action="store_true")
    p = command("pause", "owner:cmd_pause", "no reminders for an invoice (until a date, or until resume)")
    p.add_argument("invoice")
    p.add_argument("--until", help="YYYY-MM-DD; without it, until `mailbot resume`")
    p.add_argument("--reason")
    p = command("resume", "owner:cmd_resume", "chase an invoice again (after a pause, dispute or question)")
    p.add_argument("invoice")
    p.add_argument("--reason")
    p = command(
        "confirm", "owner:cmd_confirm", "say what a reply mailbot was not sure of means (it then acts on it)"
    )
    p.add_argument("invoice")
    p.add_argument("intent", choices=list(CONFIRM_WORDS.values()))
    p.add_argument("date", nargs="?", help="YYYY-MM-DD: the promised day (only with promise)")
    p = command(
        "mark-paid", "owner:cmd_mark_paid", "record a payment (default: the whole open amount, today)"
    )
    p.add_argument("invoice")
    p.add_argument("--on", help="YYYY-MM-DD (default: today)")
    p.add_argument("--amount", help="default: the open amount")
    p = command("unmark-paid", "owner:cmd_unmark_paid", "take back a payment recorded by mistake")
    p.add_argument("invoice")
    p.add_argument("--amount", help="default: all that mark-paid and bank imports recorded")
    p.add_argument("--reason", help="kept in the history")
    return parser
