"""Pseudonyms for Telegram accounts: the engine sees "tg:…", never a Telegram id or name.

The pseudonym is an HMAC of the user id with a secret (from OUDERLIJN_PSEUDONYM_SECRET, or
generated once and kept in the database), so it is stable across restarts. Only this module
can map a pseudonym back to a chat, to deliver a message.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict

from bot.storage import AsyncStore
from bot.storage.contract import Tx

CHANNEL = "telegram"
PREFIX = "tg:"
CACHED_CHATS = 10_000  # the most recent chats kept in memory; older ones are read again
_SECRET_KEY = "pseudonym_secret"


def _stored_secret(tx: Tx) -> str:
    """The database's pseudonym secret, created on first use."""
    return tx.meta.secret(_SECRET_KEY)


class TelegramAccounts:
    """Maps Telegram user ids to pseudonyms, and pseudonyms back to chats for delivery."""

    def __init__(self, store: AsyncStore, secret: str) -> None:
        self.store = store
        self._key = secret.encode()
        self._chats: OrderedDict[str, int] = OrderedDict()  # least recently used first

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
        await self.store.transaction(lambda tx: self.remember_in({address: chat_id}, tx))
        self.cache({address: chat_id})

    def remember_in(self, chats: dict[str, int], tx: Tx) -> None:
        """Inside the caller's transaction (the inbox's): store the chats behind pseudonyms.
        Always written, never skipped by the cache: an erased parent's row may be gone."""
        tx.accounts.remember(CHANNEL, {address: str(chat) for address, chat in chats.items()})

    def cache(self, chats: dict[str, int]) -> None:
        """Remember stored chats in memory (after their transaction committed), at most
        CACHED_CHATS: a purged parent's chat id does not stay in memory for ever."""
        for address, chat in chats.items():
            self._chats[address] = chat
            self._chats.move_to_end(address)
        while len(self._chats) > CACHED_CHATS:
            self._chats.popitem(last=False)

    def forget(self, address: str) -> None:
        """The parent asked to be forgotten (the row is gone): the next message links anew."""
        self._chats.pop(address, None)

    async def chat_for(self, address: str) -> int | None:
        """The Telegram chat of a pseudonym, or None if this bot never saw it."""
        if address in self._chats:
            self._chats.move_to_end(address)
            return self._chats[address]
        found = await self.store.read(lambda tx: tx.accounts.platform_id(address, CHANNEL))
        if found is None:
            return None
        self.cache({address: int(found)})
        return int(found)
