"""A fake Telegram Bot API server (aiohttp, 127.0.0.1) for end-to-end tests with the real PTB."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from aiohttp import web

from tests.fake_telegram_push import CONFLICT, DeliveryExtras

Json = dict[str, Any]
OptStr = str | None
PHRASES = {status.value: status.phrase for status in HTTPStatus}
# PTB sends str values unencoded: never JSON-decode these (a text "42" stays a string).
STRING_FIELDS = {"text", "caption", "url", "secret_token", "callback_query_id", "description"}
TOKEN, BOT_ID, BOT, BOT_NAME = "123456:TEST-TOKEN", 123456, "ouderlijn_test_bot", "Ouderlijn"
ME = dict(can_join_groups=True, can_read_all_group_messages=False, supports_inline_queries=False)
STICKER = {"type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}
WEBHOOK_INFO_KEYS = ("url", "max_connections", "allowed_updates")
COPY_SKIP = {"message_id", "from", "sender_chat", "chat", "date", "edit_date", "reply_markup"}
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


@dataclass
class FakeUser:
    """A Telegram user; their private chat with the bot has the same id."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None


@dataclass
class SentMessage:
    """Something the bot delivered (sendMessage, or copyMessage with text None), params parsed."""

    method: str
    chat_id: int
    message_id: int
    text: str | None
    reply_markup: dict[str, Any] | None
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic, compare=False)  # when recorded

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every inline button, row by row (url buttons: the url)."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data") or b.get("url", "")) for r in rows for b in r]


class _ApiError(Exception):
    """A Bot API error answer; args: (HTTP status = error_code, description[, retry_after])."""


def _field(name: str, value: Any) -> Any:
    if not isinstance(value, str) or name in STRING_FIELDS:
        return getattr(value, "filename", value)  # an uploaded file: its name
    with contextlib.suppress(ValueError):
        return json.loads(value)
    return value


def _text(text: str) -> Json:
    if re.match(r"/\S", text) is None:
        return {"text": text}
    length = len(text.split()[0].encode("utf-16-le")) // 2
    return {"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": length}]}


def _chat_id(params: Json, key: str = "chat_id") -> int:
    if isinstance(value := params.get(key), int) and not isinstance(value, bool):
        return value
    raise _ApiError(400, "Bad Request: chat not found" if value else f"Bad Request: {key} is empty")


