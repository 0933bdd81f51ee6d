"""How both backends store an instant: fixed-width UTC ISO text, so text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime


def to_text(when: datetime) -> str:
    """An aware datetime as a fixed-width UTC ISO string, so text order is time order."""
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str) -> datetime:
    """The aware UTC datetime stored by `to_text`."""
    return datetime.fromisoformat(text).astimezone(UTC)


def maybe_time(value: str | None) -> datetime | None:
    """`from_text` for a nullable column."""
    return from_text(value) if value else None
