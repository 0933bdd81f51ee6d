"""The volunteer console's socket (/console/ws): the same engine and queue as Telegram.

Every action becomes an `Inbound` from the volunteer's console address, stored in the inbox
first (its `client_id` makes a resend count once), so claims, replies, notes, pass-on, release
and close follow exactly the rules volunteers on Telegram have (confirmations included). What
the bot says to the volunteer is kept in the web log and shown in the desk panel; the `state`
frame (queue and conversations) is sent at connect, after every delivery and whenever a look
every second finds it changed (another volunteer claimed, a parent joined the queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
from typing import Any, TypeGuard

import yaml
from aiohttp import WSCloseCode, WSMsgType, web

from bot.app import Service
from bot.channels.web.console_auth import CONSOLE_CHANNEL, ConsoleAuth, Signed
from bot.channels.web.console_presence import Presence
from bot.channels.web.console_state import snapshot
from bot.channels.web.live_log import LiveLog
from bot.channels.web.pages import LOCALES, problem
from bot.channels.web.parent_chat import MAX_FRAME_BYTES, MAX_ROW_ID, MAX_TEXT_CHARS, WebChat
from bot.channels.web.security import RateLimit
from bot.core.choices import VOLUNTEER
from bot.core.inbox import Arrival
from bot.core.messages import Inbound, Outbound
from bot.storage.contract import Tx
from bot.storage.records import WebMessage

log = logging.getLogger(__name__)
DESK_HISTORY = 30  # desk messages sent again at connect
STATE_LOOK_SECONDS = 1.0
_ACTIONS = {"pass": "passmenu", "release": "release", "close": "closemenu"}
Frame = dict[str, Any]


def load_canned() -> list[dict[str, str]]:
    """Canned replies (`bot/locales/canned_nl.yaml`): a list of {label, text}."""
    path = LOCALES / "canned_nl.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise problem(path, str(error)) from None
    if not isinstance(data, list) or not all(
        isinstance(x, dict) and isinstance(x.get("label"), str) and isinstance(x.get("text"), str)
        for x in data
    ):
        raise problem(path, "expected a list of {label, text}")
    return [{"label": x["label"], "text": x["text"]} for x in data]


class ConsoleDesk:
    """Volunteers' console sockets and delivery of the bot's messages to them."""

    def __init__(
        self, service: Service, auth: ConsoleAuth, chat: WebChat, texts: dict[str, str]
    ) -> None:
        self.service = service
        self.engine = service.engine
        self.store = service.store
        self.auth = auth
        self.chat = chat
        self.texts = texts
        self.canned = load_canned()
        self.sockets: dict[int, set[web.WebSocketResponse]] = {}
        self._cookies: dict[web.WebSocketResponse, str] = {}  # which session each socket is
        self._shown: dict[int, str] = {}  # volunteer id -> the last state sent (JSON)
        self.limit = RateLimit(burst=20, per_seconds=10.0)
        self.live = LiveLog(self.store)  # what this instance's consoles were sent
        service.web_notes.append(self.noted)
        service.courier.register(CONSOLE_CHANNEL, self.deliver)
        service.inbox.serve(CONSOLE_CHANNEL)
        chat.on_parent_typing = self.parent_typing
        auth.on_signed_out = self.signed_out
        self.presence = Presence(service)

    # -- out -------------------------------------------------------------------------------

    async def deliver(self, message: Outbound) -> None:
        """The courier's send: keep the bot's message for the desk panel, push it, refresh.
        A parent's relayed words (`author` is their label) show in their tab, not the panel."""
        volunteer_id = _volunteer_id(message.to)
        if message.author is not None:
            if volunteer_id is not None:
                await self.refresh(volunteer_id)
            return
        text = message.text
        stored = await self.store.transaction(
            lambda tx: tx.web.append(
                address=message.to,
                sender="bot",
                name=self.texts["bot_name"],
                text=text,
                buttons=message.buttons,
                at=self.engine.clock(),
                about=message.about,
            )
        )
        if volunteer_id is not None:
            async with self.live.lock(message.to):
                if self.live.fresh(message.to, stored.id):
                    await self._push(volunteer_id, _desk_frame(stored))
            await self.refresh(volunteer_id)

    async def noted(self, address: str) -> None:
        """Another instance stored a desk message for `address`: consoles open here get it."""
        volunteer_id = _volunteer_id(address)
        if volunteer_id is None or volunteer_id not in self.sockets:
            return
        await self.live.catch_up(address, lambda m: self._push(volunteer_id, _desk_frame(m)))
        await self.refresh(volunteer_id)

    async def _push(self, volunteer_id: int, frame: Frame) -> None:
        for ws in list(self.sockets.get(volunteer_id, ())):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_json(frame)

    async def refresh(self, volunteer_id: int, force: bool = False) -> None:
        """Send the volunteer's state if it changed since it was last sent."""
        if volunteer_id not in self.sockets:
            return
        state = await self.store.read(functools.partial(self._state, volunteer_id=volunteer_id))
        if state is None:  # removed meanwhile: their sockets close
            for ws in list(self.sockets.get(volunteer_id, ())):
                await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"signed out")
            return
        shown = json.dumps(state, sort_keys=True, ensure_ascii=False)
        if force or self._shown.get(volunteer_id) != shown:
            self._shown[volunteer_id] = shown
            await self._push(volunteer_id, state | {"canned": self._canned(state)})

    def _state(self, tx: Tx, volunteer_id: int) -> Frame | None:
        volunteer = tx.registry.find(volunteer_id)
        if volunteer is None:
            return None
        return snapshot(tx, volunteer, self.engine.texts, self.engine.notices, self.engine.clock())

    def _canned(self, state: Frame) -> list[dict[str, str]]:
        name = str(state["me"]["name"])
        return [
            {"label": c["label"], "text": c["text"].replace("{name}", name)} for c in self.canned
        ]

    async def keep_looking(self, every: float = STATE_LOOK_SECONDS) -> None:
        """Queue changes by others reach every open console within a second."""
        looks = 0
        while True:
            await asyncio.sleep(every)
            looks += 1
            try:
                if looks % 30 == 0:  # sessions that expired while their console was open
                    await self._close_expired()
                for volunteer_id in list(self.sockets):
                    await self.refresh(volunteer_id)
            except Exception as error:  # storage busy: the next look tries again
                log.warning("console: state not refreshed (%s)", type(error).__name__)

    async def parent_typing(self, address: str, handoff_id: int) -> None:
        volunteer_id = _volunteer_id(address)
        if volunteer_id is not None:
            await self._push(volunteer_id, {"type": "typing", "handoff": handoff_id})

    # -- the socket ------------------------------------------------------------------------

    async def socket(self, request: web.Request) -> web.StreamResponse:
        """A logged-in volunteer's console: session, CSRF token and origin are checked first."""
        signed = await self.auth.signed_in(request)
        if signed is None or not self.auth.same_origin(request):
            raise web.HTTPForbidden(text="not signed in")
        if not self.auth.check_csrf(request.query.get("csrf"), signed):
            raise web.HTTPForbidden(text="csrf")
        ws = web.WebSocketResponse(max_msg_size=MAX_FRAME_BYTES, heartbeat=25.0)
        await ws.prepare(request)
        vid = signed.volunteer.id
        self.sockets.setdefault(vid, set()).add(ws)
        self._cookies[ws] = signed.cookie
        try:
            self.presence.came(vid)
            await self._greet(ws, vid)
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    await self._guarded(ws, signed, frame.data)
                elif frame.type == WSMsgType.BINARY:  # said, not silently dropped (#15)
                    await self._error(ws, "console_bad_frame")
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._cookies.pop(ws, None)
            tabs = self.sockets.get(vid, set())
            tabs.discard(ws)
            if not tabs:
                self.sockets.pop(vid, None)
                self._shown.pop(vid, None)
                self.live.forget(f"{CONSOLE_CHANNEL}:{vid}")
                self.presence.gone(vid)
        return ws

    async def _greet(self, ws: web.WebSocketResponse, volunteer_id: int) -> None:
        address = f"{CONSOLE_CHANNEL}:{volunteer_id}"
        recent = await self.store.read(
            functools.partial(_recent_desk, address=address, limit=DESK_HISTORY)
        )
        async with self.live.lock(address):
            for message in recent:
                await ws.send_json(_desk_frame(message))
            self.live.seen(address, max([0, *(m.id for m in recent)]))
        await self.refresh(volunteer_id, force=True)

    async def _guarded(self, ws: web.WebSocketResponse, signed: Signed, raw: str) -> None:
        """One frame, from a session that is still valid; an error never closes the console."""
        if await self.auth.session_of(signed.cookie) is None:  # logged out or expired
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"signed out")
            return
        try:
            await self._frame(ws, signed, raw)
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception as error:
            log.error("console: a frame failed (%s)", type(error).__name__)
            await self._error(ws, "console_busy")

    async def signed_out(self, cookie: str) -> None:
        """A session ended (logout): its open consoles close at once (1008: signed out)."""
        for ws, owner in list(self._cookies.items()):
            if owner == cookie:
                with contextlib.suppress(Exception):
                    await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"signed out")

    async def _close_expired(self) -> None:
        for ws, cookie in list(self._cookies.items()):
            if await self.auth.session_of(cookie) is None:
                with contextlib.suppress(Exception):
                    await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"signed out")

    async def _frame(self, ws: web.WebSocketResponse, signed: Signed, raw: str) -> None:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested too deep
            data = None
        if not isinstance(data, dict):
            await self._error(ws, "console_bad_frame")
            return
        kind = data.get("type")
        if kind == "typing":
            await self._volunteer_typing(signed, data.get("handoff"))
            return
        client_id = data.get("client_id")
        inbound = self._inbound(signed, data)
        if inbound is None or not isinstance(client_id, str) or not 0 < len(client_id) <= 64:
            await self._error(ws, "console_bad_frame")
            return
        if not self.limit.allow(str(signed.volunteer.id)):
            await self._error(ws, "console_rate_limited")
            return
        key = hashlib.sha256(f"{inbound.conversation_id}\n{client_id}".encode()).hexdigest()[:40]
        try:
            await self.service.inbox.accept([Arrival(key, inbound)])
        except Exception as error:
            log.warning("console: action not stored (%s)", type(error).__name__)
            await self._error(ws, "console_busy")
            return
        await ws.send_json({"type": "ack", "client_id": client_id})

    def _inbound(self, signed: Signed, data: Frame) -> Inbound | None:
        """The engine's view of a console action: a press (with text for say, note, block)."""
        kind, handoff = data.get("type"), data.get("handoff")
        address, now = f"{CONSOLE_CHANNEL}:{signed.volunteer.id}", self.engine.clock()
        target = handoff if _row_id(handoff) else None
        text = data.get("text")
        if kind == "available" and isinstance(data.get("value"), bool):
            choice = f"{VOLUNTEER}{'available' if data['value'] else 'away'}"
            return Inbound(address, CONSOLE_CHANNEL, now, choice=choice)
        if kind == "press" and isinstance(data.get("id"), str) and data["id"].startswith(VOLUNTEER):
            return Inbound(address, CONSOLE_CHANNEL, now, choice=data["id"][:64])
        if target is None:
            return None
        if kind == "claim":
            return Inbound(address, CONSOLE_CHANNEL, now, choice=f"{VOLUNTEER}claim:{target}")
        if kind == "action" and data.get("action") in _ACTIONS:
            choice = f"{VOLUNTEER}{_ACTIONS[data['action']]}:{target}"
            return Inbound(address, CONSOLE_CHANNEL, now, choice=choice)
        if (
            kind in ("say", "note", "block")
            and isinstance(text, str)
            and 0 < len(text) <= MAX_TEXT_CHARS
        ):
            choice = f"{VOLUNTEER}{kind}:{target}"
            return Inbound(address, CONSOLE_CHANNEL, now, text=text, choice=choice)
        return None

    async def _volunteer_typing(self, signed: Signed, handoff_id: object) -> None:
        if not _row_id(handoff_id) or not self.chat.typing_limit.allow(f"v{handoff_id}"):
            return
        found = await self.store.read(lambda tx: tx.queue.get(handoff_id=handoff_id))
        if (
            found is not None
            and found.status == "active"
            and found.volunteer_id == signed.volunteer.id
        ):
            await self.chat.volunteer_typing(found.conversation_id, signed.volunteer.name)

    async def _error(self, ws: web.WebSocketResponse, key: str) -> None:
        await ws.send_json({"type": "error", "text": self.texts[key]})

    async def close_all(self) -> None:
        """Server stopping: close every console (they reconnect), keep availability as is."""
        for tabs in list(self.sockets.values()):
            for ws in list(tabs):
                with contextlib.suppress(Exception):
                    await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
        await self.presence.stop()


def _row_id(value: object) -> TypeGuard[int]:
    """Whether a frame's handoff id can be one of ours (an int SQLite can hold)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID


def _volunteer_id(address: str) -> int | None:
    prefix = f"{CONSOLE_CHANNEL}:"
    rest = address.removeprefix(prefix)
    return int(rest) if address.startswith(prefix) and rest.isdigit() else None


def _desk_frame(m: WebMessage) -> Frame:
    buttons = [{"id": b.id, "label": b.label} for b in m.buttons]
    return {"type": "desk", "message": {"id": m.id, "text": m.text, "buttons": buttons}}


def _recent_desk(tx: Tx, address: str, limit: int) -> list[WebMessage]:
    """The volunteer's last desk messages, oldest first."""
    return tx.web.latest(address, limit)
