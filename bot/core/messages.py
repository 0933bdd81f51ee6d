"""The engine's only vocabulary with channels: inbound and addressed outbound messages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Button:
    """A semantic choice: a short stable id (at most 64 bytes) and the label a parent sees."""

    id: str
    label: str


@dataclass(frozen=True)
class Inbound:
    """One message from a parent: typed text, a pressed button, or something we cannot read.

    `conversation_id` is a pseudonym made by the channel; the engine never sees platform ids.
    `kind` is "text" for text and button presses, or e.g. "photo", "sticker", "voice".
    """

    conversation_id: str
    channel: str
    at: datetime
    text: str | None = None
    choice: str | None = None
    kind: str = "text"


@dataclass(frozen=True)
class Outbound:
    """A message to one participant; the dispatcher hands it to that participant's channel."""

    to: str
    text: str
    buttons: tuple[Button, ...] = ()
