"""A progress bar for a big batch sent at a terminal; nothing at all anywhere else.

A first run or a backlog can send hundreds of mails; the person who started it at a
terminal wants to see how far it got.  Logs, pipes, systemd and Docker must get plain
lines only (no carriage returns or escape codes in a file), so the bar shows only
when stderr is a terminal and the batch has more than ``BAR_FROM`` mails.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

BAR_FROM = 20  # mails: a batch of more than this shows a bar at a terminal


def _nothing() -> None:
    """The tick of a batch without a bar."""


@contextmanager
def progress(total: int, what: str = "sending") -> Iterator[Callable[[], None]]:
    """A function to call once per mail done; a bar on stderr while the block runs,
    when ``total`` is more than ``BAR_FROM`` and stderr is a terminal."""
    if total <= BAR_FROM or not sys.stderr.isatty():
        yield _nothing
        return
    from rich.console import Console  # (only a terminal pays for the import)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as bar, ExitStack() as restore:
        _log_above_the_bar(restore)
        task = bar.add_task(what, total=total)
        yield lambda: bar.advance(task)


def _log_above_the_bar(restore: ExitStack) -> None:
    """Log lines written while the bar shows go through rich's stand-in for stderr, which
    prints them above the bar instead of through it; the handlers get stderr back after."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream is sys.__stderr__:
            handler.setStream(sys.stderr)
            restore.callback(handler.setStream, sys.__stderr__)
