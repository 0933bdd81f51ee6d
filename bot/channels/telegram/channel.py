"""The Telegram adapter: PTB `Application` in, engine in the middle, Telegram calls out.

Updates run concurrently across chats and in order within a chat (ChatOrderedUpdateProcessor).
Replies go out through PTB's AIORateLimiter, which waits out 429s; 5xx and connection errors
are retried here; a chat that blocked the bot is reported as unreachable; a ReadTimeout is not
retried, because Telegram may have delivered the message already (no duplicates).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from sqlite_utils import Database
from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.request import HTTPXRequest

from bot.channels.telegram.accounts import CHANNEL, TelegramAccounts
from bot.channels.telegram.ordering import ChatOrderedUpdateProcessor
from bot.channels.telegram.render import keyboard, split_text
from bot.channels.telegram.settings import TelegramSettings
from bot.channels.telegram.updates import is_private, to_inbound
from bot.core.courier import Courier, Undeliverable, delivery_id
from bot.core.engine import Engine
from bot.core.messages import Attachment, Outbound
from handoff import outbox, registry

log = logging.getLogger(__name__)
T = TypeVar("T")
SEND_ATTEMPTS = 5
SEND_BACKOFF_S = 0.5
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_PROGRESS = 1000  # half-sent messages remembered for a retry
TelegramApp = Application[Any, Any, Any, Any, Any, Any]


def build_application(
    settings: TelegramSettings, webhook: bool, concurrent: bool = True
) -> TelegramApp:
    """A PTB Application for our Bot API server, with the rate limiter and ordered updates.

    `concurrent=False` is PTB's default one-update-at-a-time processing (for comparison only).
    """
    updates: ChatOrderedUpdateProcessor | bool = (
        ChatOrderedUpdateProcessor(256) if concurrent else False
    )
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(updates)
        .request(
            HTTPXRequest(
                connection_pool_size=64, read_timeout=settings.read_timeout, pool_timeout=10.0
            )
        )
        .get_updates_request(HTTPXRequest(read_timeout=settings.poll_timeout + 10.0))
    )
    if webhook:
        builder = builder.updater(None)
    return builder.build()


class TelegramChannel:
    """Connects one Telegram bot to the engine and the courier."""

    def __init__(
        self,
        engine: Engine,
        courier: Courier,
        accounts: TelegramAccounts,
        settings: TelegramSettings,
        webhook: bool = False,
        concurrent: bool = True,
    ) -> None:
        self.engine = engine
        self.courier = courier
        self.accounts = accounts
        self._forgotten: set[str] = set()  # parents erased this turn: next message links anew
        engine.on_forgotten = self._forgotten.add  # evicted once the reply is out
        self.settings = settings
        self.app = build_application(settings, webhook, concurrent)
        self.app.add_handler(TypeHandler(Update, self.on_update))
        self.app.add_error_handler(self.on_error)
        self._progress: dict[int | None, int] = {}  # outbox row -> steps sent before a failure
        self._behind: set[str] = set()  # chats with replies waiting in the outbox
        courier.register(CHANNEL, self.send)

    # -- in ----------------------------------------------------------------------------------

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """One update: answer a button press at once, let the engine work, send the replies."""
        if update.callback_query is not None:
            await self._quietly(update.callback_query.answer)
        if not is_private(update) or update.effective_user is None:
            return
        address = self.accounts.address_for(update.effective_user.id)
        inbound = to_inbound(update, address)
        if inbound is None:
            return
        assert update.effective_chat is not None
        await self.accounts.remember(address, update.effective_chat.id)
        try:
            replies = await self.engine.handle(inbound)
        except Exception as error:  # the parent hears "probeer het zo opnieuw", nothing leaks
            _log_failure(error)
            replies = [Outbound(address, self.engine.texts.say("busy"))]
        await self._reply(address, replies)
        if address in self._forgotten:
            self._forgotten.discard(address)
            self.accounts.forget(address)
        if self.engine.command_of(inbound.text) == "link":
            await self._volunteer_menu(address, update.effective_chat.id)

    async def _volunteer_menu(self, address: str, chat_id: int) -> None:
        """A freshly linked volunteer gets the volunteer commands in their chat's menu."""
        volunteer = await self.engine.store.read(
            functools.partial(registry.at_address, address=address)
        )
        if volunteer is None:
            return
        menu = [BotCommand(w, t) for w, t in self.engine.texts.command_menu(volunteer=True)]
        scope = BotCommandScopeChat(chat_id)
        await self._quietly(lambda: self.app.bot.set_my_commands(menu, scope=scope))

    async def _reply(self, address: str, replies: list[Outbound]) -> None:
        """Send the replies in order; what cannot go out now waits in the outbox, and while
        anything waits there for this chat, new replies queue behind it (order is kept)."""
        if address in self._behind:
            if await self.engine.store.read(functools.partial(outbox.has_waiting, address=address)):
                await self._defer(replies)
                return
            self._behind.discard(address)
        for index, reply in enumerate(replies):
            try:
                await self.send(reply)
            except Undeliverable:
                await self.engine.unreachable(address)
                return
            except Exception as error:
                log.warning("reply not sent (%s); kept for the courier", type(error).__name__)
                await self._defer(replies[index:])
                return

    async def _defer(self, rest: list[Outbound]) -> None:
        """Store unsent replies in the outbox; the courier delivers them, in order, later."""
        if not rest:
            return
        self._behind.add(rest[0].to)
        now = datetime.now(UTC)

        def store(db: Database) -> None:
            for reply in rest:
                outbox.put(db, CHANNEL, reply, now)

        await self.engine.store.transaction(store)
        self.courier.wake()

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the kind of error and a correlation id, never the update's content; keep going."""
        _log_failure(context.error)

    # -- out ---------------------------------------------------------------------------------

    async def send(self, message: Outbound) -> None:
        """Deliver one engine message: text pieces, keyboard on the last, then any copy.

        If a later piece fails, the pieces already sent are remembered, so the retry of the
        same message continues where it stopped instead of repeating them.
        """
        chat_id = await self.accounts.chat_for(message.to)
        if chat_id is None:
            raise Undeliverable(message.to)
        steps = self._steps(chat_id, message)
        key = delivery_id.get()  # the outbox row: ids are never reused
        done = self._progress.get(key, 0) if key is not None else 0
        if len(self._progress) > MAX_PROGRESS:  # rows the courier gave up on or dropped
            self._progress.clear()
        try:
            for number, step in enumerate(steps):
                if number >= done:
                    await self._call(step)
                    if key is not None:
                        self._progress[key] = number + 1
        except Undeliverable:
            self._progress.pop(key, None)
            raise
        self._progress.pop(key, None)

    def _steps(self, chat_id: int, message: Outbound) -> list[Callable[[], Awaitable[object]]]:
        """The Bot API calls for one message, in order."""
        bot = self.app.bot
        pieces = split_text(message.text)
        markup = keyboard(message.buttons)
        steps: list[Callable[[], Awaitable[object]]] = [
            functools.partial(
                bot.send_message,
                chat_id,
                piece,
                reply_markup=markup if number == len(pieces) else None,
            )
            for number, piece in enumerate(pieces, 1)
        ]
        attachment = message.attachment
        if attachment is not None and attachment.channel == CHANNEL:
            steps.append(functools.partial(self._copy, chat_id, attachment))
        return steps

    async def _copy(self, chat_id: int, attachment: Attachment) -> object:
        """Copy a parent's photo or document: the copy has no forward header with a name."""
        origin = await self.accounts.chat_for(attachment.origin)
        if origin is None:
            return None
        return await self.app.bot.copy_message(chat_id, origin, int(attachment.ref))

    async def _call(self, request: Callable[[], Awaitable[T]]) -> T | None:
        """One Bot API call with our retry policy; None when Telegram refused this message."""
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return await request()
            except Forbidden as error:
                if _person_gone(error):
                    raise Undeliverable(str(error)) from error
                log.warning("telegram refused a message (403, not blocked); kept for a retry")
                raise RefusedError("telegram answered 403") from error
            except BadRequest as error:
                if "chat not found" in str(error).lower():
                    raise Undeliverable(str(error)) from error
                log.warning("telegram refused a message (BadRequest); skipped")
                return None
            except RetryAfter as error:  # the rate limiter gave up: wait and go on
                await asyncio.sleep(_seconds(error.retry_after))
            except TimedOut as error:
                if not _not_sent(error):
                    log.warning("telegram call timed out after sending; not repeated")
                    return None
                await asyncio.sleep(SEND_BACKOFF_S * 2 ** (attempt - 1))
            except NetworkError:  # 5xx, connection refused or reset: nothing was delivered
                if attempt == SEND_ATTEMPTS:
                    raise
                await asyncio.sleep(SEND_BACKOFF_S * 2 ** (attempt - 1))
        raise NetworkError("telegram kept failing")

    async def _quietly(self, call: Callable[[], Awaitable[Any]]) -> None:
        """Answer a callback query; a failure here must not stop the real work."""
        try:
            await call()
        except Exception as error:
            log.info("answerCallbackQuery failed (%s)", type(error).__name__)

    # -- life cycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Initialise PTB, publish the command menu and start processing updates."""
        await self.app.initialize()
        commands = [BotCommand(word, text) for word, text in self.engine.texts.command_menu()]
        await self._quietly(lambda: self.app.bot.set_my_commands(commands))
        await self.app.start()
        self.courier.wake()  # messages that waited for this channel go out now

    def schedule_queue_watch(self, every: float) -> None:
        """Run the engine's queue watch (escalation, wait updates) on PTB's JobQueue."""
        assert self.app.job_queue is not None, "install python-telegram-bot[job-queue]"
        self.app.job_queue.run_repeating(self._watch, interval=every, first=every)

    async def _watch(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self.engine.tick()
        except Exception as error:  # the next run tries again
            _log_failure(error)

    async def start_polling(self) -> None:
        """Long polling (the default mode)."""
        assert self.app.updater is not None
        await self.app.updater.start_polling(
            poll_interval=0.0, timeout=self.settings.poll_timeout, allowed_updates=ALLOWED_UPDATES
        )

    async def stop(self) -> None:
        """Stop polling and PTB; the courier and the engine are stopped by their owner."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()


def _log_failure(error: BaseException | None) -> str:
    """Log an exception's type with a fresh correlation id (no message, no update content)."""
    correlation = uuid.uuid4().hex[:12]
    kind = type(error).__name__ if error is not None else "unknown"
    log.error("telegram update failed: %s (correlation %s)", kind, correlation)
    return correlation


# Only these 403s mean the person is gone (blocked the bot, deleted the account); any other
# 403 is retried and reported, so one odd refusal never takes a volunteer off duty.
_GONE = ("blocked by the user", "user is deactivated")


class RefusedError(Exception):
    """Telegram refused a message for another reason than a person who is gone: retry later."""


def _person_gone(error: Forbidden) -> bool:
    text = str(error).lower()
    return any(reason in text for reason in _GONE)


def _seconds(retry_after: object) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB settings."""
    total = getattr(retry_after, "total_seconds", None)
    return float(total()) if callable(total) else float(retry_after)  # type: ignore[arg-type]


def _not_sent(error: TimedOut) -> bool:
    """Connect and pool timeouts happen before the request reaches Telegram: safe to repeat."""
    cause = error.__cause__
    return isinstance(cause, httpx.ConnectTimeout | httpx.PoolTimeout) or "Pool timeout" in str(
        error
    )
