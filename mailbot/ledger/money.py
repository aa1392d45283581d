"""Invoice arithmetic in ``Decimal``, rounded the way EN 16931 and an accountant expect.

Each line net is rounded to the currency's minor unit; tax is computed once per
rate on the sum of the rounded line nets (not per line), then rounded.  Halves
round up (away from zero), as commercial rounding does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel.numbers import get_currency_precision

HUNDRED = Decimal(100)
ZERO = Decimal(0)


@cache
def _quantum(currency: str) -> Decimal:
    """``Decimal('0.01')`` for EUR, ``Decimal('1')`` for JPY, ``0.001`` for KWD."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(_quantum(currency), rounding=ROUND_HALF_UP)


def line_net(quantity: Decimal, unit_price: Decimal, discount: Decimal, currency: str) -> Decimal:
    """quantity x unit price x (1 - discount %), rounded to the minor unit."""
    return round_money(quantity * unit_price * (HUNDRED - discount) / HUNDRED, currency)


@dataclass(frozen=True)
class TaxGroup:
    rate: Decimal  # percent
    base: Decimal  # sum of the line nets at this rate
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal
    taxes: tuple[TaxGroup, ...]
    tax: Decimal
    gross: Decimal


def totals(lines: Iterable[tuple[Decimal, Decimal]], currency: str) -> Totals:
    """Totals from ``(net, tax_rate)`` pairs whose nets are already rounded."""
    bases: dict[Decimal, Decimal] = {}
    for net, rate in lines:
        key = rate.normalize() + ZERO  # 19 and 19.00 are one rate
        bases[key] = bases.get(key, ZERO) + net
    groups = tuple(
        TaxGroup(rate, base, round_money(base * rate / HUNDRED, currency))
        for rate, base in sorted(bases.items(), reverse=True)
    )
    net = sum((g.base for g in groups), ZERO)
    tax = sum((g.tax for g in groups), ZERO)
    return Totals(net=net, taxes=groups, tax=tax, gross=net + tax)


@dataclass(frozen=True)
class LateFee:
    flat: Decimal
    interest: Decimal
    rate: Decimal  # percent a year
    days: int  # days of interest so far

    @property
    def total(self) -> Decimal:
        return self.flat + self.interest


def late_fee(open_amount: Decimal, rate: Decimal, flat: Decimal, days_late: int, currency: str) -> LateFee:
    """Simple interest per day on the open amount (never on fees: no compounding) plus a
    flat fee charged once.  Days are actual days late over a 365-day year."""
    days = max(0, days_late)
    interest = round_money(open_amount * rate / HUNDRED * days / Decimal(365), currency)
    return LateFee(flat=round_money(flat, currency), interest=interest, rate=rate, days=days)
