"""The web surfaces on a real aiohttp server at 127.0.0.1 with a real SQLite file, and
clients that make tests read like transcripts: a parent's tab over /ws and a volunteer's
console (login link, cookie, CSRF token, /console/ws)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.app import Content, Service, Wiring, default_settings
from bot.channels.web.console_auth import new_login_link
from bot.channels.web.server import WebSurfaces, build_app, build_surfaces
from bot.core.engine import EngineSettings
from bot.storage import AsyncStore, Tx
from bot.web_settings import WebSettings
from faq.knowledge import KnowledgeSources
from faq.loader import DEFAULT_CONTENT_DIR
from handoff.hours import OpeningHours
from handoff.settings import HandoffSettings
from tests import db_inspect
from tests.raw_sql import sql_of

ALWAYS_OPEN = EngineSettings(handoff=HandoffSettings(hours=OpeningHours.always_open()))
Frame = dict[str, Any]
_ids = itertools.count(1)


class WebWorld:
    """`ouderlijn run`'s web part, started by a test."""

    def __init__(
        self,
        tmp_path: Path,
        content: Content,
        web_settings: WebSettings | None = None,
        engine_settings: EngineSettings = ALWAYS_OPEN,
        database: str | Path | None = None,
    ) -> None:
        self.db_path = tmp_path / "ouderlijn.db"
        self.database = database or self.db_path
        url = str(self.database) if db_inspect.is_postgres(self.database) else None
        self.content = content
        # The review desk writes phrasings into the FAQ files: a copy, never the shipped ones.
        copy = tmp_path / "faq-content"
        shutil.copytree(DEFAULT_CONTENT_DIR, copy, dirs_exist_ok=True)
        self.settings = replace(
            default_settings(),
            db_path=self.db_path,
            database_url=url,
            web=web_settings or WebSettings(port=0),
            knowledge=replace(KnowledgeSources(), content_dir=copy),
        )
        self.engine_settings = engine_settings
        self.tasks: list[asyncio.Task[None]] = []
        self.clients: list[aiohttp.ClientSession] = []

    async def start(self) -> WebWorld:
        self.store = await AsyncStore.open(self.database)
        wiring = Wiring(self.settings, content=self.content, engine_settings=self.engine_settings)
        self.service: Service = wiring.service(
            self.store,
            courier_options={"retry_seconds": 0.05, "hold_seconds": 0.0},
            inbox_options={"retry_seconds": 0.05},
        )
        self.surfaces: WebSurfaces = await build_surfaces(self.service)
        self.app = build_app(self.service, self.surfaces)
        self.runner = web.AppRunner(self.app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = getattr(site, "_server", None)
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{self.port}"
        self.tasks = [
            asyncio.create_task(self.service.courier.run(0.2)),
            asyncio.create_task(self.service.inbox.run(0.2)),
            asyncio.create_task(self.surfaces.console.keep_looking(0.1)),
            asyncio.create_task(self.surfaces.chat.keep_queue_places(0.2)),
        ]
        return self

    async def __aenter__(self) -> WebWorld:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        for client in self.clients:
            await client.close()
        await self.surfaces.chat.close_all()
        await self.surfaces.console.close_all()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.runner.cleanup()
        await self.store.close()

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the SQLite file itself, as an auditor would (a separate connection)."""
        return db_inspect.rows(self.database, sql, *params)

    def tables_holding(self, text: str) -> list[str]:
        """Every table with a text column that contains `text` (e.g. after /vergeet)."""
        return db_inspect.tables_holding(self.database, text)

    async def until_shown(self, tab: WebParent, text: str, timeout: float = 5.0) -> None:
        """Wait until a message with `text` is in the tab's web log (the courier stored it)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        query = "SELECT 1 FROM web_messages WHERE address = ? AND text = ?"
        while not self.rows(query, tab.address, text):
            if loop.time() > deadline:
                raise TimeoutError(f"never stored: {text!r}")
            await asyncio.sleep(0.05)

    async def settled(self, timeout: float = 10.0) -> None:
        """Wait until every stored message is handled and every reply delivered."""

        def busy(tx: Tx) -> int:
            waiting = sql_of(tx).execute("SELECT count(*) FROM inbox WHERE handled_at IS NULL")
            return int(waiting.fetchone()[0]) + int(
                sql_of(tx).execute("SELECT count(*) FROM outbox").fetchone()[0]
            )

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while await self.store.read(busy) and loop.time() < deadline:
            await asyncio.sleep(0.01)

    def session(self) -> aiohttp.ClientSession:
        client = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.clients.append(client)
        return client

    async def parent(self, token: str | None = None) -> WebParent:
        token = token or f"test-session-token-{next(_ids):04d}-abcdefgh"
        tab = WebParent(self, self.session(), token)
        await tab.connect()
        return tab

    async def add_volunteer(self, name: str, role: str, topics: tuple[str, ...] = ()) -> int:
        now = self.service.engine.clock()

        def work(tx: Tx) -> int:
            volunteer, _ = tx.registry.add(name, role, list(topics), 3, now, 7)
            return volunteer.id

        return int(await self.store.transaction(work))

    async def login_link(self, volunteer_id: int) -> str:
        now = self.service.engine.clock()
        token = await self.store.transaction(
            lambda tx: new_login_link(tx, volunteer_id, now, self.settings.web.login_minutes)
        )
        return f"{self.url}/console/login?token={token}"

    async def volunteer(self, name: str, role: str = "advisor") -> Console:
        volunteer_id = await self.add_volunteer(name, role)
        console = Console(self, self.session(), volunteer_id)
        await console.login(await self.login_link(volunteer_id))
        await console.connect()
        return console


class Tab:
    """Shared frame handling of a WebSocket client."""

    ws: aiohttp.ClientWebSocketResponse

    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self._seen = 0

    async def _read(self, timeout: float) -> Frame:
        message = await self.ws.receive(timeout=timeout)
        if message.type != aiohttp.WSMsgType.TEXT:
            raise ConnectionError(f"socket ended: {message.type}")
        frame: Frame = json.loads(message.data)
        self.frames.append(frame)
        return frame

    async def wait_for(self, kind: str, timeout: float = 5.0, **match: Any) -> Frame:
        """The next unread frame of `kind` (with the given fields), reading as needed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for i in range(self._seen, len(self.frames)):
                frame = self.frames[i]
                if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
                    self._seen = i + 1
                    return frame
            self._seen = len(self.frames)
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"no {kind} frame {match or ''}; got {self.frames[-5:]}")
            await self._read(left)

    async def quiet(self, seconds: float = 0.3) -> list[Frame]:
        """Every frame that arrives until the socket is quiet for `seconds` (they stay
        unread for `wait_for`)."""
        got = []
        with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
            while True:
                got.append(await self._read(seconds))
        return got

    async def send(self, frame: Frame) -> None:
        await self.ws.send_json(frame)

    async def reply_to(self, client_id: str, timeout: float = 5.0) -> Frame:
        """The `ack` or `error` answering one client message (looks at every frame read)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for frame in self.frames:
                if frame.get("type") in ("ack", "error") and frame.get("client_id") == client_id:
                    return frame
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"no answer to {client_id}; got {self.frames[-5:]}")
            await self._read(left)


