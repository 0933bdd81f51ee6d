"""What every table is computed from: the range's events and how to name things in them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.stats.labels import Labels
from bot.stats.model import Grouping
from bot.stats.periods import local_time, period_of, periods
from bot.storage import Event


@dataclass(frozen=True)
class Names:
    """Readable names for ids in events: FAQ entries, tree nodes and volunteers."""

    entries: Mapping[str, str] = field(default_factory=dict)
    nodes: Mapping[str, str] = field(default_factory=dict)
    volunteers: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scope:
    """The events of a local date range, with the grouping, time zone, labels and names."""

    events: Mapping[str, Sequence[tuple[Event, int]]]  # by kind: (event, how often)
    start: date
    end: date
    grouping: Grouping
    zone: ZoneInfo
    labels: Labels
    names: Names

    def local(self, event: Event) -> datetime:
        """The local time an event's hour bucket starts."""
        return local_time(event.hour, self.zone)

    def period(self, event: Event) -> str:
        """The period label an event falls in."""
        return period_of(self.local(event).date(), self.grouping)

    def periods(self) -> list[str]:
        """Every period of the range, in order."""
        return periods(self.start, self.end, self.grouping)

    def weeks(self) -> list[str]:
        """Every ISO week of the range, in order."""
        return periods(self.start, self.end, "week")

    def week(self, event: Event) -> str:
        return period_of(self.local(event).date(), "week")
