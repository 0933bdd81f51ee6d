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
class Attachment:
    """A photo or document, known to the engine only by its channel's own reference.

    `origin` is the sender's pseudonym; the channel maps it back to copy the file, so no
    forward header with the sender's name ever reaches the other side.
    """

    kind: str  # "photo" or "document"
    channel: str
    origin: str
    ref: str


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
    attachment: Attachment | None = None


@dataclass(frozen=True)
class Outbound:
    """A message to one participant; the dispatcher hands it to that participant's channel."""

    to: str
    text: str
    buttons: tuple[Button, ...] = ()
    attachment: Attachment | None = None  # sent after the text, by the channel that has it