class WebParent(Tab):
    """A parent's browser tab."""

    def __init__(self, world: WebWorld, client: aiohttp.ClientSession, token: str) -> None:
        super().__init__()
        self.world, self.client, self.token = world, client, token
        self.last_id = 0

    @property
    def address(self) -> str:
        """The session's pseudonym on the server (the token itself is never stored)."""
        return self.world.surfaces.chat.address_for(self.token)

    async def connect(self, resume: bool = True) -> None:
        self.ws = await self.client.ws_connect(f"{self.world.url}/ws?session={self.token}")
        if resume:
            await self.send({"type": "resume", "after": self.last_id})

    async def messages(self, seconds: float | None = None) -> list[Frame]:
        """The message frames that arrive until the tab is quiet (last id remembered); by
        default once the server has handled and delivered everything stored."""
        if seconds is None:
            await self.world.settled()
            seconds = 0.1
        await self.quiet(seconds)
        got = [f for f in self.frames[self._seen :] if f["type"] == "message"]
        self._seen = len(self.frames)
        if got:
            self.last_id = max(self.last_id, max(f["id"] for f in got))
        return got

    async def says(self, text: str, client_id: str | None = None) -> list[Frame]:
        """Type a message; returns the bot's (or volunteer's) messages that follow it."""
        client_id = client_id or f"c{next(_ids)}"
        return await self._answered({"type": "text", "text": text, "client_id": client_id})

    async def presses(self, button_id: str) -> list[Frame]:
        client_id = f"c{next(_ids)}"
        return await self._answered({"type": "button", "id": button_id, "client_id": client_id})

    async def _answered(self, frame: Frame) -> list[Frame]:
        """Send, wait for the ack, then every message since (a reply may beat the ack)."""
        unread = self._seen
        await self.send(frame)
        await self.wait_for("ack", client_id=frame["client_id"])
        self._seen = unread
        return await self.messages()

    async def reconnect(self) -> list[Frame]:
        await self.ws.close()
        await self.connect()
        return await self.messages()

    async def asks_for_person(self, role: str = "advisor", topic: str = "autisme") -> list[Frame]:
        """Menu → "Praat met een mens" → role → topic: the parent joins the queue."""
        await self.presses("m:person")
        await self.presses(f"h:role:{role}")
        return await self.presses(f"h:topic:{topic}")

    def queue_places(self) -> list[int | None]:
        return [f["place"] for f in self.frames if f["type"] == "queue"]


