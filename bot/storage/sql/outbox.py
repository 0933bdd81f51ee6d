"""The outbox: every message the bot sends is stored in the same transaction as the change that
causes it, one row per piece a platform takes in one call, and delivered afterwards (after a
restart too). A row is marked attempted before its send and deleted once it is out, so after a
crash the courier knows which rows may already have gone out."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from bot.core.messages import Attachment, Button, Outbound, pieces
from bot.storage.records import OUTBOX_PAGE, Parcel
from bot.storage.sql.accounts import SqlAccounts
from bot.storage.sql.executor import OUTBOX_NOTE, Sql
from bot.storage.times import to_text

_INSERT = (
    "INSERT INTO outbox (address, channel, text, buttons, attachment, created_at, attempts, "
    "about, farewell, author) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id"
)
_COLUMNS = (
    "id, address, channel, text, buttons, attempts, attachment, attempted_at, about, farewell, "
    "author"
)


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


class SqlOutbox:
    """The outbox in SQL; one instance per transaction."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def put(self, channel: str, message: Outbound, now: datetime) -> list[Parcel]:
        """Queue a message for delivery to `message.to` on `channel`, one row per piece."""
        stored = []
        for piece in pieces(message):
            buttons = json.dumps([[b.id, b.label] for b in piece.buttons], ensure_ascii=False)
            a = piece.attachment
            attachment = json.dumps([a.kind, a.channel, a.origin, a.ref]) if a else None
            row = self.sql.execute(
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
        if stored:
            self.sql.notify(OUTBOX_NOTE, f"{channel} {message.to}")
        return stored

    def lease(self, address: str, owner: str, now: datetime, seconds: float) -> bool:
        """Deliver to `address` as its only courier for `seconds` (taken over once expired,
        or renewed by its owner): one instance at a time keeps an address's order."""
        row = self.sql.execute(
            "INSERT INTO delivery_leases (address, owner, until) VALUES (?, ?, ?) "
            "ON CONFLICT (address) DO UPDATE SET owner = excluded.owner, until = excluded.until "
            "WHERE delivery_leases.until < ? OR delivery_leases.owner = excluded.owner "
            "RETURNING address",
            [address, owner, to_text(now + timedelta(seconds=seconds)), to_text(now)],
        ).fetchone()
        return row is not None

    def release(self, address: str, owner: str) -> None:
        """This courier is done with `address` for now."""
        self.sql.execute(
            "DELETE FROM delivery_leases WHERE address = ? AND owner = ?", [address, owner]
        )

    def waiting_addresses(self, channels: list[str]) -> list[tuple[str, str]]:
        """(channel, address) pairs with messages waiting on the given channels."""
        if not channels:
            return []
        marks = ", ".join("?" for _ in channels)
        rows = self.sql.execute(
            f"SELECT channel, address, min(id) AS first FROM outbox WHERE channel IN ({marks}) "
            "GROUP BY channel, address ORDER BY first",
            channels,
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

    def pending_for(self, address: str, channel: str, limit: int = OUTBOX_PAGE) -> list[Parcel]:
        """The oldest undelivered pieces for one address, in the order they were stored."""
        rows = self.sql.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE address = ? AND channel = ? ORDER BY id LIMIT ?",
            [address, channel, limit],
        ).fetchall()
        return [_parcel(row) for row in rows]

    def has_waiting(self, address: str) -> bool:
        """Whether any message for this address is still waiting."""
        return (
            self.sql.execute("SELECT 1 FROM outbox WHERE address = ? LIMIT 1", [address]).fetchone()
            is not None
        )

    def attempting(self, parcel_id: int, now: datetime) -> bool:
        """Record that a send begins (if we stop before its outcome, the row says so); False when
        the row is gone meanwhile (erased by /vergeet, purged, given up): then nothing is sent."""
        row = self.sql.execute(
            "UPDATE outbox SET attempted_at = ?, attempts = attempts + 1 WHERE id = ? RETURNING id",
            [to_text(now), parcel_id],
        ).fetchone()
        return row is not None

    def delivered(self, ids: list[int]) -> None:
        """Forget delivered messages: the outbox keeps no text longer than needed."""
        self.sql.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])

    def not_sent(self, parcel_id: int) -> None:
        """The send failed before anything went out: the row waits for its next try."""
        self.sql.execute("UPDATE outbox SET attempted_at = NULL WHERE id = ?", [parcel_id])

    def failed(self, ids: list[int]) -> None:
        """Count a failed attempt; the message stays for the next try."""
        self.sql.executemany(
            "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", [(i,) for i in ids]
        )

    def drop_for(self, address: str) -> int:
        """Give up on an address that can no longer be reached (e.g. the parent blocked the bot);
        an erased parent's account goes with it (their farewell can never go out now)."""
        dropped = self.sql.execute("DELETE FROM outbox WHERE address = ?", [address]).rowcount
        SqlAccounts(self.sql).drop(address)
        return int(dropped)

    def drop_about(self, conversation_id: str) -> int:
        """Remove every waiting row to a parent or carrying their words (for /vergeet)."""
        return self.sql.execute(
            "DELETE FROM outbox WHERE address = ? OR about = ?", [conversation_id, conversation_id]
        ).rowcount
