"""What the storage keeps: conversation state, transcript lines and anonymous events."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

Direction = Literal["in", "out"]

_HOUR = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}")


def require_aware(name: str, value: datetime) -> None:
    """Reject naive datetimes: every stored time is an instant, kept as UTC."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def hour_bucket(when: datetime) -> str:
    """The UTC hour of an aware datetime as an event bucket, e.g. '2026-11-27T14'."""
    require_aware("when", when)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H")


@dataclass(frozen=True)
class ConversationState:
    """Where one conversation stands; `conversation_id` is already a pseudonym."""

    conversation_id: str
    channel: str
    state: str
    node: str | None
    path: tuple[str, ...]
    crisis: bool
    data: dict[str, object] = field(hash=False)
    created_at: datetime
    updated_at: datetime
    version: int = field(default=0, compare=False)  # grows with every stored turn

    def __post_init__(self) -> None:
        """Normalise the path to a tuple and insist on aware datetimes."""
        object.__setattr__(self, "path", tuple(self.path))
        require_aware("created_at", self.created_at)
        require_aware("updated_at", self.updated_at)


@dataclass(frozen=True)
class TranscriptLine:
    """One message in or out of a conversation, kept only for the retention period."""

    conversation_id: str
    at: datetime
    direction: Direction
    text: str

    def __post_init__(self) -> None:
        """Check the direction and that the time is aware."""
        if self.direction not in ("in", "out"):
            raise ValueError("direction must be 'in' or 'out'")
        require_aware("at", self.at)


@dataclass(frozen=True)
class Event:
    """An anonymous statistic: no message text, no parent identifier, only an hour bucket.

    `channel` is where the parent wrote from, `category` a triage category, `minutes` a
    duration (waiting or handling time), `volunteer` the staff member's id for load figures.
    """

    kind: str
    topic: str | None
    outcome: str | None
    hour: str
    channel: str | None = None
    category: str | None = None
    minutes: int | None = None
    volunteer: int | None = None

    def __post_init__(self) -> None:
        """Only accept an hour bucket such as '2026-11-27T14' as time."""
        if not isinstance(self.hour, str) or not _HOUR.fullmatch(self.hour):
            raise ValueError("hour must look like '2026-11-27T14'")


class StorageError(Exception):
    """Base class for storage failures the caller may want to handle."""


class StorageBusy(StorageError):  # noqa: N818 - the name the engine already uses
    """The database stayed locked by another writer; the caller can ask to try again."""


class SchemaTooNewError(StorageError):
    """The database was migrated by a newer version of Ouderlijn than this one."""
