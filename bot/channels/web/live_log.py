"""What open sockets were last sent of the web log, so a line stored by ANY instance reaches
the tabs open on this one exactly once: the courier that stored it pushes when the tab is
here; a database note makes the instance holding the tab catch up from the log."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from bot.core.keyed_locks import KeyedLocks
from bot.storage import AsyncStore
from bot.storage.records import WebMessage

Send = Callable[[WebMessage], Awaitable[object]]


class LiveLog:
    """Per address: the last web log id pushed to its open sockets, under one lock."""

    def __init__(self, store: AsyncStore) -> None:
        self.store = store
        self._pushed: dict[str, int] = {}
        self._locks = KeyedLocks()  # dropped by itself once nobody holds or waits

    def lock(self, address: str) -> AbstractAsyncContextManager[None]:
        """Held while pushing to `address`, so a catch-up and a direct push never overlap."""
        return self._locks.hold(address)

    def fresh(self, address: str, message_id: int) -> bool:
        """Whether `message_id` is newer than what `address`'s sockets were sent (call with
        the lock held); it counts as sent from now on."""
        if message_id <= self._pushed.get(address, 0):
            return False
        self._pushed[address] = message_id
        return True

    def seen(self, address: str, message_id: int) -> None:
        """A resume sent the sockets up to `message_id`."""
        self._pushed[address] = max(self._pushed.get(address, 0), message_id)

    async def catch_up(self, address: str, send: Send) -> None:
        """Push what another instance stored for `address` since the last push here (the
        parent's own lines stay for reloads only)."""
        async with self.lock(address):
            after = self._pushed.get(address)
            if after is None:
                return  # no socket here was ever sent anything: nothing to continue
            missed = await self.store.read(lambda tx: tx.web.after(address=address, last_id=after))
            for message in missed:
                self.seen(address, message.id)
                if message.sender != "parent":
                    await send(message)

    def forget(self, address: str) -> None:
        """The last socket of `address` closed."""
        self._pushed.pop(address, None)

    def __len__(self) -> int:
        """How many addresses this instance keeps state for (a push mark, or a lock in use)."""
        return max(len(self._pushed), len(self._locks))
