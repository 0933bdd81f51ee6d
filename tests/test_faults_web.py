"""Fault injection on the parent's web socket (#15): at 5 % and 20 % of frames the server drops
the connection (instead of a frame, or right after it) or the tab drops it after reading or
sending one; the tab reconnects and resumes as static/chat.js does (resume after the last id
it showed, then every message not acked yet, again, with its client id). Nothing may be lost
and nothing shown twice: each question answered once, each line of a talk once, in order."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests import db_inspect
from tests.faults import report
from tests.stress import size
from tests.web_world import Console, WebWorld

pytestmark = pytest.mark.stress

Frame = dict[str, Any]
QUESTIONS = ("wat is een opp", "wat is een tlv", "bestaat het rugzakje nog")
ASKERS, LINES = size(3, 30), size(3, 6)
WAIT = 60.0 if ASKERS > 3 else 30.0
_tabs = itertools.count(1)


def _abort(ws: Any) -> None:
    """Close a socket's TCP connection at once: no close frame, frames in flight are gone."""
    transport = getattr(getattr(ws, "_writer", None), "transport", None)
    if transport is not None:
        transport.abort()


class Drops:
    """Seeded connection drops: on the server's side of parents' sockets (not the console's)
    and in the tabs."""

    def __init__(self, rate: float, seed: int) -> None:
        self.rate, self.on = rate, False
        self.injected: Counter[str] = Counter()
        self._random = random.Random(seed)

    def draw(self, kinds: tuple[str, ...]) -> str | None:
        """One of `kinds` with probability `rate` / 2 (while on), else None: a frame is
        looked at twice (when the server sends it, when the tab reads it), so `rate` of the
        frames end their connection."""
        if not self.on or self._random.random() >= self.rate / 2:
            return None
        kind = self._random.choice(kinds)
        self.injected[kind] += 1
        return kind

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Every frame the server sends to a parent's tab may be the last of that socket."""
        real = web.WebSocketResponse.send_json

        async def send_json(ws: web.WebSocketResponse, data: Any, *args: Any, **kw: Any) -> None:
            request = getattr(ws, "_req", None)
            kind = self.draw(("server_before", "server_after")) if _is_tab(request) else None
            if kind == "server_before":
                _abort(ws)
                raise ConnectionResetError("dropped by the fault plan")
            await real(ws, data, *args, **kw)
            if kind == "server_after":
                _abort(ws)

        monkeypatch.setattr(web.WebSocketResponse, "send_json", send_json)


def _is_tab(request: Any) -> bool:
    return request is not None and request.path == "/ws"


