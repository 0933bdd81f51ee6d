"""The durable inbox: an incoming message is stored (under its platform key, unique per
channel) before the platform is told it arrived, and marked handled in the same transaction
as the turn it caused. A handled row keeps only its key, so a redelivery counts once."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.core.messages import Attachment, Inbound
from bot.storage.records import AlreadyHandled, Letter, NotNext
from bot.storage.sql.executor import INBOX_NOTE, Sql
from bot.storage.times import from_text, to_text


def _encode(inbound: Inbound) -> str:
    a = inbound.attachment
    return json.dumps(
        {
            "at": to_text(inbound.at),
            "text": inbound.text,
            "choice": inbound.choice,
            "kind": inbound.kind,
            "attachment": [a.kind, a.channel, a.origin, a.ref] if a else None,
        },
        ensure_ascii=False,
    )


def _decode(address: str, channel: str, value: str) -> Inbound:
    data: dict[str, Any] = json.loads(value)
    attachment = Attachment(*data["attachment"]) if data.get("attachment") else None
    return Inbound(
        address,
        channel,
        from_text(data["at"]),
        text=data.get("text"),
        choice=data.get("choice"),
        kind=data.get("kind") or "text",
        attachment=attachment,
    )


class SqlInbox:
    """The durable inbox in SQL; one instance per transaction."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def put(self, key: str, inbound: Inbound, now: datetime) -> int | None:
        """Store a message under its platform key; None when that key was stored before."""
        row = self.sql.execute(
            "INSERT INTO inbox (channel, key, address, message, received_at) "
            "VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (channel, key) DO NOTHING RETURNING id",
            [inbound.channel, key, inbound.conversation_id, _encode(inbound), to_text(now)],
        ).fetchone()
        if row is None:
            return None
        self.sql.notify(INBOX_NOTE, f"{inbound.channel} {inbound.conversation_id}")
        return int(row[0])

    def known(self, channel: str, key: str) -> bool:
        """Whether a message with this platform key was stored before (a redelivery)."""
        found = self.sql.execute(
            "SELECT 1 FROM inbox WHERE channel = ? AND key = ?", [channel, key]
        )
        return found.fetchone() is not None

    def waiting(self, address: str, limit: int = 50) -> list[Letter]:
        """The address's unhandled messages, oldest first."""
        rows = self.sql.execute(
            "SELECT id, address, channel, message, attempts FROM inbox "
            "WHERE address = ? AND handled_at IS NULL ORDER BY id LIMIT ?",
            [address, limit],
        ).fetchall()
        return [Letter(row[0], _decode(row[1], row[2], row[3]), row[4]) for row in rows]

    def waiting_addresses(self, channels: list[str]) -> list[str]:
        """Addresses on these channels with unhandled messages, the longest waiting first."""
        if not channels:
            return []
        marks = ", ".join("?" for _ in channels)
        rows = self.sql.execute(
            f"SELECT address, min(id) AS first FROM inbox WHERE handled_at IS NULL "
            f"AND channel IN ({marks}) GROUP BY address ORDER BY first",
            channels,
        ).fetchall()
        return [row[0] for row in rows]

    def handled(self, letter_id: int, now: datetime) -> None:
        """The message's turn is stored: keep the key (for duplicates), drop the words. Raises
        AlreadyHandled if it was handled meanwhile, NotNext if an earlier message of the same
        conversation still waits (both roll the turn back)."""
        row = self.sql.execute(
            "UPDATE inbox SET handled_at = ?, message = NULL WHERE id = ? AND handled_at IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM inbox earlier WHERE earlier.address = inbox.address "
            "AND earlier.handled_at IS NULL AND earlier.id < inbox.id) RETURNING id",
            [to_text(now), letter_id],
        ).fetchone()
        if row is not None:
            return
        still = self.sql.execute(
            "SELECT 1 FROM inbox WHERE id = ? AND handled_at IS NULL", [letter_id]
        ).fetchone()
        if still is None:
            raise AlreadyHandled(f"inbox row {letter_id}")
        raise NotNext(f"inbox row {letter_id}")

    def failed(self, letter_id: int) -> int:
        """Count a failed attempt to handle a message; returns the attempts so far (0 when it
        was handled meanwhile: then there is nothing to give up on)."""
        row = self.sql.execute(
            "UPDATE inbox SET attempts = attempts + 1 WHERE id = ? AND handled_at IS NULL "
            "RETURNING attempts",
            [letter_id],
        ).fetchone()
        return 0 if row is None else int(row[0])

    def purge(self, before: datetime) -> int:
        """Forget keys handled before `before`: platforms redeliver only recent updates."""
        return self.sql.execute(
            "DELETE FROM inbox WHERE handled_at IS NOT NULL AND handled_at < ?", [to_text(before)]
        ).rowcount

    def forget_keys(self, address: str) -> None:
        """Handled keys stay (a redelivered update must still count once) but no longer say
        whose they were; retention removes them later."""
        self.sql.execute(
            "UPDATE inbox SET address = '' WHERE address = ? AND handled_at IS NOT NULL",
            [address],
        )
