"""Which platform account is behind a pseudonym, so a message can be delivered. Only channel
adapters read these rows; the engine never sees a platform id."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.storage.sql.executor import Sql
from bot.storage.times import to_text


class SqlAccounts:
    """Channel accounts in SQL; one instance per transaction."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def remember(self, channel: str, chats: dict[str, str]) -> None:
        """Store the platform ids behind pseudonyms (always written: an erased parent's row
        may be gone); a platform id that had another pseudonym (a changed secret) moves."""
        now = to_text(datetime.now(UTC))
        self.sql.executemany(
            "DELETE FROM channel_accounts WHERE channel = ? AND platform_id = ? AND address != ?",
            [(channel, platform_id, address) for address, platform_id in chats.items()],
        )
        self.sql.executemany(
            "INSERT INTO channel_accounts (address, channel, platform_id, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET "
            "platform_id = excluded.platform_id",
            [(address, channel, platform_id, now) for address, platform_id in chats.items()],
        )

    def platform_id(self, address: str, channel: str) -> str | None:
        """The platform's id behind a pseudonym on `channel`, or None if never seen."""
        row = self.sql.execute(
            "SELECT platform_id FROM channel_accounts WHERE address = ? AND channel = ?",
            [address, channel],
        ).fetchone()
        return None if row is None else str(row[0])

    def drop(self, address: str) -> bool:
        """Forget the platform account behind an erased parent once their farewell is out,
        unless they have written again meanwhile (a new conversation or a message not yet
        handled)."""
        return (
            self.sql.execute(
                "DELETE FROM channel_accounts WHERE address = ? "
                "AND NOT EXISTS (SELECT 1 FROM conversations WHERE conversation_id = ?) "
                "AND NOT EXISTS (SELECT 1 FROM inbox WHERE address = ? AND handled_at IS NULL)",
                [address, address, address],
            ).rowcount
            > 0
        )

    def drop_now(self, address: str) -> None:
        """Forget the account at once (the parent's own /vergeet through the store)."""
        self.sql.execute("DELETE FROM channel_accounts WHERE address = ?", [address])
