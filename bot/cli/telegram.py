"""`ouderlijn telegram`: the Telegram bot on the configured SQLite file (polling or webhook)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Coroutine
from typing import Any

from telegram.error import InvalidToken, NetworkError, TimedOut

from bot.app import open_service
from bot.channels.telegram.accounts import TelegramAccounts
from bot.channels.telegram.channel import TelegramChannel, TokenRejectedError
from bot.channels.telegram.settings import TelegramSettings, load_telegram_settings
from bot.channels.telegram.webhook import WebhookServer
from bot.config import ConfigError, Settings
from faq.model import ContentError

log = logging.getLogger(__name__)
# Other processes (the admin CLI) may write to the outbox; look every few seconds.
OUTBOX_POLL_SECONDS = 5.0


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    subparsers.add_parser(
        "telegram", help="run the Telegram bot (OUDERLIJN_TELEGRAM_* variables, see README)"
    )


async def serve(settings: Settings, telegram: TelegramSettings, stop: asyncio.Event) -> None:
    """Run the helpline with the Telegram channel until `stop` is set."""
    async with open_service(settings, poll_seconds=OUTBOX_POLL_SECONDS, watch=False) as service:
        # After a send timed out, the chat's next message waits as long again (order kept).
        service.courier.hold_seconds = telegram.read_timeout
        accounts = await TelegramAccounts.open(service.engine.store, telegram.pseudonym_secret)
        webhook = telegram.mode == "webhook"
        channel = TelegramChannel(
            service.engine, service.courier, service.inbox, accounts, telegram, webhook
        )
        await channel.start()
        channel.schedule_queue_watch(settings.handoff.watch_seconds)
        server = WebhookServer(channel) if webhook else None
        try:
            if server is not None:
                await server.start()
                log.info("telegram: webhook server on port %s", server.port)
            else:
                log.info("telegram: polling for updates")
            await first_of(stop.wait(), channel.failed.wait())
        finally:
            if server is not None:
                await server.stop()
            await channel.stop()
        if channel.failed.is_set():
            raise TokenRejectedError("the bot token was rejected while running")


async def first_of(*waits: Coroutine[Any, Any, object]) -> None:
    """Return as soon as one of `waits` is done; cancel the others."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


def stop_on_signals() -> asyncio.Event:
    """An event that Ctrl-C or SIGTERM sets, and quiet logging of unawaited task errors."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    loop.set_exception_handler(quiet_exception)
    return stop


async def _main(settings: Settings, telegram: TelegramSettings) -> None:
    await serve(settings, telegram, stop_on_signals())


def quiet_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """An error nobody awaited: one line with its kind, never a traceback or its message."""
    error = context.get("exception")
    log.error("unexpected error in a background task: %s", type(error).__name__)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Start the bot; configuration and content problems stop it with a clear message."""
    try:
        telegram = load_telegram_settings()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its request lines contain the token
    for handler in logging.getLogger().handlers:  # a token never reaches a log line
        handler.addFilter(RedactToken(telegram.token))
    try:
        asyncio.run(_main(settings, telegram))
    except ContentError as error:
        print(error, file=sys.stderr)
        return 2
    except InvalidToken:
        print(
            "telegram: the bot token was rejected; check OUDERLIJN_TELEGRAM_TOKEN (BotFather)",
            file=sys.stderr,
        )
        return 2
    except TokenRejectedError:
        print(
            "telegram: the bot token was rejected while running (401): it was revoked or "
            "changed; set a valid OUDERLIJN_TELEGRAM_TOKEN and start again (nothing was lost)",
            file=sys.stderr,
        )
        return 4
    except (NetworkError, TimedOut) as error:  # also an unreachable OUDERLIJN_TELEGRAM_API_URL
        print(
            f"telegram: cannot reach the Bot API at {telegram.api_url} "
            f"({type(error).__name__}); check the network and OUDERLIJN_TELEGRAM_API_URL",
            file=sys.stderr,
        )
        return 3
    return 0


class RedactToken(logging.Filter):
    """Replaces the bot token in every log record (PTB and httpx put it in URLs)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token and self.token in record.getMessage():
            record.msg = record.getMessage().replace(self.token, "<token>")
            record.args = None
        return True
