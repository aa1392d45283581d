"""The first-run window at the edge: which invoice mails a pass holds back, recorded.

A first run (no invoice mailed or skipped yet) skips the invoices issued before
``[state] first_run_days`` and records each as a ``note``; later passes hold the
recorded ones back too, until ``mailbot resume INVOICE`` or ``run --backfill``.
Skipped invoices are not chased either: mailbot has no record that the client got them.

A state with no records at all is new, or lost with its folder (the marker beside it
gone too, as on a new host).  Where mailbot reads an IMAP mailbox, the mailbox tells:
mail it marked ``$MailbotHandled`` means a mailbot ran with this mailbox before, and
the pass refuses until the state is restored or ``mailbot state new`` says to begin again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from mailbot.config.settings import Settings
from mailbot.decide import first_run
from mailbot.decide.policy import Action
from mailbot.inbound.inbox import HANDLED, Inbox, open_inbox
from mailbot.ledger.read import Ledger
from mailbot.records.rows import Event, iso
from mailbot.state.guard import AFRESH, RESTORE, StateError
from mailbot.state.store import Store

log = logging.getLogger(__name__)

SHOWN = 20  # invoice numbers named in the log line; the run's report lists them all
AFRESH_NOTE = "the state was started afresh by `mailbot state new`"


def refuse_if_the_mailbox_remembers(store: Store, settings: Settings, inbox: Inbox | None) -> None:
    """A state without records over an IMAP mailbox a mailbot marked: a lost state (StateError).
    A mailbox that cannot be asked now does not stop the pass (the first-run window still
    limits what goes out)."""
    if not settings.imap.host or store.has_records():
        return
    box = inbox or open_inbox(settings)
    try:
        remembers = box.handled_before()
    except Exception as exc:  # (unreachable, no keywords): the window is the guard
        log.warning("could not ask the mailbox whether mailbot read it before: %s", exc)
        return
    finally:
        if inbox is None:
            box.close()
    if remembers:
        raise StateError(
            f"{settings.state_path}: the state holds no records, but the mailbox {settings.imap.folder}"
            f" holds mail a mailbot marked {HANDLED}: the state was lost (with its folder?); starting"
            f" from nothing would mail invoices again: {RESTORE}, {AFRESH}"
        )


def start_afresh(store: Store, now: datetime) -> None:
    """The owner's word that the state begins again here: a record, so the mailbox's
    memory of an older state no longer stops the passes."""
    store.add_event(Event("", iso(now), "note", detail=AFRESH_NOTE))


def hold_back(
    store: Store,
    settings: Settings,
    ledger: Ledger,
    actions: list[Action],
    now: datetime,
    first: bool,
    write: bool,
) -> tuple[list[Action], list[str]]:
    """``actions`` without the held-back invoice mails, and the invoices this pass skipped
    anew (a first run's; ``write``: recorded, else only reported, as a dry run does)."""
    mails = [a.invoice for a in actions if a.kind == "invoice"]
    if not mails:
        return actions, []
    if not first:
        return first_run.without(actions, store.skipped(mails)), []
    start = first_run.window_start(now, settings.state.first_run_days)
    skipped = first_run.too_old(actions, ledger.invoices, start)
    if not skipped:
        return actions, []
    if write:
        notes = (Event(n, iso(now), "note", "invoice", detail=first_run.skip_note(ledger.invoices[n], start))
                 for n in skipped)  # fmt: skip
        store.record_skipped(notes)
    more = f" and {len(skipped) - SHOWN} more" if len(skipped) > SHOWN else ""
    log.warning(
        "first run: %d invoice(s) issued before %s not mailed, recorded as skipped (`mailbot run --once"
        " --backfill` mails them, `mailbot resume INVOICE` one): %s%s",
        len(skipped), start, ", ".join(skipped[:SHOWN]), more,
    )  # fmt: skip
    return first_run.without(actions, set(skipped)), skipped
