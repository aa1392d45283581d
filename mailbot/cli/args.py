"""Command-line arguments into values: the settings, a date, an amount.

A value that cannot be read is bad usage: a message and exit 2, as argparse does.
"""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal

from mailbot.cli.output import note
from mailbot.config.settings import Settings, config_path, load_settings


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings from ``--config`` (else $MAILBOT_CONFIG, else the default path)."""
    return load_settings(config_path(args.config))


def date_arg(text: str) -> date:
    """A ``YYYY-MM-DD`` date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        note(f"mailbot: {text!r} is not a date like 2026-12-01")
        raise SystemExit(2) from None


def amount_arg(text: str) -> Decimal:
    """A positive, finite amount with '.' as the decimal point (bad usage otherwise: exit 2)."""
    try:
        amount = Decimal(text)
    except ArithmeticError:
        amount = Decimal("NaN")
    exponent = amount.as_tuple().exponent  # a letter for NaN and infinities
    if not isinstance(exponent, int) or amount <= 0 or exponent < -4:
        note(f"mailbot: {text!r} is not an amount like 1190.00")
        raise SystemExit(2)
    return amount


DURATION_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_arg(text: str) -> float:
    """Seconds from ``90``, ``90s``, ``30m``, ``2h`` or ``1d`` (an argparse type: exit 2 otherwise)."""
    value = text.strip().lower()
    unit = value[-1:] if value[-1:] in DURATION_UNITS else ""
    try:
        seconds = float(value[: len(value) - len(unit)]) * DURATION_UNITS[unit]
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 90s, 30m, 2h or 1d")
    return seconds
