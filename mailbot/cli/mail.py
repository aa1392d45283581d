"""The mails: ``mailbot preview`` (one mail, not sent) and ``mailbot run`` (the worker)."""

from __future__ import annotations

import argparse
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

from mailbot.cli.args import settings_of
from mailbot.cli.output import note, say, write_or_print
from mailbot.config.settings import config_path, load_settings
from mailbot.outbound.preview import (
    NotPreviewable,
    build_preview,
    build_preview_pdf,
    build_preview_xml,
    inline_images,
    previewable,
)
from mailbot.outbound.render import TemplateMissing
from mailbot.outbound.transport import outbox_place
from mailbot.service.clock import utcnow
from mailbot.service.loop import run_forever
from mailbot.service.once import run_once_watched
from mailbot.service.run_pass import PassReport, run_once
from mailbot.service.signals import handled

PREVIEW_SUFFIXES = (".txt", ".html", ".htm", ".eml", ".pdf", ".xml")
SERVICE_INTERVAL = 60.0  # seconds between the service's passes unless --interval says


def cmd_preview(args: argparse.Namespace) -> int:
    """The mail as text (default), HTML or the whole ``.eml``, chosen by ``--out``'s suffix."""
    settings = settings_of(args)
    try:
        invoice = previewable(settings, args.invoice)
    except NotPreviewable as exc:
        for line in exc.lines:
            note(line)
        return 1
    target = Path(args.out) if args.out else None
    if target is not None and target.suffix not in PREVIEW_SUFFIXES:
        note(f"{target}: use .html, .txt, .eml, .pdf or .xml")
        return 2
    if target is not None and target.suffix == ".xml":  # the e-invoice (a Serbian business: for SEF)
        target.write_bytes(build_preview_xml(settings, invoice))
        note(f"wrote {target}")
        return 0
    if target is not None and target.suffix == ".pdf":  # the invoice's PDF, as its mail carries it
        target.write_bytes(build_preview_pdf(settings, invoice, utcnow()))
        note(f"wrote {target}")
        return 0
    try:
        raw = build_preview(settings, invoice, args.kind, args.step, utcnow())
    except TemplateMissing as exc:
        note(str(exc))
        return 1
    msg = message_from_bytes(raw, policy=email_policy.default)
    if target is None or target.suffix == ".txt":
        write_or_print(target, f"Subject: {msg['Subject']}\n\n{_body(msg, 'plain')}")
    elif target.suffix == ".eml":
        target.write_bytes(raw)
    else:
        # a file a browser opens: its images inline as data: URIs (the mail keeps cid:)
        write_or_print(target, inline_images(_body(msg, "html"), msg))
    if target:
        note(f"wrote {target}")
    return 0


def _body(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body((subtype,))
    return part.get_content() if part is not None else ""


def cmd_run(args: argparse.Namespace) -> int:
    """The worker; ``--once`` or ``--dry-run``: one pass, one line per invoice it touched.
    Exit 1 when a mail did not go out (undeliverable, to retry, or not built), and when the
    pass could not do its work: the ledger unusable, the inbox unreadable (a refused login,
    no server), another pass holding the lock; each says so in one line on stderr.
    ``--once`` records its pass for ``mailbot health`` with ``--interval`` as the
    schedule cron runs it on (unsaid: health then needs ``--max-age``)."""
    if not (args.once or args.dry_run):
        interval = SERVICE_INTERVAL if args.interval is None else args.interval
        return run_forever(config_path(args.config), load_settings, interval, args.backfill)
    settings = settings_of(args)
    if args.dry_run:  # (writes nothing, so no pass is recorded either)
        with handled(reload=False):
            report = run_once(settings, utcnow(), dry_run=True, backfill=args.backfill)
    else:  # recorded for `mailbot health`, pinged to the heartbeat: cron's passes count too
        report = run_once_watched(settings, utcnow, args.interval, args.backfill)
    if report.locked:
        note(f"mailbot: another pass is running on {settings.state_path} (it holds the lock);"
             " this one did nothing")  # fmt: skip
        return 1
    if args.dry_run:
        for line in report.planned:
            say(f"would send {line}")
    for invoice in report.skipped:
        say(f"{'would skip' if args.dry_run else 'skipped'} {invoice}: issued before the first run's window"
            f" ({settings.state.first_run_days} days); `--backfill` mails it")  # fmt: skip
    for invoice in report.sent:
        say(f"sent {invoice}")
    for invoice in report.failed:
        say(f"undeliverable {invoice}")
    for invoice in report.retry:
        say(f"will retry {invoice}")
    for invoice in report.held:
        say(f"held {invoice}: the mail could not be built (see the log)")
    where = outbox_place(settings)
    skipped = f", {len(report.skipped)} skipped (first run)" if report.skipped else ""
    note(f"{len(report.sent)} sent ({where}), {len(report.retry)} to retry, {len(report.failed)} "
         f"undeliverable, {len(report.problems)} ledger problem(s){skipped}")  # fmt: skip
    for line in _pass_failures(report):
        note(line)
    return 1 if report.failed or report.retry or report.held or _pass_failures(report) else 0


def _pass_failures(report: PassReport) -> list[str]:
    """What kept the pass from its work, one line each (exit 1)."""
    lines = []
    if report.unusable:
        lines.append(f"mailbot: the ledger cannot be used: {report.unusable}")
    if report.inbox_error:
        lines.append(f"mailbot: the inbox could not be read: {report.inbox_error}")
    return lines
