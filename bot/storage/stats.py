"""SQL of the statistics: events are counts per distinct event and hour bucket (no order,
no row per parent action); '' and -1 stand for "none" in the key columns."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from bot.storage.model import Event

_COLUMNS = "kind, topic, outcome, hour, channel, category, minutes, volunteer"
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


def event_counts(db: Database, first_hour: str, last_hour: str) -> list[tuple[Event, int]]:
    """Each distinct event of [first_hour, last_hour] with how often it happened: a report's
    cost grows with the variety of what happened, not with how often it happened."""
    cursor = db.execute(
        f"SELECT {_COLUMNS}, n FROM events WHERE hour >= ? AND hour <= ?",
        [first_hour, last_hour],
    )
    return [(_event(row[:-1]), int(row[-1])) for row in cursor.fetchall()]


def events_between(db: Database, first_hour: str | None, last_hour: str | None) -> list[Event]:
    """Every event (repeated as often as it happened) by hour bucket; order within an hour is
    not kept, on purpose."""
    cursor = db.execute(
        f"SELECT {_COLUMNS}, n FROM events WHERE hour >= ? AND hour <= ? ORDER BY hour",
        [first_hour or "", last_hour or "9999"],
    )
    return [_event(row[:-1]) for row in cursor.fetchall() for _ in range(int(row[-1]))]


def volunteer_names(db: Database) -> dict[int, str]:
    """Names of the volunteers the events may mention (removed ones simply are not there)."""
    return {int(i): str(name) for i, name in db.execute("SELECT id, name FROM volunteers")}
