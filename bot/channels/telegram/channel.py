"""The Telegram adapter: updates into the durable inbox, engine in the middle, Telegram out.

Incoming updates are stored before Telegram hears they arrived: in polling mode the next
`getUpdates` offset (which confirms a batch) is only asked for once the batch is stored; in
webhook mode the answer 200 comes after the insert. The inbox reader then feeds the engine, in
order per chat and concurrently across chats. Every message goes out through the outbox and
the courier, one stored piece per Bot API call: PTB's AIORateLimiter keeps the pace, a 429
pauses only its chat (the courier waits out retry_after for that address; PTB's own retry would
pause every chat), 5xx and connection errors are retried, a chat that blocked the bot is
reported as unreachable, and a ReadTimeout is not repeated (Telegram may have delivered it) but
holds the chat's next message.
A 401 while running stops the bot with a clear message, so a supervisor can restart it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx
from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes
from telegram.request import HTTPXRequest

from bot.channels.telegram.accounts import CHANNEL, TelegramAccounts
from bot.channels.telegram.raw_updates import read_singly
from bot.channels.telegram.render import keyboard, split_text
from bot.channels.telegram.settings import TelegramSettings
from bot.channels.telegram.updates import is_private, to_inbound
from bot.core.courier import Courier, MaybeSent, RetryLater, Undeliverable
from bot.core.engine import Engine
from bot.core.inbox import Arrival, InboxReader
from bot.core.messages import Attachment, Outbound

log = logging.getLogger(__name__)
T = TypeVar("T")
SEND_ATTEMPTS = 5
SEND_BACKOFF_S = 0.5
POLL_BACKOFF_S = (0.5, 30.0)  # first and longest pause after a failed getUpdates
STORE_ATTEMPTS = 3  # failed stores of a batch before its updates are stored one by one
ALLOWED_UPDATES = ["message", "callback_query"]
TelegramApp = Application[Any, Any, Any, Any, Any, Any]


class _HandedOn(logging.Filter):
    """PTB logs each 429 it hands on (max_retries=0) as an error with a traceback; the courier
    waits it out as planned, so that record is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Rate limit hit after maximum")


logging.getLogger("telegram.ext.AIORateLimiter").addFilter(_HandedOn())


def build_application(settings: TelegramSettings) -> TelegramApp:
    """A PTB Application for our Bot API server with the rate limiter; no PTB updater: we
    fetch updates ourselves, so none is confirmed before it is stored."""
    return (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .rate_limiter(AIORateLimiter(max_retries=0))  # a 429 goes to the courier: one chat
        .request(
            HTTPXRequest(
                connection_pool_size=64, read_timeout=settings.read_timeout, pool_timeout=10.0
            )
        )
        .get_updates_request(HTTPXRequest(read_timeout=settings.poll_timeout + 10.0))
        .updater(None)
        .build()
    )


class TokenRejectedError(Exception):
    """Telegram answered 401 while the bot was running: the token was revoked or changed."""


