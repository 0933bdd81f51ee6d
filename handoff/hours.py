"""Opening hours of the helpline, so waiting time only counts while people are there.

Periods are local wall-clock times; all arithmetic happens on UTC instants, so DST days are
23 or 25 hours long. A time inside a DST gap moves forward by the gap (as in RFC 5545).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HORIZON_DAYS = 366  # how far next_opening and closes_at look ahead
_PERIOD = re.compile(r"\s*([0-9]{1,2}):([0-9]{2})\s*-\s*([0-9]{1,2}):([0-9]{2})\s*")

Period = tuple[time, time]


def _utc(at: datetime, name: str = "at") -> datetime:
    """Return `at` in UTC; naive datetimes are refused because their moment is unknown."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {at.isoformat()}")
    return at.astimezone(UTC)


@dataclass(frozen=True)
class OpeningHours:
    """When people are at the helpline; `always_open()` for a 24/7 line.
    `periods`: 7 weekdays, Monday first, of sorted (start, end); end `time.max` means 24:00."""

    periods: tuple[tuple[Period, ...], ...]
    timezone: str = "Europe/Amsterdam"
    closed_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        """Fail early on a wrong number of weekdays or an unknown time zone."""
        if len(self.periods) != len(WEEKDAYS):
            raise ValueError(f"periods needs 7 weekdays (Monday first), got {len(self.periods)}")
        ZoneInfo(self.timezone)

    @classmethod
    def default(cls) -> OpeningHours:
        """Monday to Friday 09:00-17:00 in Europe/Amsterdam: ordinary office hours."""
        office = ((time(9), time(17)),)
        return cls(periods=(office,) * 5 + ((),) * 2)

    @classmethod
    def always_open(cls) -> OpeningHours:
        """Every day 00:00-24:00; consecutive days join, so there is no gap at midnight."""
        return cls(periods=(((time(0), time.max),),) * 7)

    @property
    def _zone(self) -> ZoneInfo:
        """The time zone object (ZoneInfo caches instances, so this is cheap)."""
        return ZoneInfo(self.timezone)

    def _instant(self, day: date, at: time) -> datetime:
        """UTC instant of local wall-clock `at` on `day`; `time.max` is the next midnight."""
        if at == time.max:
            day, at = day + timedelta(days=1), time(0)
        return datetime.combine(day, at, tzinfo=self._zone).astimezone(UTC)

    def _local_date(self, at: datetime) -> date:
        """The local calendar date of an aware moment."""
        return at.astimezone(self._zone).date()

    def _intervals(self, first: date, days: int) -> Iterator[tuple[datetime, datetime]]:
        """Open [start, end) UTC intervals in order for `days` local dates from `first`.
        Holidays are skipped; starts are clamped so DST oddities never yield overlaps."""
        previous_end = datetime.min.replace(tzinfo=UTC)
        for offset in range(days):
            day = first + timedelta(days=offset)
            if day in self.closed_dates:
                continue
            for start, end in self.periods[day.weekday()]:
                begin = max(self._instant(day, start), previous_end)
                finish = self._instant(day, end)
                if begin < finish:
                    previous_end = finish
                    yield begin, finish

    def is_open(self, at: datetime) -> bool:
        """Whether people are there at `at` (period start inclusive, end exclusive)."""
        moment = _utc(at)
        first = self._local_date(moment) - timedelta(days=1)
        return any(start <= moment < end for start, end in self._intervals(first, 2))

    def next_opening(self, at: datetime) -> datetime | None:
        """`at` itself if open, else the next period start in local time.
        None when nothing opens within HORIZON_DAYS (e.g. every day empty)."""
        if self.is_open(at):
            return at
        moment = _utc(at)
        for start, _ in self._intervals(self._local_date(moment), HORIZON_DAYS + 1):
            if start > moment:
                return start.astimezone(self._zone)
        return None

    def closes_at(self, at: datetime) -> datetime | None:
        """Local end of the current opening, adjoining periods joined (Mon 22-24 + Tue 0-2).
        None when closed at `at`, or when it stays open beyond HORIZON_DAYS (24/7)."""
        moment = _utc(at)
        first = self._local_date(moment) - timedelta(days=1)
        closing: datetime | None = None
        for start, end in self._intervals(first, HORIZON_DAYS + 2):
            if closing is None:
                if start > moment:
                    return None
                if moment < end:
                    closing = end
            elif start > closing:
                return closing.astimezone(self._zone)
            else:
                closing = end
        return None

    def open_minutes_between(self, start: datetime, end: datetime) -> float:
        """Minutes of [start, end) within opening hours, so waiting only counts when staffed."""
        begin, finish = _utc(start, "start"), _utc(end, "end")
        if finish <= begin:
            return 0.0
        first = self._local_date(begin) - timedelta(days=1)
        days = (self._local_date(finish) - first).days + 1
        total = timedelta()
        for open_from, open_until in self._intervals(first, days):
            total += max(min(open_until, finish) - max(open_from, begin), timedelta())
        return total / timedelta(minutes=1)


