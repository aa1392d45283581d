"""The client's day of a stored time: the fast way must say what the exact way says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.decide.workdays import LocalDays, zone
from mailbot.records.rows import iso

# Zones whose clocks jump at midnight (Santiago, Havana, Beirut), far from UTC, half-hour
# offsets, and Samoa, which skipped 30 December 2011.
ZONES = ("Europe/Berlin", "America/Los_Angeles", "Australia/Sydney", "America/Santiago",
         "America/Havana", "Asia/Beirut", "Asia/Kolkata", "Pacific/Apia", "Pacific/Kiritimati")  # fmt: skip


def _exact(stamp: str, key: str):
    return datetime.fromisoformat(stamp).astimezone(zone(key)).date()


@settings(max_examples=3000, deadline=None)
@given(st.datetimes(datetime(2010, 1, 1), datetime(2040, 1, 1)), st.sampled_from(ZONES))
def test_the_local_day_of_a_stored_time_is_exact(moment, key):
    stamp = iso(moment.replace(tzinfo=UTC))
    assert LocalDays(zone(key)).day(stamp) == _exact(stamp, key)


def test_the_local_day_is_exact_on_either_side_of_every_clock_change():
    days = {key: LocalDays(zone(key)) for key in ZONES}
    for year in (2011, 2026):  # Samoa's lost day; this year's changes
        moment = datetime(year, 1, 1, tzinfo=UTC)
        while moment.year == year:  # every half hour: midnights in Kolkata fall on :30 UTC
            for seconds in (-1, 0, 1):
                stamp = iso(moment + timedelta(seconds=seconds))
                for key, local in days.items():
                    assert local.day(stamp) == _exact(stamp, key), (stamp, key)
            moment += timedelta(minutes=30)


def test_a_day_whose_clock_changes_is_read_the_exact_way():
    # St John's set its clocks back at 00:01 on 25 October 1987: midnight came twice.
    for stamp, key in (("1987-10-25T02:45:00+00:00", "America/St_Johns"),
                       ("2010-03-04T15:30:00+00:00", "Antarctica/Casey")):  # fmt: skip
        assert LocalDays(zone(key)).day(stamp) == _exact(stamp, key)


def test_a_time_written_another_way_is_still_read_right():
    assert str(LocalDays(zone("America/New_York")).day("2026-11-24 06:00:00+00:00")) == "2026-11-24"
    berlin = LocalDays(zone("Europe/Berlin"))
    assert str(berlin.day("2026-11-24T23:30:00+00:00")) == "2026-11-25"
    assert str(berlin.day("2026-11-24T23:30:00-05:00")) == "2026-11-25"  # 04:30 UTC
    assert str(berlin.day("2026-11-24T23:30:00.250000+00:00")) == "2026-11-25"
