"""The parent web chat over a WebSocket at /ws: the same engine as every channel.

A tab's random session token (sessionStorage) becomes a pseudonym here, at the edge. Every
text or button goes into the durable inbox under a key made from its `client_id`, so a message
resent after a reconnect counts once; the `ack` comes only once it is stored. Everything the
parent is shown is kept in the web log with a growing id (delivered by the courier from the
outbox), so `resume` after a reconnect sends exactly what the tab missed. The JSON protocol is
in the README.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from bot.app import Service
from bot.channels.web.live_log import LiveLog
from bot.channels.web.security import RateLimit
from bot.core.choices import HANDOFF
from bot.core.inbox import Arrival
from bot.core.keyed_locks import KeyedLocks
from bot.core.messages import Inbound, Outbound
from bot.core.text_input import normalise
from bot.core.texts import Texts
from bot.storage.contract import Tx
from bot.storage.records import WebMessage

log = logging.getLogger(__name__)
CHANNEL = "web"
MAX_TEXT_CHARS = 10_000
MAX_FRAME_BYTES = 64 * 1024
QUEUE_REFRESH_SECONDS = 15.0
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,128}")
_CLIENT_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer: anything bigger is not one of our ids
Frame = dict[str, Any]
TypingHook = Callable[[str, int], Awaitable[None]]


def message_frame(m: WebMessage) -> Frame:
    """A stored web message as the protocol's `message` frame."""
    return {
        "type": "message",
        "id": m.id,
        "from": m.sender,
        "name": m.name,
        "text": m.text,
        "buttons": [{"id": b.id, "label": b.label} for b in m.buttons],
        "at": m.at.isoformat().replace("+00:00", "Z"),
        "end": m.ends,
        **({"client_id": m.client_id} if m.client_id else {}),
    }


def shown_text(message: Outbound, texts: Texts) -> tuple[str, str]:
    """(sender, text) as the web shows them: a volunteer's words without the name that
    text-only channels put in front (the locale's `relay_to_parent`), because the page shows
    the name apart."""
    if message.author is None:
        return "bot", message.text
    prefix = texts.say("relay_to_parent", name=message.author, text="")
    text = message.text.removeprefix(prefix) if prefix else message.text
    return "volunteer", text


def _inbox_key(address: str, client_id: str) -> str:
    """The inbox key of one client message: unique per session, no pseudonym inside."""
    return hashlib.sha256(f"{address}\n{client_id}".encode()).hexdigest()[:40]


