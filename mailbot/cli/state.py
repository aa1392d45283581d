"""``mailbot state check`` (the state file's verdict, exit 0/1) and ``mailbot state new``
(start afresh where the state file was lost)."""

from __future__ import annotations

import argparse

from mailbot.cli.args import settings_of
from mailbot.cli.output import note, say
from mailbot.service import first_run
from mailbot.service.clock import utcnow
from mailbot.state.integrity import check_file, start_afresh
from mailbot.state.store import Store


def cmd_state(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    if args.action == "new":
        said = start_afresh(settings.state_path)  # (a refusal is a StateError: main says it, exit 1)
        with Store(settings.state_path) as store:
            first_run.start_afresh(store, utcnow())
        note(said)
        return 0
    verdict = check_file(settings.state_path)
    for line in verdict.lines:
        say(line)
    return 0 if verdict.ok else 1
