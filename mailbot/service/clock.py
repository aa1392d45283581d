"""The one clock reader of mailbot: everything else takes ``now`` as an argument."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The system clock (so ``faketime`` works); nothing else in mailbot reads it."""
    return datetime.now(UTC)
