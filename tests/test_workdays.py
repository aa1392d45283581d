"""The client's working calendar: their day of a stored time, their hours, one calendar per pass."""

from __future__ import annotations

from datetime import UTC, date, datetime

from mailbot.config.settings import Chase, Client
from mailbot.decide.workdays import Calendar, Calendars


def _client(timezone: str, country: str = "") -> Client:
    return Client(name="Acme", email="ap@example.com", timezone=timezone, country=country)


def test_the_day_of_a_stored_time_is_the_clients_day():
    berlin = Calendar.of(Chase(), _client("Europe/Berlin"))
    assert berlin.day("2026-11-24T22:59:59+00:00") == date(2026, 11, 24)
    assert berlin.day("2026-11-24T23:00:00+00:00") == date(2026, 11, 25)
    assert berlin.day("2026-03-28T23:00:00+00:00") == date(2026, 3, 29)  # the night the clock goes on
    kolkata = Calendar.of(Chase(), _client("Asia/Kolkata"))
    assert kolkata.day("2026-11-24T18:29:59+00:00") == date(2026, 11, 24)
    assert kolkata.day("2026-11-24T18:30:00+00:00") == date(2026, 11, 25)
    # St John's set its clocks back at 00:01 on 25 October 1987: midnight came twice.
    st_johns = Calendar.of(Chase(), _client("America/St_Johns"))
    assert st_johns.day("1987-10-25T02:45:00+00:00") == date(1987, 10, 24)
    # Samoa skipped 30 December 2011.
    apia = Calendar.of(Chase(), _client("Pacific/Apia"))
    assert apia.day("2011-12-30T10:00:00+00:00") == date(2011, 12, 31)


def test_a_time_written_another_way_is_still_read_right():
    assert Calendar.of(Chase(), _client("America/New_York")).day("2026-11-24 06:00:00+00:00") == date(
        2026, 11, 24
    )
    berlin = Calendar.of(Chase(), _client("Europe/Berlin"))
    assert berlin.day("2026-11-24T23:30:00+00:00") == date(2026, 11, 25)
    assert berlin.day("2026-11-24T23:30:00-05:00") == date(2026, 11, 25)  # 04:30 UTC
    assert berlin.day("2026-11-24T23:30:00.250000+00:00") == date(2026, 11, 25)


def test_open_hours_and_working_days_are_the_clients():
    rules = Chase(country="DE", business_hours="09:00-17:00")
    berlin = Calendar.of(rules, _client("Europe/Berlin"))
    tokyo = Calendar.of(rules, _client("Asia/Tokyo", "JP"))
    now = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # a Tuesday: 15:00 in Berlin, 23:00 in Tokyo
    assert berlin.today(now) == date(2026, 11, 24) and berlin.is_open(now)
    assert tokyo.today(now) == date(2026, 11, 24) and not tokyo.is_open(now)
    assert not berlin.is_working_day(date(2026, 12, 25))  # Christmas Day
    assert berlin.next_working_day(date(2026, 12, 24)) == date(2026, 12, 28)
    assert berlin.add_working_days(date(2026, 11, 27), 2) == date(2026, 12, 1)  # over a weekend
    assert berlin.day_span(date(2026, 11, 24)) == ("2026-11-23T23:00:00+00:00", "2026-11-24T23:00:00+00:00")


def test_clients_in_one_zone_and_country_share_a_calendar_for_one_pass():
    rules = Chase(country="DE")
    calendars = Calendars(rules)
    first = calendars.of(_client("Europe/Berlin"))
    assert calendars.of(_client("Europe/Berlin")) is first
    assert calendars.of(_client("Europe/Berlin", "AT")) is not first
    assert calendars.of(_client("America/New_York")) is not first
    first.today(datetime(2026, 11, 24, 14, 0, tzinfo=UTC))
    assert first.moments  # what it worked out, in the open ...
    assert not Calendars(rules).of(_client("Europe/Berlin")).moments  # ... and only for its pass