class TelegramChannel:
    """Connects one Telegram bot to the inbox, the engine and the courier."""

    def __init__(
        self,
        engine: Engine,
        courier: Courier,
        inbox: InboxReader,
        accounts: TelegramAccounts,
        settings: TelegramSettings,
        webhook: bool = False,
    ) -> None:
        self.engine = engine
        self.courier = courier
        self.inbox = inbox
        self.accounts = accounts
        self.settings = settings
        self.webhook = webhook
        self.app = build_application(settings)
        self.failed = asyncio.Event()  # set when the bot must stop (401 while running)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._poller: asyncio.Task[None] | None = None
        courier.register(CHANNEL, self.send, forget=accounts.forget)
        inbox.serve(CHANNEL)
        engine.on_linked = self._volunteer_menu

    # -- in ----------------------------------------------------------------------------------

    async def take(self, updates: Sequence[Update]) -> None:
        """Store a batch's private messages and button presses in the inbox (one transaction,
        with the chats behind the pseudonyms), then answer the button presses. Raises when
        nothing could be stored: the caller must not confirm the batch to Telegram."""
        arrivals: list[Arrival] = []
        chats: dict[str, int] = {}
        for update in updates:
            user, chat = update.effective_user, update.effective_chat
            if not is_private(update) or user is None or chat is None:
                continue
            address = self.accounts.address_for(user.id)
            inbound = to_inbound(update, address)
            if inbound is not None:
                arrivals.append(Arrival(str(update.update_id), inbound))
                chats[address] = chat.id
        if arrivals:
            await self.inbox.accept(arrivals, functools.partial(self.accounts.remember_in, chats))
            self.accounts.cache(chats)
        for update in updates:
            query = update.callback_query
            if query is not None:
                self._spawn(self._quietly(query.answer))

    async def poll(self) -> None:
        """Long polling: fetch a batch, store it, and only then ask for the next offset (which
        tells Telegram the batch arrived). Errors pause and retry; a 401 stops the bot."""
        bot = self.app.bot
        offset: int | None = None
        failures = 0
        try:
            while True:
                try:
                    updates = await bot.get_updates(
                        offset=offset,
                        timeout=self.settings.poll_timeout,
                        allowed_updates=ALLOWED_UPDATES,
                    )
                    failures = 0
                except InvalidToken:
                    self._fail()
                    return
                except RetryAfter as error:  # getUpdates is not rate limited by PTB
                    await asyncio.sleep(_seconds(error.retry_after))
                    continue
                except (TypeError, ValueError, KeyError, AttributeError):  # PTB cannot read it
                    updates, after = await self._read_singly(offset)
                    if updates:
                        await self._store_until_done(updates)
                    offset = after if after is not None else offset
                    continue
                except Exception as error:  # network, 5xx, 409 (a webhook or a second bot)
                    failures += 1
                    log.warning("telegram: getUpdates failed (%s); retrying", type(error).__name__)
                    await asyncio.sleep(_backoff(failures))
                    continue
                if not updates:
                    continue
                await self._store_until_done(updates)
                offset = updates[-1].update_id + 1
        except asyncio.CancelledError:
            raise
        except BaseException:
            log.error("telegram: polling stopped unexpectedly")
            self.failed.set()  # never alive but deaf: stop, so a supervisor restarts us
            raise

    async def _read_singly(self, offset: int | None) -> tuple[list[Update], int | None]:
        """The batch PTB could not read, update by update (none on a failure: poll again)."""
        try:
            return await read_singly(
                self.app.bot, offset, ALLOWED_UPDATES, self.settings.poll_timeout + 10.0
            )
        except Exception as error:
            log.warning("telegram: reading updates one by one failed (%s)", type(error).__name__)
            await asyncio.sleep(POLL_BACKOFF_S[0])
            return [], None

    async def _store_until_done(self, updates: Sequence[Update]) -> None:
        """Keep trying to store a batch (the database may be busy); nothing is confirmed first.
        After a few failures each update is tried alone, so one that can never be stored (a
        bug) is logged and let go instead of stopping every chat."""
        failures = 0
        while True:
            try:
                await self.take(updates)
                return
            except Exception as error:
                failures += 1
                log.warning("telegram: storing updates failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(_backoff(failures))
            if failures >= STORE_ATTEMPTS and len(updates) > 1:
                for update in updates:
                    await self._store_until_done([update])
                return
            if failures >= STORE_ATTEMPTS * 4:  # one update, about a minute of trying
                log.error("telegram: an update could not be stored; it is skipped")
                return

    async def _volunteer_menu(self, address: str, channel: str) -> None:
        """A freshly linked volunteer gets the volunteer commands in their chat's menu."""
        if channel != CHANNEL:
            return
        volunteer = await self.engine.store.read(lambda tx: tx.registry.at_address(address))
        chat_id = await self.accounts.chat_for(address)
        if volunteer is None or chat_id is None:
            return
        menu = [BotCommand(w, t) for w, t in self.engine.texts.command_menu(volunteer=True)]
        scope = BotCommandScopeChat(chat_id)
        await self._quietly(lambda: self.app.bot.set_my_commands(menu, scope=scope))

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _fail(self) -> None:
        """The token stopped working: stop, so that a supervisor restarts us (nothing is lost:
        the inbox and the outbox keep what was not done)."""
        log.error("telegram: the bot token was rejected while running (401)")
        self.failed.set()

    # -- out ---------------------------------------------------------------------------------

    async def send(self, message: Outbound) -> None:
        """Deliver one stored piece: its text (with the keyboard), or a copied attachment.

        Pieces are cut before they are stored (one outbox row per call), so a failure never
        repeats what already went out; a longer text here is a safety net only."""
        chat_id = await self.accounts.chat_for(message.to)
        if chat_id is None:
            raise Undeliverable(message.to)
        bot = self.app.bot
        if message.text:
            texts = split_text(message.text)
            for number, piece in enumerate(texts, 1):
                markup = keyboard(message.buttons) if number == len(texts) else None
                await self._call(
                    functools.partial(bot.send_message, chat_id, piece, reply_markup=markup)
                )
        attachment = message.attachment
        if attachment is not None and attachment.channel == CHANNEL:
            await self._call(functools.partial(self._copy, chat_id, attachment))

    async def _copy(self, chat_id: int, attachment: Attachment) -> object:
        """Copy a parent's photo or document: the copy has no forward header with a name. A
        refusal about the original (its sender erased or gone) skips the copy: it must never
        make the recipient count as unreachable."""
        origin = await self.accounts.chat_for(attachment.origin)
        if origin is None:
            return None
        try:
            return await self.app.bot.copy_message(chat_id, origin, int(attachment.ref))
        except (BadRequest, Forbidden):
            log.warning("telegram: a file could not be copied; skipped")
            return None

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
            except InvalidToken as error:  # revoked while running: stop, keep the message
                self._fail()
                raise TokenRejectedError("telegram answered 401") from error
            except RetryAfter as error:  # this chat waits as told; the others go on
                raise RetryLater(_seconds(error.retry_after)) from error
            except TimedOut as error:
                if not _not_sent(error):  # it may be out: never twice, and nothing overtakes it
                    raise MaybeSent("telegram call timed out after sending") from error
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
        """Initialise PTB (getMe: a wrong token fails here), publish the command menu, and
        receive updates: our own long polling, or nothing to start for a webhook."""
        await self.app.initialize()
        commands = [BotCommand(word, text) for word, text in self.engine.texts.command_menu()]
        await self._quietly(lambda: self.app.bot.set_my_commands(commands))
        await self.app.start()
        if not self.webhook:
            await self.app.bot.delete_webhook()  # getUpdates is refused while one is set
            self._poller = asyncio.create_task(self.poll())
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

    async def stop(self) -> None:
        """Stop polling and PTB; the courier, inbox and engine are stopped by their owner."""
        tasks = [t for t in (self._poller, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._poller = None
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()


def _backoff(failures: int) -> float:
    first, longest = POLL_BACKOFF_S
    return float(min(longest, first * 2 ** min(failures - 1, 8)))


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
