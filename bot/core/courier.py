"""The courier delivers the outbox: every message the bot sends, one stored piece at a time.

One worker per address delivers that address's pieces oldest first; different addresses never
wait for each other. Before a send the row is marked attempted; once it is out the row is
deleted. So a retry never repeats a piece that went out, and after a crash only a piece whose
send was under way can go out twice (the platform cannot tell us; a rare duplicate is better
than a loss, and `resent_uncertain` counts them). A send that timed out after it may have
reached the platform holds the address's next piece for `hold_seconds`, so nothing overtakes
it. A failed address waits with growing pauses of its own, and nothing behind the failed piece
overtakes it; an address the platform asked to wait (`RetryLater`, a 429) waits exactly that
long, and no other address waits with it. A channel that reports an address as unreachable
(the parent blocked the bot) makes the engine end or hand back the handoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from bot.core.messages import Outbound
from bot.storage import AsyncStore
from bot.storage.contract import Tx
from bot.storage.records import OUTBOX_PAGE, Parcel

log = logging.getLogger(__name__)

Send = Callable[[Outbound], Awaitable[None]]
Forget = Callable[[str], None]
MAX_ATTEMPTS = 200  # with pauses up to max_retry_seconds: hours of trying, then dropped (logged)


class Undeliverable(Exception):  # noqa: N818 - reads as a verdict: the address is undeliverable
    """Raised by a channel when an address can never be reached again (blocked, deleted)."""


class MaybeSent(Exception):  # noqa: N818 - reads as a verdict on one send
    """Raised by a channel when a send failed after it may have reached the platform (a read
    timeout): not repeated, but the address's next message waits until it is surely out."""