def _parse_period(value: object, key: str) -> Period:
    """One 'HH:MM-HH:MM' string; '24:00' as end means the end of the day."""
    match = _PERIOD.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"helpline.hours.{key}: expected 'HH:MM-HH:MM', got {value!r}")
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2 > 0):
        raise ValueError(f"helpline.hours.{key}: no such time in {value!r}")
    start, end = time(h1, m1), (time.max if h2 == 24 else time(h2, m2))
    if start >= end:
        raise ValueError(f"helpline.hours.{key}: start must be before end in {value!r}")
    return start, end


def _parse_day(value: object, key: str) -> tuple[Period, ...]:
    """A day's value: one period string or a list of them (empty list: closed)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError(f"helpline.hours.{key}: expected 'HH:MM-HH:MM' or a list, got {value!r}")
    periods = sorted(_parse_period(item, key) for item in items)
    if any(later[0] < earlier[1] for earlier, later in pairwise(periods)):
        raise ValueError(f"helpline.hours.{key}: periods overlap in {value!r}")
    return tuple(periods)


def _parse_closed(value: object) -> frozenset[date]:
    """Holiday dates: TOML dates or 'YYYY-MM-DD' strings."""
    if not isinstance(value, list | tuple):
        raise ValueError(f"helpline.hours.closed: expected a list of dates, got {value!r}")
    days: set[date] = set()
    for item in value:
        try:
            days.add(item if type(item) is date else date.fromisoformat(item))
        except (TypeError, ValueError):
            message = f"helpline.hours.closed: expected a date like '2026-12-25', got {item!r}"
            raise ValueError(message) from None
    return frozenset(days)


def parse_opening_hours(table: Mapping[str, object]) -> OpeningHours:
    """Build OpeningHours from the [helpline.hours] TOML table. Without any weekday key the
    default days apply; else days not mentioned are closed. Raises ValueError naming the key."""
    unknown = sorted(set(table) - {*WEEKDAYS, "timezone", "closed"})
    if unknown:
        names = ", ".join(repr(key) for key in unknown)
        raise ValueError(
            f"helpline.hours: unknown key {names}; use {', '.join(WEEKDAYS)}, timezone or closed"
        )
    periods = (
        tuple(_parse_day(table.get(day, []), day) for day in WEEKDAYS)
        if any(day in table for day in WEEKDAYS)
        else OpeningHours.default().periods
    )
    timezone = table.get("timezone", "Europe/Amsterdam")
    try:
        if not isinstance(timezone, str):
            raise ValueError
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: 'Europe' is a folder
        raise ValueError(f"helpline.hours.timezone: unknown time zone {timezone!r}") from None
    return OpeningHours(periods, timezone, _parse_closed(table.get("closed", [])))


def describe_moment(
    when: datetime,
    now: datetime,
    weekday_names: Sequence[str],
    month_names: Sequence[str],
    today: str,
    tomorrow: str,
) -> str:
    """Short description of `when` in its own time zone relative to `now`, e.g. "morgen 13.30".
    All words are arguments, so the caller's locale decides the language."""
    if len(weekday_names) != 7 or len(month_names) != 12:
        raise ValueError("need 7 weekday names (Monday first) and 12 month names")
    _utc(when, "when")
    days = (when.date() - _utc(now, "now").astimezone(when.tzinfo).date()).days
    clock = f"{when.hour}.{when.minute:02d}"
    if days == 0:
        return f"{today} {clock}"
    if days == 1:
        return f"{tomorrow} {clock}"
    return f"{weekday_names[when.weekday()]} {when.day} {month_names[when.month - 1]} {clock}"
