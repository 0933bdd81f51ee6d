"""SQL of the statistics: events are counts per distinct event and hour bucket (no order,
no row per parent action); '' and -1 stand for "none" in the key columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.storage.model import Event
from bot.storage.sql.executor import Sql

_COLUMNS = "kind, topic, outcome, hour, channel, category, minutes, volunteer"
_INSERT_EVENT = (
    "INSERT INTO events (kind, topic, outcome, hour, channel, category, minutes, volunteer, n) "
    "VALUES (:kind, :topic, :outcome, :hour, :channel, :category, :minutes, :volunteer, 1) "
    "ON CONFLICT (hour, kind, topic, outcome, channel, category, minutes, volunteer) "
    "DO UPDATE SET n = events.n + 1"
)
_TEXT = ("topic", "outcome", "channel", "category")
_NUMBER = ("minutes", "volunteer")


def event_key(e: Event) -> dict[str, Any]:
    """The stored key of an event (None becomes '' or -1)."""
    row: dict[str, Any] = {"kind": e.kind, "hour": e.hour}
    row.update({name: getattr(e, name) or "" for name in _TEXT})
    row.update({name: -1 if getattr(e, name) is None else getattr(e, name) for name in _NUMBER})
    return row


def _event(row: tuple[Any, ...]) -> Event:
    kind, topic, outcome, hour, channel, category, minutes, volunteer = row
    return Event(
        kind,
        topic or None,
        outcome or None,
        hour,
        channel or None,
        category or None,
        None if minutes < 0 else minutes,
        None if volunteer < 0 else volunteer,
    )


class SqlEvents:
    """Anonymous event counts in SQL; one instance per transaction."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def record(self, events: Sequence[Event]) -> None:
        """Count anonymous events inside the caller's transaction."""
        if events:
            self.sql.executemany(_INSERT_EVENT, [event_key(e) for e in events])

    def counts(self, first_hour: str, last_hour: str) -> list[tuple[Event, int]]:
        """Each distinct event of [first_hour, last_hour] with how often it happened: a report's
        cost grows with the variety of what happened, not with how often it happened."""
        cursor = self.sql.execute(
            f"SELECT {_COLUMNS}, n FROM events WHERE hour >= ? AND hour <= ?",
            [first_hour, last_hour],
        )
        return [(_event(row[:-1]), int(row[-1])) for row in cursor.fetchall()]

    def between(self, first_hour: str | None, last_hour: str | None) -> list[Event]:
        """Every event (repeated as often as it happened) by hour bucket; order within an hour is
        not kept, on purpose."""
        cursor = self.sql.execute(
            f"SELECT {_COLUMNS}, n FROM events WHERE hour >= ? AND hour <= ? ORDER BY hour",
            [first_hour or "", last_hour or "9999"],
        )
        return [_event(row[:-1]) for row in cursor.fetchall() for _ in range(int(row[-1]))]

    def volunteer_names(self) -> dict[int, str]:
        """Names of the volunteers the events may mention (removed ones simply are not there)."""
        rows = self.sql.execute("SELECT id, name FROM volunteers").fetchall()
        return {int(i): str(name) for i, name in rows}
