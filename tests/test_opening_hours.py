"""Opening hours: open/closed, next opening, waiting minutes, DST, config parsing, wording."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handoff.hours import OpeningHours, describe_moment, parse_opening_hours

AMS = ZoneInfo("Europe/Amsterdam")
DEFAULT = OpeningHours.default()
ALWAYS = OpeningHours.always_open()
NEVER = OpeningHours(periods=((),) * 7)
DAGEN = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
MAANDEN = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def ams(year: int, month: int, day: int, hour: int = 0, minute: int = 0, **kw: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMS, **kw)


def hours(table: dict[str, object]) -> OpeningHours:
    return parse_opening_hours(table)


# --- is_open ------------------------------------------------------------------------------


def test_start_inclusive_end_exclusive():
    monday = (2026, 6, 1)
    assert not DEFAULT.is_open(ams(*monday, 8, 59, second=59))
    assert DEFAULT.is_open(ams(*monday, 9))
    assert DEFAULT.is_open(ams(*monday, 16, 59, second=59))
    assert not DEFAULT.is_open(ams(*monday, 17))


def test_is_open_converts_to_local_time():
    # 07:00 UTC is 09:00 in Amsterdam in summer, 08:00 in winter.
    assert DEFAULT.is_open(datetime(2026, 6, 1, 7, tzinfo=UTC))
    assert not DEFAULT.is_open(datetime(2026, 12, 7, 7, tzinfo=UTC))
    assert DEFAULT.is_open(datetime(2026, 12, 7, 8, tzinfo=UTC))


def test_naive_datetime_is_refused():
    naive = datetime(2026, 6, 1, 10)
    for call in (DEFAULT.is_open, DEFAULT.next_opening, DEFAULT.closes_at):
        with pytest.raises(ValueError, match="timezone-aware"):
            call(naive)
    with pytest.raises(ValueError, match="start must be timezone-aware"):
        DEFAULT.open_minutes_between(naive, ams(2026, 6, 2))


def test_lunch_break():
    line = hours({"tue": ["13:00-17:00", "09:00-12:00"]})  # order in the config does not matter
    tuesday = (2026, 6, 2)
    assert line.is_open(ams(*tuesday, 11, 59))
    assert not line.is_open(ams(*tuesday, 12, 30))
    assert line.next_opening(ams(*tuesday, 12, 30)) == ams(*tuesday, 13)
    assert line.closes_at(ams(*tuesday, 10)) == ams(*tuesday, 12)
    assert line.closes_at(ams(*tuesday, 12, 30)) is None
    assert line.open_minutes_between(ams(*tuesday, 11), ams(*tuesday, 14)) == 120


def test_weekend_means_next_monday():
    friday_evening, saturday = ams(2026, 6, 5, 17), ams(2026, 6, 6, 12)
    monday_morning = ams(2026, 6, 8, 9)
    assert not DEFAULT.is_open(saturday)
    assert DEFAULT.next_opening(friday_evening) == monday_morning
    assert DEFAULT.next_opening(saturday) == monday_morning
    assert DEFAULT.next_opening(ams(2026, 6, 8, 8)) == monday_morning


def test_next_opening_is_local_even_when_asked_in_utc():
    opening = DEFAULT.next_opening(datetime(2026, 6, 6, 12, tzinfo=UTC))
    assert opening is not None and opening.tzinfo == AMS
    assert (opening.hour, opening.utcoffset()) == (9, timedelta(hours=2))


def test_holiday_is_skipped():
    christmas = OpeningHours(DEFAULT.periods, closed_dates=frozenset({date(2026, 12, 25)}))
    assert not christmas.is_open(ams(2026, 12, 25, 10))
    assert christmas.is_open(ams(2026, 12, 24, 10))
    # Thursday 24th after closing: Friday 25th is a holiday, so the next opening is Monday 28th.
    assert christmas.next_opening(ams(2026, 12, 24, 18)) == ams(2026, 12, 28, 9)
    assert christmas.open_minutes_between(ams(2026, 12, 24), ams(2026, 12, 29)) == 2 * 8 * 60


def test_next_opening_when_open_returns_at_itself():
    at = datetime(2026, 6, 1, 10, tzinfo=UTC)
    assert DEFAULT.next_opening(at) is at


def test_never_open():
    assert not NEVER.is_open(ams(2026, 6, 1, 12))
    assert NEVER.next_opening(ams(2026, 6, 1, 12)) is None
    assert NEVER.closes_at(ams(2026, 6, 1, 12)) is None
    assert NEVER.open_minutes_between(ams(2026, 6, 1), ams(2026, 7, 1)) == 0


def test_closes_at():
    assert DEFAULT.closes_at(ams(2026, 6, 1, 9)) == ams(2026, 6, 1, 17)
    assert DEFAULT.closes_at(ams(2026, 6, 1, 17)) is None
    late = hours({"mon": "22:00-24:00", "tue": "00:00-02:00"})
    assert late.closes_at(ams(2026, 6, 1, 23)) == ams(2026, 6, 2, 2)  # joined across midnight
    assert late.closes_at(ams(2026, 6, 2, 1)) == ams(2026, 6, 2, 2)


# --- always open ---------------------------------------------------------------------------


def test_always_open_has_no_gap_at_midnight():
    just_before = ams(2026, 6, 1, 23, 59, second=59, microsecond=999999)
    for at in (ams(2026, 6, 1), just_before, ams(2026, 6, 2), ams(2026, 3, 29, 2, 30)):
        assert ALWAYS.is_open(at)
        assert ALWAYS.next_opening(at) is at
    assert ALWAYS.closes_at(ams(2026, 6, 1, 12)) is None  # never closes within the horizon
    assert ALWAYS.open_minutes_between(ams(2026, 6, 1, 12), ams(2026, 6, 4, 12)) == 3 * 24 * 60


def test_always_open_counts_real_minutes_on_dst_days():
    assert ALWAYS.open_minutes_between(ams(2026, 3, 29), ams(2026, 3, 30)) == 23 * 60
    assert ALWAYS.open_minutes_between(ams(2026, 10, 25), ams(2026, 10, 26)) == 25 * 60


# --- DST -----------------------------------------------------------------------------------


def test_next_opening_across_spring_forward():
    # Friday 27 March is CET (+1); Monday 30 March is CEST (+2): still 09:00 on the wall.
    opening = DEFAULT.next_opening(ams(2026, 3, 27, 18))
    assert opening == datetime(2026, 3, 30, 7, tzinfo=UTC)
    assert opening is not None and opening.hour == 9
    assert DEFAULT.is_open(datetime(2026, 3, 30, 7, tzinfo=UTC))
    assert not DEFAULT.is_open(datetime(2026, 3, 30, 6, 59, tzinfo=UTC))


def test_next_opening_across_fall_back():
    opening = DEFAULT.next_opening(ams(2026, 10, 23, 18))
    assert opening == datetime(2026, 10, 26, 8, tzinfo=UTC)
    assert opening is not None and opening.utcoffset() == timedelta(hours=1)
    friday_to_monday = DEFAULT.open_minutes_between(ams(2026, 10, 23, 16), ams(2026, 10, 26, 10))
    assert friday_to_monday == 120


def test_periods_spanning_dst_transitions_count_real_time():
    night = hours({"sun": "01:00-04:00"})
    assert night.open_minutes_between(ams(2026, 3, 29), ams(2026, 3, 30)) == 120
    assert night.open_minutes_between(ams(2026, 10, 25), ams(2026, 10, 26)) == 240
    # 02:30 happens twice on 25 October; both are within 01:00-04:00.
    assert night.is_open(ams(2026, 10, 25, 2, 30, fold=0))
    assert night.is_open(ams(2026, 10, 25, 2, 30, fold=1))


def test_start_in_dst_gap_moves_forward_by_the_gap():
    # 02:30 does not exist on 29 March; like RFC 5545 it is read as 03:30 CEST.
    line = hours({"sun": "02:30-05:00"})
    assert line.next_opening(ams(2026, 3, 29)) == ams(2026, 3, 29, 3, 30)
    assert line.open_minutes_between(ams(2026, 3, 29), ams(2026, 3, 30)) == 90


# --- open_minutes_between ------------------------------------------------------------------


def test_open_minutes_within_one_period():
    assert DEFAULT.open_minutes_between(ams(2026, 6, 1, 10), ams(2026, 6, 1, 10, 30)) == 30
    start = ams(2026, 6, 1, 10)
    assert DEFAULT.open_minutes_between(start, start + timedelta(seconds=90)) == 1.5


def test_open_minutes_across_a_weekend():
    friday_4pm, monday_10am = ams(2026, 6, 5, 16), ams(2026, 6, 8, 10)
    assert DEFAULT.open_minutes_between(friday_4pm, monday_10am) == 120
    in_utc = DEFAULT.open_minutes_between(friday_4pm.astimezone(UTC), monday_10am.astimezone(UTC))
    assert in_utc == 120


def test_open_minutes_zero_when_closed_or_reversed():
    assert DEFAULT.open_minutes_between(ams(2026, 6, 6), ams(2026, 6, 8)) == 0
    assert DEFAULT.open_minutes_between(ams(2026, 6, 1, 18), ams(2026, 6, 2, 9)) == 0
    assert DEFAULT.open_minutes_between(ams(2026, 6, 1, 12), ams(2026, 6, 1, 10)) == 0


def test_open_minutes_over_weeks():
    assert DEFAULT.open_minutes_between(ams(2026, 6, 1), ams(2026, 6, 29)) == 4 * 5 * 8 * 60


# --- parse_opening_hours ---------------------------------------------------------------------


def test_parse_example_table():
    table = tomllib.loads(
        """
        mon = "09:00-17:00"
        tue = ["09:00-12:00", "13:00-17:00"]
        sat = []
        timezone = "Europe/Amsterdam"
        closed = ["2026-12-25", 2026-12-26]
        """
    )
    line = parse_opening_hours(table)
    assert line.periods[0] == ((time(9), time(17)),)
    assert line.periods[1] == ((time(9), time(12)), (time(13), time(17)))
    assert line.periods[2:] == ((),) * 5  # days not mentioned are closed
    assert line.timezone == "Europe/Amsterdam"
    assert line.closed_dates == {date(2026, 12, 25), date(2026, 12, 26)}


def test_parse_empty_table_is_default():
    assert parse_opening_hours({}) == OpeningHours.default()


def test_parse_whole_day_and_other_timezone():
    every_day = {day: "00:00-24:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    assert parse_opening_hours(every_day) == OpeningHours.always_open()
    london = parse_opening_hours({"mon": "9:00 - 17:00", "timezone": "Europe/London"})
    assert london.is_open(datetime(2026, 6, 1, 8, tzinfo=UTC))
    assert not london.is_open(datetime(2026, 6, 1, 7, 59, tzinfo=UTC))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"wednesday": "09:00-17:00"}, "unknown key 'wednesday'"),
        ({"mon": "9-17"}, r"helpline\.hours\.mon: expected 'HH:MM-HH:MM'"),
        ({"mon": 9}, r"helpline\.hours\.mon: expected"),
        ({"tue": ["09:00-12:00", 13]}, r"helpline\.hours\.tue: expected 'HH:MM-HH:MM'"),
        ({"wed": "25:00-26:00"}, r"helpline\.hours\.wed: no such time"),
        ({"wed": "09:60-17:00"}, r"helpline\.hours\.wed: no such time"),
        ({"wed": "09:00-24:30"}, r"helpline\.hours\.wed: no such time"),
        ({"thu": "17:00-09:00"}, r"helpline\.hours\.thu: start must be before end"),
        ({"thu": "09:00-09:00"}, r"helpline\.hours\.thu: start must be before end"),
        ({"fri": ["09:00-12:00", "11:00-13:00"]}, r"helpline\.hours\.fri: periods overlap"),
        ({"mon": "09:00-17:00", "timezone": "Mars/Olympus"}, r"hours\.timezone: unknown"),
        ({"mon": "09:00-17:00", "timezone": "Europe"}, r"hours\.timezone: unknown"),
        ({"mon": "09:00-17:00", "timezone": 1}, r"hours\.timezone: unknown"),
        ({"closed": ["2026-13-01"]}, r"helpline\.hours\.closed: expected a date"),
        ({"closed": [20261225]}, r"helpline\.hours\.closed: expected a date"),
        ({"closed": [datetime(2026, 12, 25, 9)]}, r"helpline\.hours\.closed: expected a date"),
        ({"closed": "2026-12-25"}, r"helpline\.hours\.closed: expected a list"),
    ],
)
def test_parse_errors_name_the_key(table, message):
    with pytest.raises(ValueError, match=message):
        parse_opening_hours(table)


def test_adjoining_periods_are_not_overlapping():
    line = parse_opening_hours({"mon": ["09:00-12:00", "12:00-17:00"]})
    assert line.closes_at(ams(2026, 6, 1, 10)) == ams(2026, 6, 1, 17)


# --- describe_moment -----------------------------------------------------------------------


def say(when: datetime, now: datetime) -> str:
    return describe_moment(when, now, DAGEN, MAANDEN, "vandaag", "morgen")


def test_describe_today_tomorrow_and_later():
    now = ams(2026, 11, 27, 8)  # a Friday
    assert say(ams(2026, 11, 27, 9), now) == "vandaag 9.00"
    assert say(ams(2026, 11, 28, 13, 30), now) == "morgen 13.30"
    assert say(ams(2026, 11, 30, 9), now) == "maandag 30 november 9.00"
    assert say(ams(2026, 11, 26, 17, 5), now) == "donderdag 26 november 17.05"


def test_describe_uses_the_time_zone_of_when():
    # 23:30 UTC on the 29th is already 00:30 on the 30th in Amsterdam.
    now = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert say(ams(2026, 11, 30, 9), now) == "vandaag 9.00"
    assert say(ams(2026, 12, 1, 9), now) == "morgen 9.00"


def test_describe_next_opening_end_to_end():
    friday_evening = ams(2026, 11, 27, 18)
    opening = DEFAULT.next_opening(friday_evening)
    assert opening is not None
    assert say(opening, friday_evening) == "maandag 30 november 9.00"


def test_describe_rejects_wrong_name_lists():
    with pytest.raises(ValueError, match="7 weekday names"):
        describe_moment(ams(2026, 1, 1), ams(2026, 1, 1), DAGEN[:5], MAANDEN, "a", "b")
