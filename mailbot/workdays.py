"""Pure: the client's working calendar. Business hours in their time zone, weekends and
public holidays (``python-holidays``), so that no reminder arrives at 3 a.m. or on
Christmas Day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from mailbot.settings import Chase, Client


@cache
def zone(key: str) -> ZoneInfo:
    """ZoneInfo keeps only a few zones cached; a pass over many clients would reload them."""
    return ZoneInfo(key)


@cache
def _holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    if not country:
        return frozenset()
    try:
        found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    except (NotImplementedError, KeyError):
        found = holidays.country_holidays(country, years=year)
    return frozenset(found)


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    opens: time
    closes: time
    weekdays: frozenset[int]  # ISO: Monday = 1
    country: str
    subdivision: str

    @classmethod
    def of(cls, chase: Chase, client: Client | None) -> Calendar:
        start, end = chase.business_hours.split("-")
        closes = time(23, 59, 59) if end == "24:00" else time.fromisoformat(end)
        return cls(
            zone=zone(client.timezone if client else "UTC"),
            opens=time.fromisoformat(start),
            closes=closes,
            weekdays=frozenset(chase.business_days),
            country=(client.country if client and client.country else chase.country),
            subdivision=chase.subdivision if not (client and client.country) else "",
        )

    def local(self, now: datetime) -> datetime:
        return now.astimezone(self.zone)

    def today(self, now: datetime) -> date:
        return self.local(now).date()

    def is_working_day(self, day: date) -> bool:
        if day.isoweekday() not in self.weekdays:
            return False
        return day not in _holidays(self.country, self.subdivision, day.year)

    def is_open(self, now: datetime) -> bool:
        """Within business hours on a working day, on the client's clock."""
        local = self.local(now)
        return self.is_working_day(local.date()) and self.opens <= local.time() < self.closes

    def next_working_day(self, day: date) -> date:
        """The first working day after ``day``."""
        day += timedelta(days=1)
        for _ in range(60):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        return day

    def first_working_day_from(self, day: date) -> date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, day: date, count: int) -> date:
        for _ in range(count):
            day = self.next_working_day(day)
        return day
