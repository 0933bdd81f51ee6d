"""A parent's web chat tab that survives the server being killed, for the crash tests
(tests/crash_instances.py): it does what bot/channels/web/static/chat.js does, over a real
WebSocket to one of the instances' web ports.

Every text or button gets a client id and stays pending until the server acknowledges it
(`ack`: stored in the durable inbox); when the socket ends, the tab reconnects (to the next
instance in turn), asks to `resume` after the last message id it showed, and sends every
pending frame again with its old client id. A message frame with an id it showed before is
ignored, as the page does; so what counts as shown twice is two stored rows, not one row seen
over two sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Callable
from typing import Any

import aiohttp

Frame = dict[str, Any]
RETRY_ERRORS = ("busy", "rate_limited")  # the page sends these again, a moment later


class WebTab:
    """One tab (one session token) talking to whichever instance answers."""

    def __init__(self, urls: list[str], token: str, name: str) -> None:
        self.urls, self.token, self.name = urls, token, name
        self.last_id = 0
        self.shown: list[Frame] = []  # message frames, each row once, in order
        self.sent: dict[str, str] = {}  # client id -> the text (or button id) sent
        self.acked: set[str] = set()  # client ids the server confirmed it stored
        self.pending: dict[str, Frame] = {}  # sent, not yet acknowledged
        self.reconnects = 0
        self.errors: list[str] = []  # error codes the tab got that it does not retry
        self._ids = itertools.count(1)
        self._turn = itertools.count()
        self._news = asyncio.Event()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._client: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._resends: set[asyncio.Future[None]] = set()

    async def __aenter__(self) -> WebTab:
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.close()

    # -- what the parent does --------------------------------------------------------------

    async def says(self, text: str) -> str:
        """Type `text`; returns its client id (acknowledged later, maybe after a restart)."""
        return await self._submit({"type": "text", "text": text}, text)

    async def presses(self, label: str, after: int = 0, wait: float = 60.0) -> bool:
        """Press the button whose label starts with `label` on the latest message that has
        one (among those after the first `after` shown), once it is there."""
        found = await self.wait(lambda: self._button(label, after), wait)
        if found is None:
            return False
        await self._submit({"type": "button", "id": found}, found)
        return True

    def count(self, text: str, sender: str | None = None) -> int:
        """How many shown messages contain `text` (from `sender` if given)."""
        return sum(
            text in str(m.get("text", "")) and sender in (None, m.get("from")) for m in self.shown
        )

    async def wait(self, found: Callable[[], Any], timeout: float) -> Any:
        """`found()` once it is truthy; its last value (falsy) after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (value := found()) and loop.time() < deadline:
            self._news.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._news.wait(), min(1.0, deadline - loop.time()))
        return value

    async def arrives(
        self, text: str, times: int = 1, wait: float = 60.0, sender: str = ""
    ) -> bool:
        """Wait until `text` was shown `times` times (from `sender` if given)."""
        return bool(await self.wait(lambda: self.count(text, sender or None) >= times, wait))

    # -- the connection --------------------------------------------------------------------

    def _button(self, label: str, after: int) -> str | None:
        for message in reversed(self.shown[after:]):
            for button in message.get("buttons", []):
                if str(button.get("label", "")).startswith(label):
                    return str(button["id"])
        return None

    async def _submit(self, frame: Frame, what: str) -> str:
        client_id = f"{self.name}-{next(self._ids)}"
        frame = {**frame, "client_id": client_id}
        self.sent[client_id] = what
        self.pending[client_id] = frame
        await self._send(frame)
        return client_id

    async def _send(self, frame: Frame) -> None:
        """Send now if connected; else the reconnect sends it (it stays pending)."""
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError, aiohttp.ClientError):
                await self._ws.send_json(frame)

    async def _run(self) -> None:
        """Connect, resume, resend what is pending, read until the socket ends; again."""
        assert self._client is not None
        while True:
            url = self.urls[next(self._turn) % len(self.urls)]
            try:
                async with self._client.ws_connect(
                    f"{url}/ws?session={self.token}", heartbeat=5.0
                ) as ws:
                    self._ws = ws
                    await ws.send_json({"type": "resume", "after": self.last_id})
                    for frame in list(self.pending.values()):
                        await ws.send_json(frame)
                    async for message in ws:
                        if message.type == aiohttp.WSMsgType.TEXT:
                            await self._frame(json.loads(message.data))
            except (aiohttp.ClientError, ConnectionError, OSError, TimeoutError):
                pass
            self._ws = None
            self.reconnects += 1
            await asyncio.sleep(0.2)

    async def _frame(self, frame: Frame) -> None:
        kind = frame.get("type")
        if kind == "message" and int(frame["id"]) > self.last_id:
            self.last_id = int(frame["id"])
            self.shown.append(frame)
        elif kind == "ack":
            client_id = str(frame["client_id"])
            self.acked.add(client_id)
            self.pending.pop(client_id, None)
        elif kind == "error" and frame.get("client_id") in self.pending:
            if frame.get("code") in RETRY_ERRORS:
                asyncio.get_running_loop().call_later(1.0, self._resend, frame["client_id"])
            else:
                self.errors.append(str(frame.get("code")))
                self.pending.pop(str(frame["client_id"]), None)
        self._news.set()

    def _resend(self, client_id: str) -> None:
        if client_id in self.pending:
            task = asyncio.ensure_future(self._send(self.pending[client_id]))
            self._resends.add(task)
            task.add_done_callback(self._resends.discard)
