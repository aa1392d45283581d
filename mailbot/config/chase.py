"""The ``[chase]`` section: the reminder ladder, timing, fees and discounts.

Its checks keep a ladder humane: days in order, a heads-up only before the due
date, and at least three reminders before a final notice.
"""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from typing import Literal, get_args

from pydantic import Field, field_validator

from mailbot.config.base import Section

Tone = Literal["heads_up", "friendly", "firm_warm", "firm", "final"]
"""A ladder step's tone, softest first (``decide.ladder.adapt`` moves along this order)."""
TONES: tuple[Tone, ...] = get_args(Tone)
PLACES = 6
"""Decimal places a rate or amount in the config may have: "1E-999999" is in range,
but no percentage an owner means, and it would print as a million zeros."""


class Step(Section):
    """One rung of the reminder ladder: days relative to the due date, and a tone."""

    days: int = Field(ge=-60, le=365)
    tone: Tone


DEFAULT_LADDER = (
    Step(days=-3, tone="heads_up"),
    Step(days=1, tone="friendly"),
    Step(days=7, tone="firm_warm"),
    Step(days=14, tone="firm"),
    Step(days=30, tone="final"),
)


def check_ladder(steps: tuple[Step, ...] | list[Step]) -> tuple[Step, ...]:
    """Days strictly rising; a final notice only last and after at least three reminders."""
    steps = tuple(steps)
    days = [s.days for s in steps]
    if days != sorted(set(days)):
        raise ValueError("steps must be in order of their days, each day once")
    finals = [i for i, s in enumerate(steps) if s.tone == "final"]
    if finals and finals != [len(steps) - 1]:
        raise ValueError("a 'final' step may only be the last one")
    if finals and finals[0] < 3:
        raise ValueError("at least three reminders must come before a final notice")
    if any(s.tone == "heads_up" and s.days >= 0 for s in steps):
        raise ValueError("a 'heads_up' step must come before the due date (days < 0)")
    return steps


class LateFee(Section):
    """Off unless the owner sets it; stated in plain words in the reminder that first says it."""

    enabled: bool = False
    preset: Literal["", "eu_b2b"] = ""  # eu_b2b: base rate + 9 points a year, EUR 40 once
    fixed: Decimal = Field(Decimal("0"), ge=0, le=100_000, decimal_places=PLACES)
    # percent a year, simple interest
    annual_rate: Decimal = Field(Decimal("0"), ge=0, le=100, decimal_places=PLACES)
    # the central bank's, for eu_b2b
    base_rate: Decimal = Field(Decimal("0"), ge=-10, le=50, decimal_places=PLACES)
    from_step: int = Field(4, ge=1, le=100)  # the ladder step (1-based) that first mentions it

    @property
    def rate(self) -> Decimal:
        return self.base_rate + Decimal(9) if self.preset == "eu_b2b" else self.annual_rate

    @property
    def flat(self) -> Decimal:
        return Decimal(40) if self.preset == "eu_b2b" and not self.fixed else self.fixed


class EarlyDiscount(Section):
    percent: Decimal = Field(Decimal("0"), ge=0, le=50, decimal_places=PLACES)  # 0: off
    days: int = Field(10, ge=1, le=120)


class Chase(Section):
    enabled: bool = True
    steps: tuple[Step, ...] = DEFAULT_LADDER
    business_hours: str = "09:00-17:00"  # in the client's time zone
    business_days: tuple[int, ...] = (1, 2, 3, 4, 5)  # ISO weekdays: Monday = 1
    country: str = "DE"  # public holidays (python-holidays), e.g. DE, AT, FI, RS, FR
    subdivision: str = ""  # e.g. BY for Bavaria
    promise_grace_days: int = Field(2, ge=0, le=30)  # working days after a promised date
    claim_wait_days: int = Field(5, ge=1, le=30)  # working days for a claimed payment to arrive
    auto_reply_days: int = Field(7, ge=1, le=60)  # away without a return date
    # An invoice mailed after its due date: days to pay from the day it was mailed
    # (unset: the invoice's own terms, its due date minus its issue date).
    late_mail_terms_days: int | None = Field(None, ge=0, le=365)
    late_mail_notice: bool = True  # tell the owner, once per invoice, that it went out late
    invoice_hours: Literal["business", "any"] = "business"  # invoices too wait for business hours
    late_fee: LateFee = LateFee()
    early_discount: EarlyDiscount = EarlyDiscount()

    @field_validator("steps")
    @classmethod
    def _ladder(cls, value: tuple[Step, ...]) -> tuple[Step, ...]:
        return check_ladder(value)

    @field_validator("business_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        start, _, end = value.partition("-")
        try:
            opens = time.fromisoformat(start)
            closes = time(23, 59, 59) if end == "24:00" else time.fromisoformat(end)
        except ValueError:
            raise ValueError(f"{value!r} is not like 09:00-17:00") from None
        if not re.match(r"^\d{2}:\d{2}-\d{2}:\d{2}$", value) or opens >= closes:
            raise ValueError(f"{value!r} is not like 09:00-17:00 (start before end)")
        return value

    @field_validator("business_days")
    @classmethod
    def _days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(d not in range(1, 8) for d in value):
            raise ValueError("use ISO weekday numbers 1 (Monday) to 7 (Sunday)")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        import holidays

        if value and value.upper() not in holidays.list_supported_countries():
            raise ValueError(f"{value!r} is not a country python-holidays knows (e.g. DE, FI)")
        return value.upper()
