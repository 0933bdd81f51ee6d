"""The courier delivers the outbox: messages for someone other than the sender of a message.

Order is kept per address (one address at a time, oldest first) while different addresses are
served concurrently. A delivered message is deleted; a failed one stays and is retried with
backoff, and nothing behind it for that address overtakes it. A channel that reports an address
as unreachable (the parent blocked the bot) makes the engine end or hand back the handoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from itertools import groupby

from sqlite_utils import Database

from bot.core.messages import Outbound
from bot.storage import AsyncStore
from handoff import outbox
from handoff.outbox import Parcel

log = logging.getLogger(__name__)

Send = Callable[[Outbound], Awaitable[None]]


class Undeliverable(Exception):  # noqa: N818 - reads as a verdict: the address is undeliverable
    """Raised by a channel when an address can never be reached again (blocked, deleted)."""


class Courier:
    """Delivers stored messages through the channels registered for them."""

    def __init__(
        self,
        store: AsyncStore,
        on_unreachable: Callable[[str], Awaitable[None]] | None = None,
        retry_seconds: float = 2.0,
        max_retry_seconds: float = 60.0,
    ) -> None:
        self.store = store
        self.on_unreachable = on_unreachable
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds
        self.channels: dict[str, Send] = {}
        self.accepts: dict[str, Callable[[str], bool]] = {}
        self._wake = asyncio.Event()
        self._round = asyncio.Lock()
        self._failures = 0

    def register(
        self, channel: str, send: Send, accepts: Callable[[str], bool] | None = None
    ) -> None:
        """Deliver messages for `channel` with `send`; unknown channels wait in the outbox.

        `accepts` limits this process to some addresses (e.g. one terminal among several).
        """
        self.channels[channel] = send
        if accepts is not None:
            self.accepts[channel] = accepts

    def _mine(self, parcel: Parcel) -> bool:
        accepts = self.accepts.get(parcel.channel)
        return parcel.channel in self.channels and (accepts is None or accepts(parcel.message.to))

    def wake(self) -> None:
        """Something new is in the outbox (called by the engine after each transaction)."""
        self._wake.set()

    async def deliver_pending(self) -> int:
        """One delivery round over everything pending; returns how many were delivered."""
        async with self._round:
            parcels = await self.store.read(outbox.pending)
            parcels = [p for p in parcels if self._mine(p)]
            by_address = [list(g) for _, g in groupby(sorted(parcels, key=_address), _address)]
            results = await asyncio.gather(*(self._deliver_in_order(ps) for ps in by_address))
            done = [i for ok, _ in results for i in ok]
            failed = [i for _, bad in results for i in bad]
            if done or failed:
                await self.store.transaction(lambda db: _settle(db, done, failed))
            self._failures = self._failures + 1 if failed else 0
            return len(done)

    async def _deliver_in_order(self, parcels: list[Parcel]) -> tuple[list[int], list[int]]:
        """Deliver one address's messages oldest first; stop at the first failure."""
        delivered: list[int] = []
        for parcel in parcels:
            try:
                await self.channels[parcel.channel](parcel.message)
            except Undeliverable:
                log.info("courier: an address is unreachable on channel %s", parcel.channel)
                if self.on_unreachable is not None:
                    await self.on_unreachable(parcel.message.to)
                return delivered, []
            except Exception as error:  # transient: keep it, retry later, keep the order
                log.warning("courier: delivery failed (%s); will retry", type(error).__name__)
                return delivered, [parcel.id]
            delivered.append(parcel.id)
        return delivered, []

    async def run(self, poll_seconds: float | None = None) -> None:
        """Deliver whenever woken, and retry failures with growing pauses, until cancelled.

        `poll_seconds` also looks every so often, for messages written by another process.
        """
        self._wake.set()  # whatever a previous run left behind goes out first
        while True:
            timeout = poll_seconds
            if self._failures:
                backoff = min(self.max_retry_seconds, self.retry_seconds * 2**self._failures)
                timeout = min(backoff, poll_seconds or backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()
            try:
                await self.deliver_pending()
            except Exception as error:  # e.g. storage busy: try again on the next wake
                log.warning("courier: round failed (%s)", type(error).__name__)
                self._failures += 1


def _address(parcel: Parcel) -> str:
    return parcel.message.to


def _settle(db: Database, done: list[int], failed: list[int]) -> None:
    """Delete what was delivered, count the failures; one transaction."""
    outbox.delivered(db, done)
    outbox.failed(db, failed)
