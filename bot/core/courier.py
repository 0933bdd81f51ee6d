"""The courier delivers the outbox: messages for someone other than the sender of a message.

One worker per address delivers that address's messages oldest first, deleting each as soon
as it is out, so a retry never repeats one; different addresses never wait for each other. A
failed message stays and is retried with growing pauses, and nothing behind it for that address
overtakes it. A channel that reports an address as unreachable (the parent blocked the bot)
makes the engine end or hand back the handoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable

from bot.core.messages import Outbound
from bot.storage import AsyncStore
from handoff import outbox

log = logging.getLogger(__name__)

Send = Callable[[Outbound], Awaitable[None]]
MAX_ATTEMPTS = 30  # then the message is dropped (logged without content), not retried forever


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
        self._dispatching = asyncio.Lock()
        self._workers: dict[str, asyncio.Task[int]] = {}
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

    def wake(self) -> None:
        """Something new is in the outbox (called by the engine after each transaction)."""
        self._wake.set()

    async def deliver_pending(self) -> int:
        """Start workers for every address with messages and wait for all of them; returns
        how many messages they delivered."""
        await self._dispatch()
        results = await asyncio.gather(*self._workers.values(), return_exceptions=True)
        return sum(r for r in results if isinstance(r, int))

    async def _dispatch(self) -> None:
        """A worker for each address that has messages and none yet."""
        async with self._dispatching:
            channels = sorted(self.channels)
            addresses = await self.store.read(
                functools.partial(outbox.waiting_addresses, channels=channels)
            )
            for channel, address in addresses:
                accepts = self.accepts.get(channel)
                if address in self._workers or (accepts is not None and not accepts(address)):
                    continue
                self._workers[address] = asyncio.create_task(self._worker(channel, address))

    async def _worker(self, channel: str, address: str) -> int:
        """Deliver one address's messages in order until none are left or one fails."""
        delivered = 0
        try:
            while True:
                parcels = await self.store.read(
                    functools.partial(outbox.pending_for, address=address, channel=channel)
                )
                if not parcels:
                    return delivered
                for parcel in parcels:
                    if not await self._deliver(parcel):
                        return delivered
                    delivered += 1
        finally:
            self._workers.pop(address, None)

    async def _deliver(self, parcel: outbox.Parcel) -> bool:
        """Send one message and forget it; False when this address must wait or is gone."""
        if parcel.attempts >= MAX_ATTEMPTS:
            log.warning("courier: gave up on a message after %d attempts", parcel.attempts)
            await self.store.transaction(functools.partial(outbox.delivered, ids=[parcel.id]))
            return True
        try:
            await self.channels[parcel.channel](parcel.message)
        except Undeliverable:
            log.info("courier: an address is unreachable on channel %s", parcel.channel)
            await self._unreachable(parcel.message.to)
            return False
        except Exception as error:  # transient: keep it, retry later, keep the order
            log.warning("courier: delivery failed (%s); will retry", type(error).__name__)
            await self.store.transaction(functools.partial(outbox.failed, ids=[parcel.id]))
            self._failures += 1
            return False
        await self.store.transaction(functools.partial(outbox.delivered, ids=[parcel.id]))
        self._failures = 0
        return True

    async def _unreachable(self, address: str) -> None:
        """Let the engine end or hand back the address's handoffs; never let that fail us."""
        if self.on_unreachable is None:
            await self.store.transaction(functools.partial(outbox.drop_for, address=address))
            return
        try:
            await self.on_unreachable(address)
        except Exception as error:
            log.warning(
                "courier: handling an unreachable address failed (%s)", type(error).__name__
            )

    async def run(self, poll_seconds: float | None = None) -> None:
        """Deliver whenever woken, and retry failures with growing pauses, until cancelled.

        `poll_seconds` also looks every so often, for messages written by another process.
        """
        self._wake.set()  # whatever a previous run left behind goes out first
        try:
            while True:
                timeout = poll_seconds
                if self._failures:
                    backoff = self.retry_seconds * 2 ** min(self._failures, 10)
                    backoff = min(self.max_retry_seconds, backoff)
                    timeout = min(backoff, poll_seconds or backoff)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
                self._wake.clear()
                try:
                    await self._dispatch()
                except Exception as error:  # e.g. storage busy: try again on the next wake
                    log.warning("courier: round failed (%s)", type(error).__name__)
                    self._failures += 1
        finally:
            for worker in list(self._workers.values()):
                worker.cancel()