class ResilientTab:
    """A parent's tab that behaves like static/chat.js across dropped connections."""

    def __init__(self, world: WebWorld, drops: Drops) -> None:
        self.world, self.drops = world, drops
        self.token = f"fault-session-{next(_tabs):04d}-abcdefghijklmn"
        self.client = world.session()
        self.view: dict[int, Frame] = {}  # message id -> the frame, as shown (first time)
        self.pending: dict[str, Frame] = {}  # client_id -> frame not acked yet
        self.sent: set[str] = set()  # every client id: chat.js shows those lines itself
        self.last_id, self.reconnects, self.repeated, self.skipped = 0, 0, 0, 0
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._resends: set[asyncio.Future[None]] = set()
        self._task = asyncio.create_task(self._run())

    @property
    def address(self) -> str:
        return self.world.surfaces.chat.address_for(self.token)

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        if self.ws is not None:
            await self.ws.close()

    async def _run(self) -> None:
        """Connect, resume, send what is not acked, read; on any drop: again."""
        url = f"{self.world.url}/ws?session={self.token}"
        while True:
            with contextlib.suppress(aiohttp.ClientError, ConnectionError, TimeoutError):
                self.ws = await self.client.ws_connect(url)
                await self.ws.send_json({"type": "resume", "after": self.last_id})
                if self.pending:  # like chat.js: one at a time, the oldest first
                    await self.ws.send_json(next(iter(self.pending.values())))
                async for message in self.ws:
                    if message.type != aiohttp.WSMsgType.TEXT:
                        break
                    self._frame(json.loads(message.data))
                    if self.drops.draw(("tab_after_read",)):
                        _abort(self.ws)
                        break
            if self.ws is not None:
                with contextlib.suppress(Exception):
                    await self.ws.close()
            self.ws = None
            self.reconnects += 1
            await asyncio.sleep(0.02)

    def _frame(self, frame: Frame) -> None:
        kind = frame.get("type")
        if kind == "message":
            number = int(frame["id"])
            if number <= self.last_id:  # chat.js shows only what is newer than it has
                self.repeated += number in self.view
                self.skipped += number not in self.view
                return
            self.view[number], self.last_id = frame, number
        elif kind == "ack":
            if self.pending.pop(frame["client_id"], None) is not None and self.pending:
                self._again(next(iter(self.pending)))  # the next in line
        elif kind == "error" and frame.get("code") in ("busy", "rate_limited"):
            asyncio.get_running_loop().call_later(0.5, self._again, frame.get("client_id"))

    def _again(self, client_id: str | None) -> None:
        frame = self.pending.get(client_id or "")
        if frame is not None and self.ws is not None:
            self._resends.add(task := asyncio.ensure_future(self._send(frame)))
            task.add_done_callback(self._resends.discard)

    async def _send(self, frame: Frame) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError, aiohttp.ClientError):
            if self.ws is not None:
                await self.ws.send_json(frame)
                if self.drops.draw(("tab_after_send",)):
                    _abort(self.ws)

    async def send(self, frame: Frame) -> str:
        """Send a text or button frame with a fresh client id; it is resent until acked."""
        client_id = f"f{next(self._ids)}"
        frame = frame | {"client_id": client_id}
        self.pending[client_id] = frame
        self.sent.add(client_id)
        if len(self.pending) == 1:  # otherwise it goes when the one before it is acked
            await self._send(frame)
        return client_id

    def texts(self, sender: str | None = None) -> list[str]:
        shown = [self.view[i] for i in sorted(self.view)]
        return [f["text"] for f in shown if sender is None or f["from"] == sender]

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT
        while not condition():
            if loop.time() > deadline:
                raise AssertionError(f"never shown: {what}; tab shows {self.texts()[-4:]}")
            await asyncio.sleep(0.02)

    async def press(self, button: str, next_button: str) -> None:
        await self.send({"type": "button", "id": button})
        await self.until(
            lambda: any(
                b["id"].startswith(next_button) for f in self.view.values() for b in f["buttons"]
            ),
            next_button,
        )


def shown_all(tab: ResilientTab, rows: list[tuple[Any, ...]]) -> bool:
    """Whether the tab shows every stored message that was not its own typed line."""
    return all(i in tab.view for i, sender, c in rows if sender != "parent" or c not in tab.sent)


async def asker(tab: ResilientTab, answers: dict[str, str]) -> None:
    """The welcome, then each question after the previous answer."""
    await tab.until(lambda: "Waar kan ik u mee helpen?" in tab.texts(), "the menu")
    for question in QUESTIONS:
        await tab.send({"type": "text", "text": question})
        await tab.until(lambda q=question: answers[q] in tab.texts("bot"), question)  # type: ignore[misc]


async def talker(world: WebWorld, tab: ResilientTab, eva: Console) -> int:
    """Into the queue, claimed by Eva, then LINES lines each way; returns the handoff id."""
    await tab.until(lambda: "Waar kan ik u mee helpen?" in tab.texts(), "the menu")
    await tab.press("m:person", "h:role:")
    await tab.press("h:role:advisor", "h:topic:")
    await tab.send({"type": "button", "id": "h:topic:autisme"})
    await tab.until(
        lambda: bool(world.rows("SELECT id FROM handoffs WHERE conversation_id = ?", tab.address)),
        "a handoff",
    )
    [(handoff,)] = world.rows("SELECT id FROM handoffs WHERE conversation_id = ?", tab.address)
    await eva.act("claim", handoff=handoff)
    await tab.until(lambda: any("is er nu voor u" in t for t in tab.texts()), "the claim")
    for i in range(LINES):
        await eva.act("say", handoff=handoff, text=f"Regel {i} van Eva")
        await tab.send({"type": "text", "text": f"Bericht {i} van de ouder over school"})
        await asyncio.sleep(0.05)
    await tab.until(lambda: f"Regel {LINES - 1} van Eva" in tab.texts("volunteer"), "the last line")
    return int(handoff)


