"""The engine's only vocabulary with channels: inbound and addressed outbound messages."""

from __future__ import annotations

from dataclasses import dataclass, replace
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
    """A message to one participant; the dispatcher hands it to that participant's channel.

    `about` names the parent whose words or case the message carries (a relay, a summary), so
    that erasing that parent removes it from every outbox; `farewell` marks the last message
    to an erased parent: once it is out, the channel forgets the account. `author` is the
    volunteer's display name when the text is a volunteer's words (`text` still reads
    "Sanne: …" for text-only channels; the web chat shows the name apart).
    """

    to: str
    text: str
    buttons: tuple[Button, ...] = ()
    attachment: Attachment | None = None  # sent after the text, by the channel that has it
    about: str | None = None
    farewell: bool = False
    author: str | None = None


# The strictest platform limit we deliver to (Telegram: 4,096 characters per message).
MAX_PIECE_CHARS = 4096


def split_text(text: str, limit: int = MAX_PIECE_CHARS) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or word where possible.
    Characters are counted as Telegram counts them, in UTF-16 code units (an emoji is two)."""
    pieces: list[str] = []
    rest = text
    while _units(rest) > limit:
        size = limit
        while (over := _units(rest[:size]) - limit) > 0:
            size -= (over + 1) // 2
        window = rest[:size]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut < size // 2:
            cut = size
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pieces.append(rest)
    return [p for p in pieces if p] or [""]


def _units(text: str) -> int:
    """The length in UTF-16 code units: characters beyond the BMP count twice."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


def pieces(message: Outbound, limit: int = MAX_PIECE_CHARS) -> list[Outbound]:
    """One message as the pieces a platform takes in one call each: text pieces (the buttons
    on the last one), then the attachment alone. Each piece is stored and sent on its own, so a
    failed piece never makes the earlier ones go out again."""
    texts = split_text(message.text, limit) if message.text or not message.attachment else []
    result = [
        replace(message, text=piece, buttons=(), attachment=None, farewell=False) for piece in texts
    ]
    if result:
        result[-1] = replace(result[-1], buttons=message.buttons)
    if message.attachment is not None:
        result.append(replace(message, text="", buttons=(), farewell=False))
    result[-1] = replace(result[-1], farewell=message.farewell)
    return result
