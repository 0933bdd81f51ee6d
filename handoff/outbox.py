"""The outbox: messages to other participants are stored in the same transaction as the change
that causes them, and delivered afterwards (after a restart too). Delivered rows are deleted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from bot.core.messages import Attachment, Button, Outbound
from bot.storage import to_text


@dataclass(frozen=True)
class Parcel:
    """One stored message waiting for delivery."""

    id: int
    channel: str
    message: Outbound
    attempts: int


def put(db: Database, channel: str, message: Outbound, now: datetime) -> None:
    """Queue a message for delivery to `message.to` on `channel`."""
    buttons = json.dumps([[b.id, b.label] for b in message.buttons], ensure_ascii=False)
    a = message.attachment
    attachment = json.dumps([a.kind, a.channel, a.origin, a.ref]) if a else None
    db.execute(
        "INSERT INTO outbox (address, channel, text, buttons, attachment, created_at, attempts) "
        "VALUES (?, ?, ?, ?, ?, ?, 0)",
        [message.to, channel, message.text, buttons, attachment, to_text(now)],
    )


def _attachment(value: str | None) -> Attachment | None:
    return Attachment(*json.loads(value)) if value else None


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


def pending_for(db: Database, address: str, channel: str, limit: int = 100) -> list[Parcel]:
    """The oldest undelivered messages for one address, in the order they were stored."""
    rows = db.execute(
        "SELECT id, address, channel, text, buttons, attempts, attachment FROM outbox "
        "WHERE address = ? AND channel = ? ORDER BY id LIMIT ?",
        [address, channel, limit],
    ).fetchall()
    return [
        Parcel(
            row[0],
            row[2],
            Outbound(
                row[1],
                row[3],
                tuple(Button(i, label) for i, label in json.loads(row[4])),
                _attachment(row[6]),
            ),
            row[5],
        )
        for row in rows
    ]


def has_waiting(db: Database, address: str) -> bool:
    """Whether any message for this address is still waiting."""
    return (
        db.execute("SELECT 1 FROM outbox WHERE address = ? LIMIT 1", [address]).fetchone()
        is not None
    )


def delivered(db: Database, ids: list[int]) -> None:
    """Forget delivered messages: the outbox keeps no text longer than needed."""
    db.conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])


def failed(db: Database, ids: list[int]) -> None:
    """Count a failed attempt; the message stays for the next try."""
    db.conn.executemany(
        "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", [(i,) for i in ids]
    )


def drop_for(db: Database, address: str) -> int:
    """Give up on an address that can no longer be reached (e.g. the parent blocked the bot)."""
    return db.execute("DELETE FROM outbox WHERE address = ?", [address]).rowcount
