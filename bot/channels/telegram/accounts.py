"""Pseudonyms for Telegram accounts: the engine sees "tg:…", never a Telegram id or name.

The pseudonym is an HMAC of the user id with a secret (from OUDERLIJN_PSEUDONYM_SECRET, or
generated once and kept in the database), so it is stable across restarts. Only this module
can map a pseudonym back to a chat, to deliver a message.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from sqlite_utils import Database

from bot.storage import AsyncStore, stored_secret, to_text

CHANNEL = "telegram"
PREFIX = "tg:"
_SECRET_KEY = "pseudonym_secret"


def _stored_secret(db: Database) -> str:
    """The database's pseudonym secret, created on first use."""
    return stored_secret(db, _SECRET_KEY)


class TelegramAccounts:
    """Maps Telegram user ids to pseudonyms, and pseudonyms back to chats for delivery."""

    def __init__(self, store: AsyncStore, secret: str) -> None:
        self.store = store
        self._key = secret.encode()
        self._chats: dict[str, int] = {}

    @classmethod
    async def open(cls, store: AsyncStore, secret: str | None = None) -> TelegramAccounts:
        """Use `secret` if given, else the one kept in the database."""
        if not secret:
            secret = await store.transaction(_stored_secret)
        return cls(store, secret)

    def address_for(self, user_id: int) -> str:
        """The pseudonym of a Telegram user: the same every time, meaningless to anyone else."""
        digest = hmac.new(self._key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()
        return PREFIX + digest[:20]

    async def remember(self, address: str, chat_id: int) -> None:
        """Keep the chat behind a pseudonym, so replies can be delivered later."""
        await self.store.transaction(lambda db: self.remember_in({address: chat_id}, db))
        self.cache({address: chat_id})

    def remember_in(self, chats: dict[str, int], db: Database) -> None:
        """Inside the caller's transaction (the inbox's): store the chats behind pseudonyms.
        Always written, never skipped by the cache: an erased parent's row may be gone."""
        now = to_text(datetime.now(UTC))
        db.conn.executemany(  # a chat that had another pseudonym (the secret was changed)
            "DELETE FROM channel_accounts WHERE channel = ? AND platform_id = ? AND address != ?",
            [(CHANNEL, str(chat), address) for address, chat in chats.items()],
        )
        db.conn.executemany(
            "INSERT INTO channel_accounts (address, channel, platform_id, created_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (address) DO UPDATE SET "
            "platform_id = excluded.platform_id",
            [(address, CHANNEL, str(chat), now) for address, chat in chats.items()],
        )

    def cache(self, chats: dict[str, int]) -> None:
        """Remember stored chats in memory (after their transaction committed)."""
        self._chats.update(chats)

    def forget(self, address: str) -> None:
        """The parent asked to be forgotten (the row is gone): the next message links anew."""
        self._chats.pop(address, None)

    async def chat_for(self, address: str) -> int | None:
        """The Telegram chat of a pseudonym, or None if this bot never saw it."""
        if address in self._chats:
            return self._chats[address]
        row = await self.store.read(
            lambda db: db.execute(
                "SELECT platform_id FROM channel_accounts WHERE address = ? AND channel = ?",
                [address, CHANNEL],
            ).fetchone()
        )
        if row is None:
            return None
        self._chats[address] = int(row[0])
        return self._chats[address]
