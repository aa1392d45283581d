"""Pure: the client's working calendar. Business hours in their time zone, weekends and
public holidays (``python-holidays``), so that no reminder arrives at 3 a.m. or on
Christmas Day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TypeVar
from zoneinfo import ZoneInfo

import holidays

from mailbot.config.settings import Chase, Client
from mailbot.records.rows import iso

_T = TypeVar("_T")


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


class LocalDays:
    """The local calendar day of stored UTC times (``records.iso``: ``2026-11-24T14:00:00+00:00``)
    in one time zone, asked for hundreds of thousands of times a pass.

    A UTC day in which the zone's offset stays the same holds at most one local midnight,
    so each such UTC date is worked out once: the local day before that midnight, after it,
    and the midnight itself as a stored time; a time is then one string comparison. Days
    with a clock change (twice a year; once in 1987 St John's went back at 00:01 and saw
    midnight twice), and times written otherwise, take the exact, slower way.
    """

    def __init__(self, tz: ZoneInfo):
        self.zone = tz
        self._cuts: dict[str, tuple[str, date, date] | None] = {}

    def day(self, stamp: str) -> date:
        cut = self._cuts.get(stamp[:10], False)
        if cut is False:
            cut = self._cut(stamp[:10])
        if cut is None or len(stamp) != 25 or stamp[10] != "T" or not stamp.endswith("+00:00"):
            return datetime.fromisoformat(stamp).astimezone(self.zone).date()
        return cut[1] if stamp < cut[0] else cut[2]

    def _cut(self, utc_date: str) -> tuple[str, date, date] | None:
        try:
            start = datetime.combine(date.fromisoformat(utc_date), time(), UTC)
        except ValueError:
            return None  # not a stored time: the exact way says what it is
        begins = start.astimezone(self.zone)
        ends = (start + timedelta(days=1, seconds=-1)).astimezone(self.zone)
        first, last = begins.date(), ends.date()
        if begins.utcoffset() != ends.utcoffset():
            cut = None  # the clock changes that day
        elif first == last:
            cut = ("~", first, first)  # no midnight that day: "~" sorts after every time
        elif (last - first).days == 1:
            midnight = datetime.combine(last, time(), self.zone).astimezone(UTC)
            cut = (midnight.isoformat(), first, last)
        else:
            cut = None
        if len(self._cuts) > 50_000:  # a long-running worker meets ever new dates
            self._cuts.clear()
        self._cuts[utc_date] = cut
        return cut


@cache
def local_days(tz: ZoneInfo) -> LocalDays:
    return LocalDays(tz)


@dataclass(frozen=True)
class Calendar:
    """A client's working calendar. Answers are remembered: one pass asks the same few
    questions (today? open now? the working day after the 3rd?) for thousands of invoices."""

    zone: ZoneInfo
    opens: time
    closes: time
    weekdays: frozenset[int]  # ISO: Monday = 1
    country: str
    subdivision: str
    days: LocalDays  # the client's day of a stored time: ``days.day(stamp)``
    _memo: dict = field(default_factory=dict, compare=False, repr=False)
    _last: list = field(default_factory=lambda: [None, None, False], compare=False, repr=False)
    replies: dict = field(default_factory=dict, compare=False, repr=False)  # (chase._promise &c.)

    @classmethod
    def of(cls, chase: Chase, client: Client | None) -> Calendar:
        """The calendar of this client under these rules (one per distinct calendar)."""
        country = client.country if client and client.country else chase.country
        subdivision = chase.subdivision if not (client and client.country) else ""
        timezone = client.timezone if client else "UTC"
        # By value: a service that reads its config again each pass keeps one calendar
        # per zone and country, with what it remembered, and nothing of older configs.
        key = (chase.business_hours, chase.business_days, timezone, country, subdivision)
        found = _CALENDARS.get(key)
        if found is None:
            if len(_CALENDARS) > 256:
                _CALENDARS.clear()
            found = _CALENDARS[key] = cls._make(chase, timezone, country, subdivision)
        return found

    @classmethod
    def _make(cls, chase: Chase, timezone: str, country: str, subdivision: str) -> Calendar:
        start, end = chase.business_hours.split("-")
        closes = time(23, 59, 59) if end == "24:00" else time.fromisoformat(end)
        return cls(
            zone=zone(timezone),
            days=local_days(zone(timezone)),
            opens=time.fromisoformat(start),
            closes=closes,
            weekdays=frozenset(chase.business_days),
            country=country,
            subdivision=subdivision,
        )

    def _remember(self, key: tuple, value: object) -> None:
        if len(self._memo) > 4096:  # a long-running worker asks about ever new days
            self._memo.clear()
        self._memo[key] = value

    def remember_reply(self, key: tuple, answer: _T) -> _T:
        """Keep what a reply's dates mean on this calendar (``chase``'s promises, claims and
        away notices): a pass meets the same dates on thousands of invoices."""
        if len(self.replies) > 50_000:
            self.replies.clear()
        self.replies[key] = answer
        return answer

    def local(self, now: datetime) -> datetime:
        return now.astimezone(self.zone)

    def today(self, now: datetime) -> date:
        last = self._last
        if last[0] is not now:  # one pass asks with one ``now`` thousands of times
            local = self.local(now)
            opened = self.is_working_day(local.date()) and self.opens <= local.time() < self.closes
            last[:] = [now, local.date(), opened]
        return last[1]

    def is_working_day(self, day: date) -> bool:
        found = self._memo.get(day)
        if found is None:
            found = day.isoweekday() in self.weekdays and day not in _holidays(
                self.country, self.subdivision, day.year
            )
            self._remember(day, found)
        return found

    def is_open(self, now: datetime) -> bool:
        """Within business hours on a working day, on the client's clock."""
        self.today(now)
        return self._last[2]

    def next_working_day(self, day: date) -> date:
        """The first working day after ``day``."""
        found = self._memo.get(("next", day))
        if found is not None:
            return found
        following = day + timedelta(days=1)
        for _ in range(60):
            if self.is_working_day(following):
                break
            following += timedelta(days=1)
        self._remember(("next", day), following)
        return following

    def day_span(self, day: date) -> tuple[str, str]:
        """The client's day as a range of stored times (``records.iso``): [start, end)."""
        key = ("span", day)
        found = self._memo.get(key)
        if found is None:
            start = datetime.combine(day, time(), self.zone)
            found = (iso(start), iso(start + timedelta(days=1)))
            self._remember(key, found)
        return found

    def first_working_day_from(self, day: date) -> date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, day: date, count: int) -> date:
        for _ in range(count):
            day = self.next_working_day(day)
        return day


_CALENDARS: dict[tuple, Calendar] = {}
