"""SQL of the statistics: anonymous events within a range of hour buckets."""

from __future__ import annotations

from sqlite_utils import Database

from bot.storage.model import Event

_COLUMNS = "kind, topic, outcome, hour, channel, category, minutes, volunteer"


def events_between(db: Database, first_hour: str | None, last_hour: str | None) -> list[Event]:
    """Events whose hour bucket lies in [first_hour, last_hour] (None: unbounded), oldest first."""
    where: list[str] = []
    params: list[str] = []
    if first_hour is not None:
        where.append("hour >= ?")
        params.append(first_hour)
    if last_hour is not None:
        where.append("hour <= ?")
        params.append(last_hour)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    cursor = db.execute(f"SELECT {_COLUMNS} FROM events{clause} ORDER BY id", params)
    return [Event(*row) for row in cursor.fetchall()]


def event_counts(db: Database, first_hour: str, last_hour: str) -> list[tuple[Event, int]]:
    """Identical events of [first_hour, last_hour] counted together: a report's cost grows
    with the variety of what happened, not with how often it happened."""
    cursor = db.execute(
        f"SELECT {_COLUMNS}, count(*) FROM events WHERE hour >= ? AND hour <= ? "
        f"GROUP BY {_COLUMNS}",
        [first_hour, last_hour],
    )
    return [(Event(*row[:-1]), int(row[-1])) for row in cursor.fetchall()]


def volunteer_names(db: Database) -> dict[int, str]:
    """Names of the volunteers the events may mention (removed ones simply are not there)."""
    return {int(i): str(name) for i, name in db.execute("SELECT id, name FROM volunteers")}
