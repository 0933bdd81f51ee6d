"""The outbox: every message the bot sends is stored in the same transaction as the change that
causes it, one row per piece a platform takes in one call, and delivered afterwards (after a
restart too). A row is marked attempted before its send and deleted once it is out, so after a
crash the courier knows which rows may already have gone out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.core.messages import Attachment, Button, Outbound, pieces
from bot.storage import drop_account, to_text


@dataclass(frozen=True)
class Parcel:
    """One stored piece waiting for delivery; `uncertain` when an attempt to send it began
    and its outcome was never recorded (the process stopped mid-send, or the send timed out)."""

    id: int
    channel: str
    message: Outbound
    attempts: int
    uncertain: bool = False


_INSERT = (
    "INSERT INTO outbox (address, channel, text, buttons, attachment, created_at, attempts, "
    "about, farewell, author) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id"
)
_COLUMNS = (
    "id, address, channel, text, buttons, attempts, attachment, attempted_at, about, farewell, "
    "author"
)


def put(db: Database, channel: str, message: Outbound, now: datetime) -> list[Parcel]:
    """Queue a message for delivery to `message.to` on `channel`, one row per piece."""
    stored = []
    for piece in pieces(message):
        buttons = json.dumps([[b.id, b.label] for b in piece.buttons], ensure_ascii=False)
        a = piece.attachment
        attachment = json.dumps([a.kind, a.channel, a.origin, a.ref]) if a else None
        row = db.execute(
            _INSERT,
            [
                piece.to,
                channel,
                piece.text,
                buttons,
                attachment,
                to_text(now),
                piece.about,
                int(piece.farewell),
                piece.author,
            ],
        ).fetchone()
        stored.append(Parcel(int(row[0]), channel, piece, 0))
    return stored


def _attachment(value: str | None) -> Attachment | None:
    return Attachment(*json.loads(value)) if value else None


def _parcel(row: tuple[Any, ...]) -> Parcel:
    pid, address, channel, text, buttons, attempts, attachment, attempted, about = row[:9]
    farewell, author = row[9:]
    message = Outbound(
        address,
        text,
        tuple(Button(i, label) for i, label in json.loads(buttons)),
        _attachment(attachment),
        about=about,
        farewell=bool(farewell),
        author=author,
    )
    return Parcel(pid, channel, message, attempts, attempted is not None)


def waiting_addresses(db: Database, channels: list[str]) -> list[tuple[str, str]]:
    """(channel, address) pairs with messages waiting on the given channels."""
    if not channels:
        return []
    marks = ", ".join("?" for _ in channels)
    rows = db.execute(
        f"SELECT channel, address, min(id) AS first FROM outbox WHERE channel IN ({marks}) "
        "GROUP BY channel, address ORDER BY first",
        channels,
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


PAGE = 100  # pieces of one address read at a time


def pending_for(db: Database, address: str, channel: str, limit: int = PAGE) -> list[Parcel]:
    """The oldest undelivered pieces for one address, in the order they were stored."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE address = ? AND channel = ? ORDER BY id LIMIT ?",
        [address, channel, limit],
    ).fetchall()
    return [_parcel(row) for row in rows]


def has_waiting(db: Database, address: str) -> bool:
    """Whether any message for this address is still waiting."""
    return (
        db.execute("SELECT 1 FROM outbox WHERE address = ? LIMIT 1", [address]).fetchone()
        is not None
    )


def attempting(db: Database, parcel_id: int, now: datetime) -> bool:
    """Record that a send begins (if we stop before its outcome, the row says so); False when
    the row is gone meanwhile (erased by /vergeet, purged, given up): then nothing is sent."""
    row = db.execute(
        "UPDATE outbox SET attempted_at = ?, attempts = attempts + 1 WHERE id = ? RETURNING id",
        [to_text(now), parcel_id],
    ).fetchone()
    return row is not None


def delivered(db: Database, ids: list[int]) -> None:
    """Forget delivered messages: the outbox keeps no text longer than needed."""
    db.conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])


def not_sent(db: Database, parcel_id: int) -> None:
    """The send failed before anything went out: the row waits for its next try."""
    db.execute("UPDATE outbox SET attempted_at = NULL WHERE id = ?", [parcel_id])


def failed(db: Database, ids: list[int]) -> None:
    """Count a failed attempt; the message stays for the next try."""
    db.conn.executemany(
        "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", [(i,) for i in ids]
    )


def drop_for(db: Database, address: str) -> int:
    """Give up on an address that can no longer be reached (e.g. the parent blocked the bot);
    an erased parent's account goes with it (their farewell can never go out now)."""
    dropped = db.execute("DELETE FROM outbox WHERE address = ?", [address]).rowcount
    drop_account(db, address)
    return int(dropped)


def drop_about(db: Database, conversation_id: str) -> int:
    """Remove every waiting row to a parent or carrying their words (for /vergeet)."""
    return db.execute(
        "DELETE FROM outbox WHERE address = ? OR about = ?", [conversation_id, conversation_id]
    ).rowcount