class WebChat:
    """Parents' sockets, their sessions' pseudonyms, and delivery to them."""

    def __init__(self, service: Service, secret: str, texts: dict[str, str]) -> None:
        self.service = service
        self.engine = service.engine
        self.store = service.store
        self.texts = texts
        self._key = secret.encode()
        self.sockets: dict[str, set[web.WebSocketResponse]] = {}
        self.limit = RateLimit(burst=8, per_seconds=10.0)
        self.typing_limit = RateLimit(burst=2, per_seconds=4.0)
        self.on_parent_typing: TypingHook | None = None  # the console shows it to the volunteer
        self._queue_told: dict[str, tuple[int | None, int | None]] = {}
        self.live = LiveLog(self.store)  # what this instance's tabs were sent
        self._resuming = KeyedLocks()  # per session: a resume and its greeting, one at a time
        service.web_notes.append(self.noted)
        service.courier.register(CHANNEL, self.deliver)
        service.inbox.serve(CHANNEL)

    def address_for(self, token: str) -> str:
        """The pseudonym of a session token (HMAC: the token itself is never stored)."""
        digest = hmac.new(self._key, token.encode(), hashlib.sha256).hexdigest()
        return f"{CHANNEL}:{digest[:32]}"

    # -- out -------------------------------------------------------------------------------

    async def deliver(self, message: Outbound) -> None:
        """The courier's send: keep the message in the web log, then push it to open tabs."""
        sender, text = shown_text(message, self.engine.texts)
        name = message.author or self.texts["bot_name"]
        stored = await self.store.transaction(
            lambda tx: tx.web.append(
                address=message.to,
                sender=sender,
                name=name,
                text=text,
                buttons=message.buttons,
                at=self.engine.clock(),
                ends=message.farewell,
            )
        )
        reached = 0
        if message.to in self.sockets:  # no tab here: its resume reads the log (and no entry
            async with self.live.lock(message.to):  # is kept for an address never open here)
                fresh = self.live.fresh(message.to, stored.id)
                reached = await self.push(message.to, message_frame(stored)) if fresh else 0
        if message.farewell and reached:  # the tab wipes itself: the farewell row goes too
            await self.store.transaction(lambda tx: tx.web.drop_log(address=message.to))
        elif message.to in self.sockets:
            await self._tell_queue(message.to)

    async def noted(self, address: str) -> None:
        """Another instance stored a line for `address`: tabs open here get it too."""
        if address in self.sockets:
            await self.live.catch_up(address, lambda m: self.push(address, message_frame(m)))

    async def push(self, address: str, frame: Frame) -> int:
        """Send a frame to every open tab of this session (a closed one is skipped); returns
        how many tabs it reached."""
        reached = 0
        for ws in list(self.sockets.get(address, ())):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_json(frame)
                reached += 1
        return reached

    async def volunteer_typing(self, conversation_id: str, name: str) -> None:
        """The volunteer is typing to this parent (only web parents see it)."""
        await self.push(conversation_id, {"type": "typing", "from": "volunteer", "name": name})

    # -- the socket ------------------------------------------------------------------------

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        """One tab's connection: status first, then frames until it closes."""
        token = request.query.get("session", "")
        fresh_token = not _TOKEN.fullmatch(token)
        if fresh_token:
            token = secrets.token_urlsafe(32)
        ws = web.WebSocketResponse(max_msg_size=MAX_FRAME_BYTES, heartbeat=25.0)
        await ws.prepare(request)
        address = self.address_for(token)
        try:  # live messages only once its resume is done (see _resume_now)
            if fresh_token:
                await ws.send_json({"type": "session", "token": token})
            await ws.send_json(self.status_frame())
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    await self._guarded(ws, address, frame.data)
                elif frame.type == WSMsgType.BINARY:
                    await self._error(ws, "bad_frame")
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            tabs = self.sockets.get(address, set())
            tabs.discard(ws)
            if not tabs:
                self.sockets.pop(address, None)
                self._queue_told.pop(address, None)
                self.live.forget(address)
        return ws

    def status_frame(self) -> Frame:
        """Whether people are there now, with the helpline's hours and contact."""
        settings = self.engine.settings
        values = settings.helpline.values(self.engine.texts)
        return {
            "type": "status",
            "open": settings.handoff.hours.is_open(self.engine.clock()),
            "opening_hours": values["openingstijden"],
            "contact": values["contact"],
        }

    async def _guarded(self, ws: web.WebSocketResponse, address: str, raw: str) -> None:
        """One frame; whatever goes wrong with it, the tab stays connected and hears it."""
        try:
            await self._frame(ws, address, raw)
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception as error:  # a bug or a broken database: never the parent's words
            log.error("web chat: a frame failed (%s)", type(error).__name__)
            await self._error(ws, "busy")

    async def _frame(self, ws: web.WebSocketResponse, address: str, raw: str) -> None:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
            data = None
        kind = data.get("type") if isinstance(data, dict) else None
        if kind == "resume" and isinstance(data, dict):
            after = data.get("after", 0)
            if (
                not isinstance(after, int)
                or isinstance(after, bool)
                or not 0 <= after <= MAX_ROW_ID
            ):
                await self._error(ws, "bad_frame")
                return
            await self._resume(ws, address, after)
        elif kind in ("text", "button") and isinstance(data, dict):
            await self._message(ws, address, data)
        elif kind == "typing":
            await self._typing(address)
        elif kind == "exit":
            await self._quick_exit(address)
        else:
            await self._error(ws, "bad_frame")

    async def _error(
        self, ws: web.WebSocketResponse, code: str, client_id: str | None = None
    ) -> None:
        frame: Frame = {"type": "error", "code": code, "text": self.texts[code]}
        if client_id is not None:
            frame["client_id"] = client_id
        await ws.send_json(frame)

    async def _message(self, ws: web.WebSocketResponse, address: str, data: Frame) -> None:
        """A typed text or a pressed button: into the inbox once, then `ack`."""
        client_id, now = data.get("client_id"), self.engine.clock()
        if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
            await self._error(ws, "bad_frame")
            return
        if data["type"] == "text":
            text = data.get("text")
            if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
                await self._error(ws, "too_long", client_id)
                return
            # storable as the parent's own line too: no lone surrogate or NUL, which SQLite
            # or PostgreSQL refuse (the tab would be told "busy" forever) (#15)
            text = normalise(text) if isinstance(text, str) else None
            if text is None or not text.strip():
                await self._error(ws, "bad_frame", client_id)
                return
            inbound = Inbound(address, CHANNEL, now, text=text)
        else:
            choice = data.get("id")
            if not isinstance(choice, str) or not 0 < len(choice.encode("utf-8", "replace")) <= 64:
                await self._error(ws, "bad_frame", client_id)
                return
            inbound = Inbound(address, CHANNEL, now, choice=choice)
        if not self.limit.allow(address):
            await self._error(ws, "rate_limited", client_id)
            return
        key = _inbox_key(address, client_id)
        own_words = functools.partial(_keep_own_words, key=key, inbound=inbound, client=client_id)
        try:
            fresh = await self.service.inbox.accept([Arrival(key, inbound)], own_words)
        except Exception as error:  # e.g. the database is locked: the tab sends it again
            log.warning("web chat: message not stored (%s)", type(error).__name__)
            await self._error(ws, "busy", client_id)
            return
        await ws.send_json({"type": "ack", "client_id": client_id, "duplicate": not fresh[0]})

    async def _resume(self, ws: web.WebSocketResponse, address: str, after: int) -> None:
        """Send what the tab missed; a session that was never shown anything is greeted. One
        resume per session at a time: a tab that reconnects while its greeting is still being
        stored must find it stored, not be greeted twice."""
        async with self._resuming.hold(address):
            await self._resume_now(ws, address, after)

    async def _resume_now(self, ws: web.WebSocketResponse, address: str, after: int) -> None:
        async with self.live.lock(address):
            missed = await self.store.read(lambda tx: tx.web.after(address=address, last_id=after))
            for message in missed:
                await ws.send_json(message_frame(message))
            # Pushed to from now on, not before: a live message must never reach a tab ahead
            # of what it missed (it shows only ids above the last one it has).
            self.sockets.setdefault(address, set()).add(ws)
            self.live.seen(address, max([after, *(m.id for m in missed)]))
        if any(m.ends for m in missed):  # a tab that missed the farewell has it now
            await self.store.transaction(lambda tx: tx.web.drop_log(address=address))
            return
        if after == 0 and not missed:
            for reply in await self.engine.greet(address, CHANNEL):
                await self.deliver(reply)
        await self._tell_queue(address, force=True)

    async def _quick_exit(self, address: str) -> None:
        """ "Snel weg": the page is gone with its token, so a waiting or live conversation ends
        as if the parent stopped it (the volunteer is told, and stops writing to nobody)."""
        handoff = await self.store.read(lambda tx: tx.queue.latest_for(conversation_id=address))
        if handoff is None or not handoff.is_open:
            return
        stop = Inbound(address, CHANNEL, self.engine.clock(), choice=f"{HANDOFF}stop:{handoff.id}")
        await self.service.inbox.accept([Arrival(_inbox_key(address, f"exit:{handoff.id}"), stop)])

    async def _typing(self, address: str) -> None:
        """Tell the volunteer on the console that this parent is typing."""
        if self.on_parent_typing is None or not self.typing_limit.allow(address):
            return
        target = await self.store.read(functools.partial(_talking_to, address=address))
        if target is not None:
            await self.on_parent_typing(*target)

    # -- the live queue place --------------------------------------------------------------

    async def _tell_queue(self, address: str, force: bool = False) -> None:
        """A `queue` frame when the parent's place or expected wait changed."""
        place = await self.store.read(functools.partial(self._place, address=address))
        if force or self._queue_told.get(address) != place:
            self._queue_told[address] = place
            await self.push(address, {"type": "queue", "place": place[0], "wait_minutes": place[1]})

    def _place(self, tx: Tx, address: str) -> tuple[int | None, int | None]:
        handoff = tx.queue.latest_for(address)
        if handoff is None or handoff.status != "queued":
            return None, None
        wait = self.engine.desk.wait_for(tx, handoff)
        return wait.position, wait.minutes

    async def keep_queue_places(self, every: float = QUEUE_REFRESH_SECONDS) -> None:
        """While tabs are open, their queue place stays live (others were picked up)."""
        while True:
            await asyncio.sleep(every)
            for address in list(self.sockets):
                try:
                    await self._tell_queue(address)
                except Exception as error:  # storage busy: the next round tries again
                    log.warning("web chat: queue place not updated (%s)", type(error).__name__)

    async def close_all(self) -> None:
        """Close every tab's socket cleanly (server stopping); they reconnect and resume."""
        for tabs in list(self.sockets.values()):
            for ws in list(tabs):
                with contextlib.suppress(Exception):
                    await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")


def _keep_own_words(tx: Tx, key: str, inbound: Inbound, client: str) -> None:
    """Keep the parent's own line for a reloaded page, in the transaction that stores their
    message, once (a resend with the same client_id adds nothing; the lock makes a resend
    on a new socket wait while the old socket's store of it commits, on PostgreSQL)."""
    tx.lock(f"web-own:{key}")
    if tx.inbox.known(CHANNEL, key):
        return
    address = inbound.conversation_id
    text = inbound.text
    if inbound.choice is not None:
        text = tx.web.button_label(address, inbound.choice)
    if text:
        tx.web.append(address, "parent", "", text, (), inbound.at, client_id=client)


def _talking_to(tx: Tx, address: str) -> tuple[str, int] | None:
    """(volunteer's console address, handoff id) when this parent talks to someone there."""
    handoff = tx.queue.latest_for(address)
    if handoff is None or handoff.status != "active":
        return None
    volunteer = tx.registry.find(handoff.volunteer_id)
    if volunteer is None or volunteer.address is None or volunteer.channel != "console":
        return None
    return volunteer.address, handoff.id