def button_ids(frames: list[Frame]) -> list[str]:
    return [b["id"] for f in frames for b in f.get("buttons", [])]


class Console(Tab):
    """A volunteer's browser with the console open."""

    def __init__(self, world: WebWorld, client: aiohttp.ClientSession, volunteer_id: int) -> None:
        super().__init__()
        self.world, self.client, self.volunteer_id = world, client, volunteer_id
        self.csrf = ""
        self._desk_seen = 0

    async def login(self, link: str) -> aiohttp.ClientResponse:
        page = await self.client.get(link)
        token = re.search(r'name="token" value="([^"]+)"', await page.text())
        assert token is not None, "the login page shows a form with the token"
        response = await self.client.post(
            f"{self.world.url}/console/login",
            data={"token": token.group(1)},
            headers={"Origin": self.world.url},
        )
        html = await response.text()
        if "data-csrf" not in html:  # a coordinator lands on /dashboard; the console has it
            html = await (await self.client.get(f"{self.world.url}/console")).text()
        found = re.search(r'data-csrf="([^"]+)"', html)
        self.csrf = found.group(1) if found else ""
        return response

    async def connect(self) -> None:
        self.ws = await self.client.ws_connect(
            f"{self.world.url}/console/ws?csrf={self.csrf}", headers={"Origin": self.world.url}
        )

    async def act(self, kind: str, **fields: Any) -> None:
        client_id = f"v{next(_ids)}"
        await self.send({"type": kind, "client_id": client_id, **fields})
        await self.wait_for("ack", client_id=client_id)

    async def state(self, timeout: float = 5.0, **_: Any) -> Frame:
        """The newest state frame, once an unread one came (within a second when a state was
        shown before: the server sends only changes, so else the last one still holds)."""
        shown = any(f["type"] == "state" for f in self.frames)
        try:
            await self.wait_for("state", min(timeout, 1.0) if shown else timeout)
        except TimeoutError:
            if not shown:
                raise
        await self.quiet(0.3)
        return [f for f in self.frames if f["type"] == "state"][-1]

    async def desk(self, timeout: float = 5.0, button: str | None = None) -> Frame:
        """The next desk message not returned before (reading a state does not skip it);
        with `button`, the next one with a button whose id starts with it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for i in range(self._desk_seen, len(self.frames)):
                frame = self.frames[i]
                if frame.get("type") != "desk":
                    continue
                ids = [b["id"] for b in frame["message"]["buttons"]]
                if button is None or any(x.startswith(button) for x in ids):
                    self._desk_seen = i + 1
                    return frame["message"]  # type: ignore[no-any-return]
            left = deadline - loop.time()
            if left <= 0:
                raise TimeoutError(f"no desk message {button or ''}; got {self.frames[-5:]}")
            await self._read(left)

    async def first_in_queue(self, timeout: float = 5.0) -> int:
        """The id of the first handoff in the newest state's queue (waiting until there is one)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            await self.quiet(0.1)
            states = [f for f in self.frames if f["type"] == "state"]
            if states and states[-1]["queue"]:
                return int(states[-1]["queue"][0]["id"])
            if loop.time() > deadline:
                raise TimeoutError("the queue stayed empty")
