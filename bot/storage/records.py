"""The records the storage contract hands out: stored messages, web log lines, review items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.messages import Button, Inbound, Outbound


class StaleTurn(Exception):  # noqa: N818 - reads as a verdict on one turn
    """Raised inside a turn's transaction when the conversation changed since the turn read it
    (another instance, or a volunteer's action): the turn rolls back and is computed again."""


class NotNext(Exception):  # noqa: N818 - reads as a verdict on one message
    """Raised inside a turn's transaction when an earlier message of the same conversation is
    still unhandled: messages are handled strictly in the order they were stored."""


class AlreadyHandled(Exception):  # noqa: N818 - reads as a verdict on one message
    """Raised inside a turn's transaction when its message was handled meanwhile (by another
    process): the transaction rolls back, so the turn never counts twice."""


@dataclass(frozen=True)
class Letter:
    """One stored, not yet handled message."""

    id: int
    inbound: Inbound
    attempts: int


@dataclass(frozen=True)
class WebMessage:
    """One message as the web chat shows it; `ends` marks the farewell of an erased chat."""

    id: int
    sender: str  # "bot", "volunteer" or "parent" (their own words, for a reloaded page)
    name: str
    text: str
    buttons: tuple[Button, ...]
    at: datetime
    ends: bool = False
    client_id: str | None = None  # a parent's own message: the id their page gave it


@dataclass(frozen=True)
class ConsoleSession:
    """A logged-in volunteer's browser: who, and the CSRF token its forms must carry."""

    volunteer_id: int
    csrf: str
    expires_at: datetime


@dataclass(frozen=True)
class ReviewItem:
    """One question for review: `text` is already scrubbed, `entry` the FAQ entry involved."""

    id: int
    kind: str
    text: str
    entry: str | None
    status: str
    created_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """What a coordinator did, when, to which FAQ entry."""

    at: datetime
    actor_name: str
    action: str
    entry: str | None
    detail: str


@dataclass(frozen=True)
class Parcel:
    """One stored piece waiting for delivery; `uncertain` when an attempt to send it began
    and its outcome was never recorded (the process stopped mid-send, or the send timed out)."""

    id: int
    channel: str
    message: Outbound
    attempts: int
    uncertain: bool = False


OUTBOX_PAGE = 100  # pieces of one address the courier reads at a time
