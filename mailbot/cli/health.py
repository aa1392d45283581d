"""``mailbot health``: exit 0 only if the worker (the service, or cron's ``run --once``)
completed a pass within two intervals, or within ``--max-age``."""

from __future__ import annotations

import argparse

from mailbot.cli.args import settings_of
from mailbot.cli.output import print_json, say
from mailbot.service.clock import utcnow
from mailbot.service.health import check_health


def cmd_health(args: argparse.Namespace) -> int:
    """The verdict in one line (then what failed since the last good pass), or ``--json``."""
    settings = settings_of(args)
    health = check_health(settings.state_path, utcnow(), settings.service.failing_passes, args.max_age)
    if args.json:
        print_json(health.as_json())
    else:
        say(health.line)
        for line in health.failure_lines():
            say(f"  {line}")
    return 0 if health.ok else 1