@pytest.mark.parametrize("rate", [0.05, 0.20])
async def test_dropped_sockets_lose_nothing_and_show_nothing_twice(
    web_world: WebWorld, database, monkeypatch, rate: float
):
    drops = Drops(rate, seed=int(rate * 100))
    drops.install(monkeypatch)
    control = await web_world.parent()
    await control.messages()
    answers = {q: (await control.says(q))[0]["text"] for q in QUESTIONS}
    eva = await web_world.volunteer("Eva")
    drops.on = True
    askers = [ResilientTab(web_world, drops) for _ in range(ASKERS)]
    talking = ResilientTab(web_world, drops)
    tabs = [*askers, talking]
    try:
        done = await asyncio.gather(
            *(asker(t, answers) for t in askers), talker(web_world, talking, eva)
        )
        handoff = done[-1]

        def heard() -> list[str]:
            shown = [c for c in eva_state() if c["id"] == handoff]
            return (
                [m["text"] for m in shown[0]["messages"] if m["from"] == "parent"] if shown else []
            )

        def eva_state() -> list[Frame]:
            states = [f for f in eva.frames if f["type"] == "state"]
            return states[-1]["conversations"] if states else []

        last = f"Bericht {LINES - 1} van de ouder over school"
        await talking.until(lambda: not talking.pending, "an ack for every line")
        for _ in range(int(WAIT * 10)):
            await eva.quiet(0.1)
            if last in heard():
                break
        drops.on = False
        for tab in tabs:  # what waits for an ack is sent again on the next connection
            if tab.pending and tab.ws is not None:
                _abort(tab.ws)
        for tab in tabs:
            await tab.until(lambda t=tab: not t.pending, "an ack for every message")  # type: ignore[misc]
        await web_world.settled()
        missed: Counter[str] = Counter(skipped=sum(t.skipped for t in tabs))  # lost, by kind
        twice: Counter[str] = Counter()  # what was shown or stored twice, by kind
        for tab in tabs:  # every message stored for the tab is shown in it (its own lines
            # it showed when they were typed), and each line the parent typed is stored once
            rows = web_world.rows(
                "SELECT id, sender, client_id FROM web_messages WHERE address = ?", tab.address
            )
            await tab.until(lambda t=tab, r=rows: shown_all(t, r), "everything stored")  # type: ignore[misc]
            own = Counter(c for _, sender, c in rows if sender == "parent")
            missed["own line"] += len(tab.sent - set(own))
            missed["not acked"] += len(tab.pending)
            twice["own line"] += sum(n - 1 for n in own.values())
            twice["welcome"] += Counter(tab.texts("bot"))["Waar kan ik u mee helpen?"] - 1
        for tab in askers:
            shown = Counter(tab.texts("bot"))
            missed["answer"] += sum(shown[answers[q]] == 0 for q in QUESTIONS)
            twice["answer"] += sum(max(0, shown[answers[q]] - 1) for q in QUESTIONS)
        lines = [f"Regel {i} van Eva" for i in range(LINES)]
        said = [f"Bericht {i} van de ouder over school" for i in range(LINES)]
        relayed = [t for t in talking.texts("volunteer") if t in lines]
        relayed_back = [t for t in heard() if t in said]
        missed["relayed"] += len(set(lines) - set(relayed)) + len(set(said) - set(relayed_back))
        lost = sum(missed.values())
        twice["relayed"] += (
            len(relayed) - len(set(relayed)) + len(relayed_back) - len(set(relayed_back))
        )
        duplicated = sum(twice.values())
        figures = {
            "backend": "postgresql" if db_inspect.is_postgres(database) else "sqlite",
            "rate": rate,
            "faults": dict(sorted(drops.injected.items())),
            "reconnects": sum(t.reconnects for t in tabs),
            "messages": sum(len(t.view) for t in tabs),
            "sent_again_on_resume": sum(t.repeated for t in tabs),
            "lost": lost,
            "lost_by_kind": {k: n for k, n in sorted(missed.items()) if n},
            "duplicated": duplicated,
            "duplicated_by_kind": {k: n for k, n in sorted(twice.items()) if n},
        }
        report(f"web-{figures['backend']}-{int(rate * 100)}pct", figures)
        assert relayed == lines and relayed_back == said, "each line once, in order"
        assert lost == 0 and duplicated == 0
        assert sum(drops.injected.values()) > 0
    finally:
        drops.on = False
        for tab in tabs:
            await tab.close()
