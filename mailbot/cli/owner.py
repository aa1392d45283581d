"""What the owner does by hand: ``pause``, ``resume``, ``confirm``, ``mark-paid``,
``unmark-paid``, ``import-payments``. The rules are in ``service.owner`` and ``inbound.bank``."""

from __future__ import annotations

import argparse
from pathlib import Path

from mailbot.cli.args import amount_arg, date_arg, settings_of
from mailbot.cli.output import note, say
from mailbot.inbound.forward import reading_in_words
from mailbot.ledger.read import load_ledger
from mailbot.service import owner
from mailbot.service.clock import utcnow
from mailbot.state.store import Store


def cmd_pause(args: argparse.Namespace) -> int:
    """No reminders until ``--until`` (or until ``mailbot resume``)."""
    until = date_arg(args.until) if args.until else None
    owner.pause(settings_of(args), args.invoice, utcnow(), until=until, reason=args.reason)
    say(f"paused {args.invoice}" + (f" until {until}" if until else " until `mailbot resume`"))
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    """Chase again after a pause, a dispute or a question."""
    owner.resume(settings_of(args), args.invoice, utcnow(), reason=args.reason)
    say(f"resumed {args.invoice}: reminders follow the ladder again")
    return 0


_CONFIRMED = {
    "promise_to_pay": "reminders wait for that day (and the grace days), then one follow-up",
    "payment_claimed": "reminders wait for the money to arrive, then one check",
    "dispute": "no reminders until `mailbot resume {invoice}`",
    "question": "no reminders until `mailbot resume {invoice}`",
    "thanks": "the wait ends: reminders follow the ladder again",
    "other": "the wait ends: reminders follow the ladder again",
}


def cmd_confirm(args: argparse.Namespace) -> int:
    """The owner's reading of the latest reply mailbot was not sure of."""
    until = date_arg(args.date) if args.date else None
    if until is not None and args.intent != "promise":
        note(f"mailbot: a date goes only with `promise` (the day it will be paid), not {args.intent!r}")
        raise SystemExit(2)
    done = owner.confirm(settings_of(args), args.invoice, args.intent, utcnow(), until=until)
    what = reading_in_words(done.intent, done.until)
    of = f"the reply {done.message_id}" if done.message_id else "the reply"
    ack = "; the client gets an acknowledgment" if done.acknowledged else ""
    effect = _CONFIRMED[done.intent].format(invoice=args.invoice)
    say(f"confirmed {of} of {done.replied_at} on {args.invoice} as {what}: {effect}{ack}")
    return 0


def cmd_mark_paid(args: argparse.Namespace) -> int:
    """A payment: by default the whole open amount, today."""
    on = date_arg(args.on) if args.on else None
    amount = amount_arg(args.amount) if args.amount else None
    done = owner.mark_paid(settings_of(args), args.invoice, utcnow(), on=on, amount=amount)
    say(f"recorded {done.amount} {done.currency} paid on {done.on} for {args.invoice}; open: {done.left}")
    return 0


def cmd_unmark_paid(args: argparse.Namespace) -> int:
    """Take back a payment recorded by mistake (by mark-paid or a bank import)."""
    amount = amount_arg(args.amount) if args.amount else None
    taken = owner.unmark_paid(settings_of(args), args.invoice, utcnow(), amount=amount, reason=args.reason)
    say(f"took back {taken} recorded as paid for {args.invoice}; if it is open, reminders go on")
    return 0


def cmd_import_payments(args: argparse.Namespace) -> int:
    """Booked credits matched to open invoices (``decide.matching``) become payments;
    booked reversals of recorded payments take them back; the rest is reported.  Exit 1 only when a booked
    credit was not recorded (or a reversal could not be taken back): skipped entries
    (pending, information only, unmatched reversals) are not failures."""
    from mailbot.inbound.bank import StatementError, apply_statement, read_statement

    settings = settings_of(args)
    ledger = load_ledger(settings)
    try:
        entries = read_statement(Path(args.file))
    except StatementError as exc:
        note(str(exc))
        return 1
    now = utcnow()
    with Store(settings.state_path) as store:
        lines, problems, reversals = apply_statement(entries, ledger, store, now, args.file, settings.clients)
    for line in lines:
        say(line)
    for r in reversals:
        try:
            about = owner.take_back_reversed(settings, r.invoice, now, r.amount, r.ref, r.reverses, args.file)
        except owner.OwnerActionError as exc:
            problems += 1
            say(f"warning: {args.file}: entry {r.ref} reverses {r.reverses} on {r.invoice}: {exc}")
            continue
        say(f"warning: invoice {r.invoice}: {about}")
    return 1 if problems else 0