class RetryLater(Exception):  # noqa: N818 - reads as the platform's request
    """Raised by a channel when the platform refused a send for now and named how long this
    address must wait (Telegram's 429 retry_after): nothing went out; other addresses go on."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class Courier:
    """Delivers stored messages through the channels registered for them."""

    def __init__(
        self,
        store: AsyncStore,
        on_unreachable: Callable[[str], Awaitable[None]] | None = None,
        retry_seconds: float = 2.0,
        max_retry_seconds: float = 60.0,
        hold_seconds: float = 10.0,
        lease_seconds: float = 15.0,
        owner: str | None = None,
    ) -> None:
        self.store = store
        self.on_unreachable = on_unreachable
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds
        self.hold_seconds = hold_seconds
        self.channels: dict[str, Send] = {}
        self.accepts: dict[str, Callable[[str], bool]] = {}
        self.forgets: dict[str, Forget] = {}
        # Several instances on one database (`owner` given, stable across an instance's
        # restarts so it takes its own leases back at once): one courier per address at a
        # time, by a lease in the database renewed with every piece. None: the only courier.
        self.owner = owner
        self.lease_seconds = lease_seconds
        self.scan_on_wake = True  # False when database notes name every new address
        self._named: dict[str, str] = {}  # address -> channel, from notes
        self._scan = True
        self.resent_uncertain = 0  # pieces sent again whose earlier send may have gone out
        self.held = 0  # sends that timed out after reaching the platform
        self._wake = asyncio.Event()
        self._dispatching = asyncio.Lock()
        self._workers: dict[str, asyncio.Task[int]] = {}
        self._again: set[str] = set()  # a worker must look once more before it stops
        self._failures: dict[str, int] = {}  # address -> failures in a row
        self._retry_at: dict[str, float] = {}  # address -> loop time of its next try
        self._paused: dict[str, str] = {}  # address -> channel, while it waits to retry

    def register(
        self,
        channel: str,
        send: Send,
        accepts: Callable[[str], bool] | None = None,
        forget: Forget | None = None,
    ) -> None:
        """Deliver messages for `channel` with `send`; unknown channels wait in the outbox.

        `accepts` limits this process to some addresses (e.g. one terminal among several);
        `forget` drops a cached address once an erased parent's farewell is out.
        """
        self.channels[channel] = send
        # what waited for this channel (a previous run's, a killed instance's) goes out now:
        # a full look, even where wakes only follow notes (several instances)
        self._scan = True
        self._wake.set()
        if accepts is not None:
            self.accepts[channel] = accepts
        if forget is not None:
            self.forgets[channel] = forget

    def wake(self) -> None:
        """Something new is in the outbox (called by the engine after each transaction)."""
        if self.scan_on_wake:
            self._scan = True
            self._wake.set()

    def noted(self, payload: str) -> None:
        """A database note "<channel> <address>" (any instance wrote for it); "" after a lost
        listener connection: look at everything."""
        channel, _, address = payload.partition(" ")
        if address:
            self._named[address] = channel
        else:
            self._scan = True
        self._wake.set()

    async def deliver_pending(self) -> int:
        """Start workers for every address with messages (failed ones too, without waiting)
        and wait for all of them; returns how many messages they delivered."""
        await self._dispatch(force=True)
        results = await asyncio.gather(*self._workers.values(), return_exceptions=True)
        return sum(r for r in results if isinstance(r, int))

    async def _dispatch(self, force: bool = False) -> None:
        """A worker for each address that has messages, none yet, and no pause running."""
        async with self._dispatching:
            named, self._named = self._named, {}
            if self._scan or force:
                self._scan = False
                channels = sorted(self.channels)
                addresses = await self.store.read(
                    lambda tx: tx.outbox.waiting_addresses(channels=channels)
                )
                waiting = {address for _, address in addresses}
                # erased, purged or delivered by another process: no pause may make run() spin
                for gone in [a for a in self._retry_at if a not in waiting]:
                    self._retry_at.pop(gone, None)
                    self._paused.pop(gone, None)
                    self._failures.pop(gone, None)
            else:  # only what the notes named, and paused ones: no look at the whole outbox
                named.update(self._paused)
                addresses = [(c, a) for a, c in named.items() if c in self.channels]
            now = asyncio.get_running_loop().time()
            for channel, address in addresses:
                accepts = self.accepts.get(channel)
                if address in self._workers:
                    self._again.add(address)  # it may have read before this row was written
                    continue
                if accepts is not None and not accepts(address):
                    continue
                if not force and self._retry_at.get(address, 0.0) > now:
                    continue
                self._workers[address] = asyncio.create_task(self._worker(channel, address))

    async def _worker(self, channel: str, address: str) -> int:
        """Deliver one address's messages in order until none are left or one fails."""
        delivered = 0
        try:
            if not await self._take(address):
                return 0  # another instance delivers to this address now
            while True:
                self._again.discard(address)
                parcels = await self.store.read(
                    lambda tx: tx.outbox.pending_for(address=address, channel=channel)
                )
                for parcel in parcels:
                    if not await self._deliver(parcel):
                        return delivered
                    delivered += 1
                # fewer than a page and nothing new announced: this address is done
                if len(parcels) < OUTBOX_PAGE and address not in self._again:
                    return delivered
        except Exception as error:  # e.g. storage busy after a send: it may go out again
            log.warning("courier: worker stopped (%s)", type(error).__name__)
            self._pause(address, channel)
            return delivered
        finally:  # release first: a new worker here must not start under a lease being let go
            owner = self.owner
            if owner is not None:
                with contextlib.suppress(Exception):
                    await self.store.transaction(lambda tx: tx.outbox.release(address, owner))
            self._workers.pop(address, None)
            if address in self._again:  # announced while the lease was let go: look again
                self._named[address] = channel
                self._wake.set()

    async def _take(self, address: str) -> bool:
        """Lease `address` for this courier (or renew the lease it holds)."""
        owner = self.owner
        if owner is None:
            return True
        now = datetime.now(UTC)
        return await self.store.transaction(
            lambda tx: tx.outbox.lease(address, owner, now, self.lease_seconds)
        )

    async def _deliver(self, parcel: Parcel) -> bool:
        """Send one piece and forget it; False when this address must wait or is gone."""
        address = parcel.message.to
        if parcel.attempts >= MAX_ATTEMPTS:
            log.warning("courier: gave up on a message after %d attempts", parcel.attempts)
            await self._done(parcel)
            self._failures.pop(address, None)
            self._retry_at.pop(address, None)
            self._paused.pop(address, None)
            return True
        if parcel.uncertain:  # an earlier send of it began and never reported back
            self.resent_uncertain += 1
            log.info("courier: sending again a message whose earlier send may have gone out")
        now = datetime.now(UTC)
        seconds, owner = self.lease_seconds, self.owner

        def begin(tx: Tx) -> str:
            if owner is not None and not tx.outbox.lease(address, owner, now, seconds):
                return "lost"
            return "go" if tx.outbox.attempting(parcel_id=parcel.id, now=now) else "gone"

        began = await self.store.transaction(begin)
        if began == "lost":  # another instance took this address over (ours ran out)
            return False
        if began == "gone":
            return True  # erased or given up meanwhile: never send what is gone
        try:
            await self.channels[parcel.channel](parcel.message)
        except Undeliverable:
            log.info("courier: an address is unreachable on channel %s", parcel.channel)
            await self._unreachable(address)
            return False
        except MaybeSent:  # keep the order: the next piece waits until this one is surely out
            self.held += 1
            log.warning("courier: a send timed out after reaching the platform; holding")
            await asyncio.sleep(self.hold_seconds)
        except RetryLater as error:  # only this address waits, as long as the platform said
            log.info("courier: rate limited on %s; waiting %.1f s", parcel.channel, error.seconds)
            await self.store.transaction(lambda tx: tx.outbox.not_sent(parcel_id=parcel.id))
            self._pause(address, parcel.channel, error.seconds)
            return False
        except Exception as error:  # transient: keep it, retry later, keep the order
            log.warning("courier: delivery failed (%s); will retry", type(error).__name__)
            await self.store.transaction(lambda tx: tx.outbox.not_sent(parcel_id=parcel.id))
            self._pause(address, parcel.channel)
            return False
        await self._done(parcel)
        self._failures.pop(address, None)
        self._retry_at.pop(address, None)
        self._paused.pop(address, None)
        return True

    async def _done(self, parcel: Parcel) -> None:
        """The piece is out (or given up): delete it; after a farewell, forget the account."""
        message = parcel.message

        def work(tx: Tx) -> bool:
            tx.outbox.delivered([parcel.id])
            return message.farewell and tx.accounts.drop(message.to)

        if await self.store.transaction(work):
            forget = self.forgets.get(parcel.channel)
            if forget is not None:
                forget(message.to)

    def _pause(self, address: str, channel: str, seconds: float | None = None) -> None:
        """This address waits before its next try: 2 s, 4 s, 8 s … up to max_retry_seconds,
        or the `seconds` the platform asked for (no growing pause: it said when)."""
        failures = self._failures.get(address, 0) + 1
        self._failures[address] = failures
        pause = min(self.max_retry_seconds, self.retry_seconds * 2 ** min(failures - 1, 16))
        pause = pause if seconds is None else max(0.0, seconds)
        self._retry_at[address] = asyncio.get_running_loop().time() + pause
        self._paused[address] = channel
        self._wake.set()  # run() recomputes how long to sleep

    async def _unreachable(self, address: str) -> None:
        """Let the engine end or hand back the address's handoffs; never let that fail us."""
        self._failures.pop(address, None)
        self._retry_at.pop(address, None)
        self._paused.pop(address, None)
        if self.on_unreachable is None:
            await self.store.transaction(lambda tx: tx.outbox.drop_for(address=address))
            return
        try:
            await self.on_unreachable(address)
        except Exception as error:
            log.warning(
                "courier: handling an unreachable address failed (%s)", type(error).__name__
            )

    def _next_timeout(self, poll_seconds: float | None) -> float | None:
        """Sleep until the next poll or the earliest paused address is due."""
        if not self._retry_at:
            return poll_seconds
        due = max(0.0, min(self._retry_at.values()) - asyncio.get_running_loop().time())
        return due if poll_seconds is None else min(due, poll_seconds)

    async def run(self, poll_seconds: float | None = None) -> None:
        """Deliver whenever woken or a paused address is due, until cancelled.

        `poll_seconds` also looks every so often, for messages written by another process.
        """
        self._wake.set()  # whatever a previous run left behind goes out first
        loop = asyncio.get_running_loop()
        looked = loop.time()
        try:
            while True:
                # asyncio.timeout, not wait_for: on Python 3.11 a cancel that lands while
                # wait_for times out can be swallowed, and the courier never stops.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._next_timeout(poll_seconds)):
                        await self._wake.wait()
                self._wake.clear()
                if poll_seconds is not None and loop.time() - looked >= poll_seconds:
                    # the poll looks at the whole outbox: a lost note, or an address whose
                    # lease a dead instance held until it ran out
                    looked = loop.time()
                    self._scan = True
                try:
                    await self._dispatch()
                except Exception as error:  # e.g. storage busy: try again on the next wake
                    log.warning("courier: round failed (%s)", type(error).__name__)
                    await asyncio.sleep(self.retry_seconds)
        finally:
            workers = list(self._workers.values())
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
