"""Pure: the client's working calendar. Business hours in their time zone, weekends and
public holidays (``python-holidays``), so that no reminder arrives at 3 a.m. or on
Christmas Day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from mailbot.config.settings import Chase, Client
from mailbot.records.rows import iso


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


@dataclass(eq=False)
class Calendar:
    """A client's working calendar: the rules, and openly what it has worked out.

    One pass asks the same few questions (today? open now? what does a promise to pay on
    the 3rd mean?) for the thousands of invoices of the clients who share a calendar. The
    answers are kept in the dicts below, so a calendar belongs to one pass: ``Calendars``
    makes them, one per distinct calendar, and the next pass starts afresh.
    """

    zone: ZoneInfo
    opens: time
    closes: time
    weekdays: frozenset[int]  # ISO: Monday = 1
    country: str
    subdivision: str
    moments: dict[datetime, tuple[date, bool]] = field(default_factory=dict, repr=False)
    """``now``: the client's date then and whether they were open (``today``, ``is_open``)."""
    replies: dict[tuple, Any] = field(default_factory=dict, repr=False)
    """What a reply's dates mean on this calendar (``chase._promise``, ``_claim``, ``_away``)."""

    @classmethod
    def of(cls, chase: Chase, client: Client | None) -> Calendar:
        """The calendar of this client under these rules."""
        start, end = chase.business_hours.split("-")
        timezone, country, subdivision = _where(chase, client)
        return cls(
            zone=zone(timezone),
            opens=time.fromisoformat(start),
            closes=time(23, 59, 59) if end == "24:00" else time.fromisoformat(end),
            weekdays=frozenset(chase.business_days),
            country=country,
            subdivision=subdivision,
        )

    def day(self, stamp: str) -> date:
        """The client's calendar day of a stored time (``records.iso``)."""
        return datetime.fromisoformat(stamp).astimezone(self.zone).date()

    def local(self, now: datetime) -> datetime:
        return now.astimezone(self.zone)

    def _moment(self, now: datetime) -> tuple[date, bool]:
        found = self.moments.get(now)
        if found is None:
            local = now.astimezone(self.zone)
            opened = self.is_working_day(local.date()) and self.opens <= local.time() < self.closes
            found = self.moments[now] = (local.date(), opened)
        return found

    def today(self, now: datetime) -> date:
        return self._moment(now)[0]

    def is_open(self, now: datetime) -> bool:
        """Within business hours on a working day, on the client's clock."""
        return self._moment(now)[1]

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.weekdays and day not in _holidays(
            self.country, self.subdivision, day.year
        )

    def next_working_day(self, day: date) -> date:
        """The first working day after ``day``."""
        following = day + timedelta(days=1)
        for _ in range(60):
            if self.is_working_day(following):
                break
            following += timedelta(days=1)
        return following

    def day_span(self, day: date) -> tuple[str, str]:
        """The client's day as a range of stored times (``records.iso``): [start, end)."""
        start = datetime.combine(day, time(), self.zone)
        return iso(start), iso(start + timedelta(days=1))

    def first_open_day(self, now: datetime, day: date) -> date:
        """The first day from ``day`` on which a mail may go out within business hours."""
        today = self.today(now)
        if day > today:
            return self.first_working_day_from(day)
        if self.is_open(now) or (self.is_working_day(today) and self.local(now).time() < self.opens):
            return today
        return self.next_working_day(today)

    def first_working_day_from(self, day: date) -> date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, day: date, count: int) -> date:
        for _ in range(count):
            day = self.next_working_day(day)
        return day


def _where(chase: Chase, client: Client | None) -> tuple[str, str, str]:
    """The client's time zone, country and subdivision (the owner's when they name none)."""
    country = client.country if client and client.country else chase.country
    subdivision = chase.subdivision if not (client and client.country) else ""
    return (client.timezone if client else "UTC"), country, subdivision


@dataclass
class Calendars:
    """One pass's calendars: clients in the same zone and country under the same rules
    share one, and with it what it worked out."""

    chase: Chase
    made: dict[tuple[str, str, str], Calendar] = field(default_factory=dict)

    def of(self, client: Client | None) -> Calendar:
        key = _where(self.chase, client)
        found = self.made.get(key)
        if found is None:
            found = self.made[key] = Calendar.of(self.chase, client)
        return found
