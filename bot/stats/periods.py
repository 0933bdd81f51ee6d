"""Hour buckets (UTC) turned into the helpline's local days, weeks, months and hours."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.stats.model import Grouping


@functools.lru_cache(maxsize=65536)
def local_time(hour: str, zone: ZoneInfo) -> datetime:
    """The local start of an hour bucket such as '2026-11-27T14' (UTC); cached, because a
    report asks for the same few hundred buckets for every one of its events."""
    return datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC).astimezone(zone)


def hour_range(start: date, end: date, zone: ZoneInfo) -> tuple[str, str]:
    """The first and last UTC hour buckets of the local dates start..end (inclusive)."""
    first = datetime.combine(start, time(0), zone).astimezone(UTC)
    last = (
        datetime.combine(end + timedelta(days=1), time(0), zone) - timedelta(hours=1)
    ).astimezone(UTC)
    return first.strftime("%Y-%m-%dT%H"), last.strftime("%Y-%m-%dT%H")


@functools.lru_cache(maxsize=4096)
def period_of(day: date, grouping: Grouping) -> str:
    """The label of the period a local date falls in: 2026-12-03, 2026-W49 or 2026-12."""
    if grouping == "day":
        return day.isoformat()
    if grouping == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def periods(start: date, end: date, grouping: Grouping) -> list[str]:
    """Every period label from start to end, in order, empty ones included."""
    seen: dict[str, None] = {}
    for day in days(start, end):
        seen.setdefault(period_of(day, grouping), None)
    return list(seen)


def days(start: date, end: date) -> Iterator[date]:
    """The dates start..end inclusive."""
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)
