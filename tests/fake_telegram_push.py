"""Webhook push mode and late answers for the fake Bot API (tests/fake_telegram.py).

Telegram POSTs each update to the bot's webhook and counts it as delivered only on HTTP 200;
any other status, a refused or reset connection, or no answer in time: the same update again,
later. `start_push` does the same with the fake's queue, so a test can kill the bot, make it
answer slowly or fail, and compare `confirmed` (what Telegram considers received) with
`all_updates` (everything ever queued). `hold_next` makes Telegram itself slow: an API call
answered late, its effect (a message recorded in `sent`) before or after the wait.
`DeliveryExtras` is a base class of `FakeBotApi`; it holds no server of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

if TYPE_CHECKING:
    from tests.faults import FaultPlan

Json = dict[str, Any]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CONFLICT = "Conflict: can't use getUpdates method while webhook is active"
PUSH_TIMEOUT = 5.0  # seconds Telegram waits for the webhook's answer
FIRST_PAUSE, MAX_PAUSE = 0.2, 2.0  # before a retry: 0.2 s, doubling up to 2 s
DELIVER = ("after", "before")


class Pusher:
    """POSTs the fake's queued updates to `url` until stopped: in queue order, up to
    `connections` at once (Telegram's max_connections), each one until it gets HTTP 200;
    then it is confirmed and leaves the queue. Started by `DeliveryExtras.start_push`."""

    def __init__(
        self, api: DeliveryExtras, url: str, secret_token: str | None, connections: int = 1
    ) -> None:
        if connections < 1:
            raise ValueError(f"connections must be at least 1, not {connections}")
        self.api, self.url = api, url
        self._headers = {SECRET_HEADER: secret_token} if secret_token else {}
        self._slots = asyncio.Semaphore(connections)
        self._deliveries: dict[asyncio.Task[None], int] = {}  # in flight -> its update id
        self._error: BaseException | None = None  # a bug in a delivery, raised by stop()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Cancel the pushing and every POST in flight (those updates stay queued)."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        if self._error is not None:
            raise self._error

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=PUSH_TIMEOUT)
        async with aiohttp.ClientSession(headers=self._headers, timeout=timeout) as session:
            try:
                while True:
                    await self._slots.acquire()
                    update = await self._next()
                    task = asyncio.create_task(self._deliver(session, update))
                    self._deliveries[task] = update["update_id"]
                    task.add_done_callback(self._done)
            finally:
                for task in self._deliveries:
                    task.cancel()
                await asyncio.gather(*self._deliveries, return_exceptions=True)

    async def _next(self) -> Json:
        """The first queued update not in flight, waiting for one if need be."""
        while True:
            busy = set(self._deliveries.values())
            for update in self.api._updates:
                if update["update_id"] not in busy:
                    return update
            await self.api._wake.wait()  # _queue sets it (and puts a new one in its place)

    async def _deliver(self, session: aiohttp.ClientSession, update: Json) -> None:
        pause = FIRST_PAUSE
        while any(u is update for u in self.api._updates):  # else dropped meanwhile
            status = 0
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
                async with session.post(self.url, json=update) as response:
                    await response.read()
                    status = response.status
            if status == 200:
                self.api.confirmed.add(update["update_id"])
                self.api._updates = [u for u in self.api._updates if u is not update]
                return
            await asyncio.sleep(pause)
            pause = min(MAX_PAUSE, 2 * pause)

    def _done(self, task: asyncio.Task[None]) -> None:
        del self._deliveries[task]
        self._slots.release()
        if not task.cancelled() and task.exception() is not None:
            self._error = self._error or task.exception()


class DeliveryExtras:
    """FakeBotApi's confirmations, webhook push mode and held answers."""

    _updates: list[Json]  # FakeBotApi's queue: not yet confirmed
    _wake: asyncio.Event  # set (and replaced) when an update is queued
    _stopped: asyncio.Event  # set by FakeBotApi.stop

    def __init__(self) -> None:
        self.confirmed = set[int]()  # update ids Telegram considers received
        self.all_updates = list[Json]()  # every update ever queued, in order
        self._holds: dict[str, list[tuple[float, str]]] = {}
        self._held = set[asyncio.Task[Any]]()  # held calls whose effect is still to come
        self._pusher: Pusher | None = None
        self.faults: FaultPlan | None = None  # tests/faults.py: seeded failures of calls

    def hold_next(
        self, method: str, seconds: float, times: int = 1, deliver: str = "after"
    ) -> None:
        """The next `times` calls of `method` answer `seconds` late (on top of `latency`;
        `fail_next` goes first). deliver="after": its effect (a message in `sent`) only at the
        end of the hold, even if the client gave up meanwhile; "before": at once, only the
        answer is late. `stop()` ends every hold at once."""
        if deliver not in DELIVER:
            raise ValueError(f"deliver must be 'after' or 'before', not {deliver!r}")
        self._holds.setdefault(method, []).extend([(seconds, deliver)] * times)

    def start_push(self, url: str, secret_token: str | None, connections: int = 1) -> None:
        """Push mode: POST every queued update (in order, up to `connections` at once) to `url`
        with the secret token header, until it answers 200 (then it is `confirmed`); other
        statuses, errors and 5 s timeouts are retried after 0.2..2 s, forever, until
        `stop_push()` or `stop()`. Meanwhile getUpdates answers 409 Conflict, like Telegram."""
        assert self._pusher is None, "push mode is already on"
        self._pusher = Pusher(self, url, secret_token, connections)
        self._wake.set()  # a pending long poll ends now (with 409)
        self._wake = asyncio.Event()

    async def stop_push(self) -> None:
        """End push mode: POSTs in flight are cancelled, their updates stay queued."""
        if self._pusher is not None:
            pusher, self._pusher = self._pusher, None
            await pusher.stop()

    async def post_update(self, url: str, update: Json, secret_token: str | None = None) -> int:
        """POST an update to a webhook as Telegram does; returns the HTTP status."""
        headers = {SECRET_HEADER: secret_token} if secret_token else {}
        async with aiohttp.ClientSession(headers=headers) as session:
            return (await session.post(url, json=update)).status

    async def _pause(self, seconds: float) -> None:
        """Wait `seconds`, or less if the fake stops meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), seconds)

    async def _answer(
        self,
        call: Callable[[str, Json], Awaitable[Any]],
        method: str,
        params: Json,
        request: web.Request | None = None,
    ) -> Any:
        """`call(method, params)`, held back as `hold_next` said, with the `faults` plan's
        failures (which need the HTTP request: some close its connection)."""
        if self.faults is not None and request is not None:
            return await self.faults.answer(
                method, params, request, lambda: self._holding(call, method, params)
            )
        return await self._holding(call, method, params)

    async def _holding(
        self, call: Callable[[str, Json], Awaitable[Any]], method: str, params: Json
    ) -> Any:
        if not (holds := self._holds.get(method)):
            return await call(method, params)
        seconds, deliver = holds.pop(0)
        if deliver == "before":
            try:
                return await call(method, params)
            finally:
                await self._pause(seconds)

        async def late() -> Any:
            await self._pause(seconds)
            return await call(method, params)

        # A task, shielded: a client that disconnects (aiohttp may then cancel the handler)
        # cannot stop the effect from happening at the end of the hold.
        task = asyncio.create_task(late())
        self._held.add(task)
        task.add_done_callback(self._forget)
        return await asyncio.shield(task)

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._held.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: an error answer nobody waited for is no error
