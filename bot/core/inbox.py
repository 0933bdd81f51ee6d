"""The durable inbox's reader: channels store each incoming message before the platform hears
it arrived (`accept`); one worker per conversation then hands the stored messages to the engine
in order, and the engine marks each handled in the transaction of its turn. After a restart,
`run` resumes whatever was stored but not handled. Nothing a parent sent is lost, and a
redelivered update (same key) counts once.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bot.core.engine import Engine
from bot.core.messages import Inbound, Outbound
from bot.core.reply_route import ReplyRoute
from bot.core.safety import CRISIS_CATEGORIES
from bot.core.text_input import normalise
from bot.storage import StorageBusy
from bot.storage.contract import Tx
from bot.storage.records import AlreadyHandled, Letter, NotNext

log = logging.getLogger(__name__)
MAX_HANDLE_ATTEMPTS = 3  # a message that keeps failing gets an apology instead of a loop
PAGE = 50  # stored messages of one conversation read at a time
Prepare = Callable[[Tx], None]


@dataclass(frozen=True)
class Arrival:
    """A message as a channel received it: its platform key (e.g. a Telegram update id)."""

    key: str
    inbound: Inbound


class InboxReader:
    """Stores arrivals durably and feeds them to the engine, in order per conversation."""

    def __init__(
        self,
        engine: Engine,
        max_running: int = 256,
        retry_seconds: float = 1.0,
        max_retry_seconds: float = 30.0,
    ) -> None:
        self.engine = engine
        self.store = engine.store
        self.retry_seconds = retry_seconds
        self.max_retry_seconds = max_retry_seconds
        self._running = asyncio.Semaphore(max_running)
        self.channels: set[str] = set()  # whose stored messages this process handles
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()  # a worker must look once more before it stops
        self._stopped = False
        self._resuming: set[asyncio.Task[None]] = set()

    def serve(self, channel: str) -> None:
        """This process handles `channel`'s stored messages (a terminal next to the Telegram
        bot must not answer Telegram's parents). What a previous run left for a channel that
        registers after the reader started is resumed at once, not at the next poll."""
        self.channels.add(channel)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # built outside a loop: `run` resumes at its start
            return
        task = loop.create_task(self._resume_quietly())
        self._resuming.add(task)
        task.add_done_callback(self._resuming.discard)

    async def _resume_quietly(self) -> None:
        try:
            await self.resume()
        except Exception as error:  # e.g. storage busy: the next poll tries again
            log.warning("inbox: resume failed (%s)", type(error).__name__)

    async def accept(
        self, arrivals: Sequence[Arrival], prepare: Prepare | None = None
    ) -> list[bool]:
        """Store a batch in ONE transaction (with the channel's own `prepare` work, e.g. the
        pseudonym's account), then start handling it; True for each arrival that was new.
        Raises (e.g. StorageBusy) when nothing could be stored: the platform must retry."""
        now = datetime.now(UTC)
        clean = [replace(a, inbound=_cleaned(a.inbound)) for a in arrivals]

        def store(tx: Tx) -> list[bool]:
            if prepare is not None:
                prepare(tx)
            return [tx.inbox.put(a.key, a.inbound, now) is not None for a in clean]

        fresh = await self.store.transaction(store)
        for arrival, new in zip(clean, fresh, strict=True):
            if new:
                self.notify(arrival.inbound.conversation_id)
        return fresh

    def noted(self, payload: str) -> None:
        """A database note "<channel> <address>" (a message stored by any instance); ""
        after a lost listener connection: resume everything."""
        channel, _, address = payload.partition(" ")
        if not address:
            asyncio.get_running_loop().create_task(self.resume())
        elif channel in self.channels:
            self.notify(address)

    def notify(self, address: str) -> None:
        """Something for `address` is in the inbox: make sure a worker handles it."""
        if self._stopped:
            return
        if address in self._workers:
            self._again.add(address)
            return
        self._workers[address] = asyncio.create_task(self._worker(address))

    async def resume(self) -> int:
        """Start workers for every conversation with unhandled messages (after a restart)."""
        channels = sorted(self.channels)
        addresses = await self.store.read(lambda tx: tx.inbox.waiting_addresses(channels=channels))
        for address in addresses:
            self.notify(address)
        if addresses:
            log.info("inbox: resuming %d conversations with unhandled messages", len(addresses))
        return len(addresses)

    async def run(self, poll_seconds: float = 30.0) -> None:
        """Resume at start, then look now and then (another process may have stored messages)
        until cancelled; on cancel, the workers stop (what they did not finish stays stored)."""
        try:
            while True:
                try:
                    await self.resume()
                except Exception as error:  # e.g. storage busy: the next round tries again
                    log.warning("inbox: resume failed (%s)", type(error).__name__)
                await asyncio.sleep(poll_seconds)
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Stop every worker; unhandled messages stay in the inbox for the next start."""
        self._stopped = True
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    async def drain(self) -> None:
        """Wait until every worker is done (tests and benchmarks)."""
        while self._workers:
            await asyncio.gather(*list(self._workers.values()), return_exceptions=True)

    async def _worker(self, address: str) -> None:
        """Handle the address's stored messages in order until none are left."""
        failures = 0
        try:
            async with self._running:
                while True:
                    self._again.discard(address)
                    try:
                        letters = await self.store.read(
                            lambda tx: tx.inbox.waiting(address=address, limit=PAGE)
                        )
                        for letter in letters:
                            if not await self._handle(letter):
                                self._again.add(address)  # an earlier one came in: read again
                                break
                        failures = 0
                    except Exception as error:  # storage busy or broken: wait, then again
                        failures += 1
                        log.warning("inbox: handling paused (%s)", type(error).__name__)
                        await asyncio.sleep(self._pause(failures))
                        continue
                    # fewer than a page and nothing new announced: this conversation is done
                    if len(letters) < PAGE and address not in self._again:
                        return
        finally:
            self._workers.pop(address, None)

    async def _handle(self, letter: Letter) -> bool:
        """One message through the engine; a message that keeps failing (a bug, not a busy
        database) is answered with an apology and marked handled, so it cannot block the rest.
        False: an earlier message of this conversation (stored by another instance) is still
        unhandled, so the worker reads the conversation's messages again, in order."""
        try:
            await self.engine.handle(letter.inbound, receipt=letter.id)
        except AlreadyHandled:  # another process was first: its turn counts
            log.info("inbox: a message was handled elsewhere meanwhile")
        except NotNext:
            return False
        except StorageBusy:
            raise
        except Exception as error:
            correlation = uuid.uuid4().hex[:12]
            log.error(
                "inbox: a message failed: %s (correlation %s)", type(error).__name__, correlation
            )
            attempts = await self.store.transaction(lambda tx: tx.inbox.failed(letter_id=letter.id))
            if attempts == 0:  # handled after all (the error came after the commit)
                return True
            if attempts < MAX_HANDLE_ATTEMPTS:
                raise
            await self._apologise(letter)
        return True

    async def _apologise(self, letter: Letter) -> None:
        """Give up on one message: the sender hears something went wrong and may try again;
        a message about suicide or harm still gets that help first (the check cannot fail)."""
        inbound = letter.inbound
        texts = self.engine.texts
        category = self.engine.safety.triage(inbound.text).category if inbound.text else None
        parts = [texts.say(f"crisis_{category}")] if category in CRISIS_CATEGORIES else []
        sorry = Outbound(inbound.conversation_id, "\n\n".join([*parts, texts.say("busy")]))
        route = ReplyRoute(inbound.channel, letter.id)
        now = datetime.now(UTC)
        try:
            await self.store.transaction(lambda tx: route.write(tx, [sorry], now))
        except (AlreadyHandled, NotNext):
            return
        self.engine.on_outbox()

    def _pause(self, failures: int) -> float:
        return float(min(self.max_retry_seconds, self.retry_seconds * 2 ** min(failures - 1, 8)))


def _cleaned(inbound: Inbound) -> Inbound:
    """Text as the engine reads it, and storable (no lone surrogates, also not in a forged
    button id: one such id would stop a whole Telegram batch from being stored) (#15)."""
    choice = inbound.choice
    if choice is not None and not choice.isascii():
        choice = choice.encode("utf-8", "replace").decode("utf-8")
    return replace(inbound, text=normalise(inbound.text), choice=choice)
