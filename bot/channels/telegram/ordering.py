"""Updates are processed concurrently across chats but strictly in order within one chat.

PTB's default handles one update at a time, so every Telegram round trip would stall the whole
bot; this processor only makes updates of the same chat wait for each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.core.keyed_locks import KeyedLocks


def chat_key(update: object) -> int | None:
    """The chat an update belongs to, or None (such updates need no ordering)."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None


# PTB takes its own semaphore BEFORE do_process_update; if that were the real limit, updates
# queued behind one busy chat would hold every slot and stall all other chats. So PTB's is
# effectively unbounded and the real limit is taken inside, after the chat's lock.
_PTB_SLOTS = 1_000_000


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """One lock per chat; at most `max_concurrent_updates` handlers run at once, and waiting
    for a chat takes no slot."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(_PTB_SLOTS)
        self._chats = KeyedLocks()
        self._running = asyncio.Semaphore(max_concurrent_updates)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handler coroutine after earlier updates of the same chat."""
        key = chat_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        async with self._chats.hold(key), self._running:
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
