"""Where a report's events and names come from: the store, the content and the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.stats.labels import Labels
from bot.stats.model import GROUPINGS, Grouping, Report
from bot.stats.periods import hour_range
from bot.stats.report import build_report
from bot.stats.scope import Names
from bot.storage.contract import Tx

DEFAULT_DAYS = 28
MAX_DAYS = 366 * 3


class RangeError(ValueError):
    """A date range a coordinator typed that cannot be used: the message says why (English),
    `code` which (dates, order, too_long, group), for a surface's own words."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Request:
    """A report request: local dates start..end inclusive and a grouping."""

    start: date
    end: date
    grouping: Grouping

    @classmethod
    def parse(
        cls, start: str | None, end: str | None, grouping: str | None, today: date
    ) -> Request:
        """Read ISO dates (default: the last four weeks up to today); RangeError if wrong."""
        try:
            last = date.fromisoformat(end) if end else today
            first = date.fromisoformat(start) if start else last - timedelta(days=DEFAULT_DAYS - 1)
        except ValueError:
            raise RangeError("dates look like 2026-12-03", "dates") from None
        if first > last:
            raise RangeError("the start date lies after the end date", "order")
        if (last - first).days > MAX_DAYS:
            raise RangeError("at most three years at a time", "too_long")
        chosen = grouping or "day"
        if chosen not in GROUPINGS:
            raise RangeError("group by day, week or month", "group")
        return cls(first, last, chosen)


@dataclass(frozen=True)
class ReportSource:
    """Builds reports from a database; the names of entries and nodes come from the content."""

    zone: ZoneInfo
    entries: dict[str, str]
    nodes: dict[str, str]
    labels: Labels

    def today(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()

    def report(self, tx: Tx, request: Request) -> Report:
        """Read the range's events (inside the caller's read) and build every table."""
        first, last = hour_range(request.start, request.end, self.zone)
        events = tx.events.counts(first, last)
        names = Names(self.entries, self.nodes, tx.events.volunteer_names())
        return build_report(
            events, request.start, request.end, request.grouping, self.zone, names, self.labels
        )