class FakeBotApi(DeliveryExtras):
    """The Bot API for one bot; point PTB at it: ``Bot(fake.token, base_url=fake.base_url)``."""

    def __init__(self, token: str = TOKEN, bot_id: int = BOT_ID, bot_username: str = BOT) -> None:
        super().__init__()  # confirmed, all_updates, holds and push mode
        self.token, self.bot_id, self.bot_username = token, bot_id, bot_username
        self._bot = {"id": bot_id, "is_bot": True, "first_name": BOT_NAME, "username": bot_username}
        self.sent, self.calls = list[SentMessage](), list[tuple[str, dict[str, Any]]]()
        self.answered_callbacks, self.commands = list[str](), list[dict[str, Any]]()
        self.webhook: dict[str, Any] | None = None
        self.latency, self.blocked = 0.0, set[int]()
        self.forbidden: dict[int, str] = {}  # chat -> another 403 description to answer
        self._failures: dict[str, list[tuple[int, str, int | None]]] = {}
        self._updates, self._chats, self._callback_ids = list[Json](), dict[int, Json](), set[str]()
        self._messages: dict[tuple[int, int], Json] = {}  # (chat id, message id): users' and ours
        self._update_ids, self._ids = itertools.count(700_000_001), itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port, self._wake, self._stopped = 0, asyncio.Event(), asyncio.Event()

    async def start(self) -> None:
        """Serve on 127.0.0.1, on a free port."""
        self._wake, self._stopped = asyncio.Event(), asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{tail:.+}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """End push mode, answer every pending long poll and hold at once, then shut down."""
        await self.stop_push()
        if self._runner is not None:
            self._stopped.set()
            self._wake.set()
            await self._runner.cleanup()
            await asyncio.gather(*self._held, return_exceptions=True)
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """The server root: ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """PTB's ``base_url`` (PTB appends token and method): ``http://127.0.0.1:PORT/bot``."""
        return f"{self.url}/bot"

    def user(
        self, user_id: int, first_name: str, last_name: OptStr = None, username: OptStr = None
    ) -> FakeUser:
        """A user who can talk to the bot."""
        return FakeUser(user_id, first_name, last_name, username)

    def user_sends(self, user: FakeUser, text: str) -> Json:
        """A private text message; "/word" gets a bot_command entity."""
        return self._private(user, _text(text))

    def user_sends_photo(self, user: FakeUser, caption: str | None = None) -> Json:
        """A private photo (three PhotoSizes) with an optional caption."""
        sizes = [(90, 67, 1630), (320, 240, 14210), (800, 600, 61045)]
        photo = [self._file() | {"width": w, "height": h, "file_size": n} for w, h, n in sizes]
        return self._private(user, {"photo": photo, "caption": caption})

    def user_sends_document(
        self, user: FakeUser, file_name: str = "brief-school.pdf", caption: str | None = None
    ) -> Json:
        """A private document message."""
        mime = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        doc = self._file() | {"file_name": file_name, "mime_type": mime, "file_size": 48213}
        return self._private(user, {"document": doc, "caption": caption})

    def user_sends_other(self, user: FakeUser, kind: str) -> Json:
        """A private "sticker", "voice", "location" or "contact" message."""
        contents: dict[str, Json] = {
            "sticker": self._file() | STICKER,
            "voice": self._file() | {"duration": 3, "mime_type": "audio/ogg", "file_size": 6400},
            "location": {"latitude": 52.370216, "longitude": 4.895168},
            "contact": {"phone_number": "+31612345678", "first_name": user.first_name},
        }
        return self._private(user, {kind: contents[kind]})

    def user_edits(self, user: FakeUser, message_id: int, text: str) -> Json:
        """An edited_message: the user's earlier message `message_id` now reads `text`."""
        old = self._messages[(user.id, message_id)]
        edited = {k: v for k, v in old.items() if k not in ("text", "entities")}
        edited |= {"edit_date": int(time.time())} | _text(text)
        self._messages[(user.id, message_id)] = edited
        return self._queue("edited_message", edited)

    def user_presses(
        self, user: FakeUser, message: SentMessage, label: str = "", *, data: str | None = None
    ) -> Json:
        """A callback_query for the button `label` (exact, else prefix) or with `data`."""
        return self._press(user, message, label, data, queue=True)

    def _press(
        self, user: FakeUser, message: SentMessage, label: str, data: str | None, queue: bool
    ) -> Json:
        if data is None:
            found = [d for t, d in message.buttons if t == label]
            found = found or [d for t, d in message.buttons if t.startswith(label)]
            assert found, f"no button {label!r} on that message: {message.buttons}"
            data = found[0]
        query_id = str(4_382_000_000_000_000_000 + next(self._ids))
        self._callback_ids.add(query_id)
        shown = dict(self._messages[(message.chat_id, message.message_id)])
        query = {"id": query_id, "from": self._from(user), "message": shown}
        query |= {"chat_instance": str(-7_000_000_000 - message.chat_id), "data": data}
        return self._queue("callback_query", query, queue=queue)

    def group_message(self, user: FakeUser, chat_id: int, text: str) -> Json:
        """A message from `user` in the supergroup `chat_id` (negative)."""
        assert chat_id < 0, "group chat ids are negative"
        message = self._new_message(self._chat(chat_id), self._from(user), _text(text))
        return self._queue("message", message)

    def channel_post(self, chat_id: int, text: str) -> Json:
        """A channel_post in channel `chat_id` (negative): no from, sender_chat is the channel."""
        assert chat_id < 0, "channel ids are negative"
        chat = self._chats[chat_id] = {"id": chat_id, "type": "channel", "title": "Kanaal"}
        post = self._new_message(chat, None, {"sender_chat": chat} | _text(text))
        return self._queue("channel_post", post)

    def make_update(self, user: FakeUser, text: str) -> Json:
        """A private message update like user_sends, but NOT queued (for webhook tests)."""
        return self._private(user, _text(text), queue=False)

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """What the bot delivered to one chat, in order."""
        return [m for m in self.sent if m.chat_id == chat_id]

    async def wait_for(
        self, predicate: Callable[[SentMessage], bool], timeout: float = 5.0
    ) -> SentMessage:
        """The first sent message matching `predicate`, already there or arriving in time."""
        with contextlib.suppress(AssertionError):
            await self.wait_until(lambda: any(predicate(m) for m in self.sent), timeout)
        if found := [m for m in self.sent if predicate(m)]:
            return found[0]
        summary = "".join(f"\n  {m.chat_id}: {m.text!r} {m.buttons}" for m in self.sent)
        raise AssertionError(f"no matching message within {timeout}s; sent:{summary or ' nothing'}")

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll `condition` until it holds; AssertionError after `timeout` seconds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"condition not met within {timeout}s")
            await asyncio.sleep(0.01)

    def fail_next(
        self,
        method: str,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """The next `times` calls of `method` fail with HTTP `status`; nothing is delivered."""
        retry = (retry_after or 1) if status == 429 else None
        text = description or (f"Too Many Requests: retry after {retry}" if retry else "")
        failure = (status, text or PHRASES[status], retry)
        self._failures.setdefault(method, []).extend([failure] * times)

    async def _handle(self, request: web.Request) -> web.Response:
        token, _, method = request.match_info["tail"].rpartition("/")
        params = {k: _field(k, v) for k, v in {**request.query, **await request.post()}.items()}
        self.calls.append((method, params))
        try:
            if token != self.token:
                raise _ApiError(401, "Unauthorized")
            await self._pause(self.latency)
            if failures := self._failures.get(method):
                raise _ApiError(*failures.pop(0))
            result = await self._answer(self._call, method, params, request)  # holds, faults
        except _ApiError as error:
            status, description, *retry_after = error.args
            body: Json = {"ok": False, "error_code": status, "description": description}
            body |= {"parameters": {"retry_after": retry_after[0]}} if any(retry_after) else {}
            return web.json_response(body, status=status)
        return web.json_response({"ok": True, "result": result})

    async def _call(self, method: str, params: Json) -> Any:
        match method:
            case "getMe":
                return self._bot | ME
            case "getUpdates":
                updates = [] if self._pusher else await self._get_updates(params)
                if self._pusher is not None:  # also for a long poll pending when it began
                    raise _ApiError(409, CONFLICT)
                return updates
            case "setWebhook" | "deleteWebhook":
                self.webhook = params if method == "setWebhook" and params.get("url") else None
                if params.get("drop_pending_updates") is True:
                    self._updates.clear()
                return True
            case "getWebhookInfo":
                hook = {k: v for k, v in (self.webhook or {}).items() if k in WEBHOOK_INFO_KEYS}
                info = {"url": "", "has_custom_certificate": False}
                return info | {"pending_update_count": len(self._updates)} | hook
            case "setMyCommands" | "deleteMyCommands":
                self.commands = list(params.get("commands") or []) if method[0] == "s" else []
                return True
            case "sendMessage" | "copyMessage":
                return self._deliver(method, params)
            case "answerCallbackQuery":
                if params.get("callback_query_id") not in self._callback_ids:
                    raise _ApiError(400, TOO_OLD)
                self.answered_callbacks.append(params["callback_query_id"])
                return True
            case "sendChatAction":
                return bool(_chat_id(params))
            case "editMessageReplyMarkup":
                return self._edit_message_reply_markup(params)
        raise _ApiError(404, "Not Found")

    async def _get_updates(self, params: Json) -> list[Json]:
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        if offset > 0:
            self.confirmed.update(u["update_id"] for u in self._updates if u["update_id"] < offset)
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(float(params.get("timeout") or 0)):
                while not self._updates and not self._stopped.is_set() and not self._pusher:
                    await self._wake.wait()
        return [] if self._stopped.is_set() else self._updates[: max(1, min(limit, 100))]

    def _edit_message_reply_markup(self, params: Json) -> Json | bool:
        if "inline_message_id" in params:
            return True
        message = self._messages.get((_chat_id(params), params.get("message_id", 0)))
        if message is None or not message.get("from", {}).get("is_bot"):
            raise _ApiError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        markup = markup if isinstance(markup, dict) and markup.get("inline_keyboard") else None
        if markup == message.get("reply_markup"):
            raise _ApiError(400, "Bad Request: message is not modified")
        message.pop("reply_markup", None)
        message |= {"edit_date": int(time.time())} | ({"reply_markup": markup} if markup else {})
        return message

    def _from(self, user: FakeUser) -> Json:
        found = {"id": user.id, "is_bot": False, "first_name": user.first_name}
        found |= {"last_name": user.last_name, "username": user.username, "language_code": "nl"}
        return {k: v for k, v in found.items() if v is not None}

    def _chat(self, chat_id: int, user: FakeUser | None = None) -> Json:
        if user is not None:
            names = {k: v for k, v in self._from(user).items() if k.endswith("name")}
            self._chats[chat_id] = {"id": chat_id, "type": "private"} | names
        elif chat_id > 0:
            self._chats.setdefault(chat_id, {"id": chat_id, "type": "private", "first_name": "?"})
        default = {"id": chat_id, "type": "supergroup", "title": "Groep"}
        return self._chats.setdefault(chat_id, default)

    def _file(self) -> Json:
        n = next(self._ids)
        return {"file_id": f"AgACAgQAAxkBAAI{n:06d}-fake", "file_unique_id": f"AQAD{n:06d}"}

    def _new_message(self, chat: Json, sender: Json | None, content: Json) -> Json:
        chat_id = chat["id"]
        message_id = 1 + max((m for c, m in self._messages if c == chat_id), default=0)
        message = {"message_id": message_id} | ({"from": sender} if sender else {})
        message |= {"chat": chat, "date": int(time.time())}
        message |= {k: v for k, v in content.items() if v is not None}
        self._messages[(chat_id, message_id)] = message
        return message

    def _private(self, user: FakeUser, content: Json, queue: bool = True) -> Json:
        message = self._new_message(self._chat(user.id, user), self._from(user), content)
        return self._queue("message", message, queue)

    def _deliver(self, method: str, params: Json) -> Json:
        chat_id, text = _chat_id(params), params.get("text")
        if method == "copyMessage":
            key, text = (_chat_id(params, "from_chat_id"), params.get("message_id", 0)), None
            original = self._messages.get(key, {"from": {"is_bot": True}})
            if original.get("from", {}).get("is_bot"):
                raise _ApiError(400, "Bad Request: message to copy not found")
            content = {k: v for k, v in original.items() if k not in COPY_SKIP}
            content |= {"caption": params["caption"]} if "caption" in params else {}
        elif not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        elif len(text.encode("utf-16-le")) // 2 > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        else:
            content = {"text": text, "entities": params.get("entities")}
        if chat_id in self.blocked:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.forbidden:
            raise _ApiError(403, self.forbidden[chat_id])
        markup = params["reply_markup"] if isinstance(params.get("reply_markup"), dict) else None
        content |= {"reply_markup": markup} if markup and "inline_keyboard" in markup else {}
        message = self._new_message(self._chat(chat_id), self._bot, content)
        self.sent.append(SentMessage(method, chat_id, message["message_id"], text, markup, params))
        return {"message_id": message["message_id"]} if text is None else message

    def _queue(self, kind: str, payload: Json, queue: bool = True) -> Json:
        update = {"update_id": next(self._update_ids), kind: payload}
        if queue:
            self._updates.append(update)
            self.all_updates.append(update)
            self._wake.set()
            self._wake = asyncio.Event()
        return update

    def make_press(
        self, user: FakeUser, message: SentMessage, label: str = "", *, data: str | None = None
    ) -> Json:
        """A button press like user_presses, but NOT queued (for webhook tests)."""
        return self._press(user, message, label, data, queue=False)
