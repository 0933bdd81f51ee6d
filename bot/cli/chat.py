"""`ouderlijn chat`: the terminal channel on the configured SQLite file."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.app import open_service
from bot.channels.terminal import CHANNEL, TerminalChat
from bot.config import Settings
from faq.model import ContentError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chat = subparsers.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument(
        "--as",
        dest="conversation",
        default="terminal:local",
        help="conversation name (a pseudonym): try several parents, or a volunteer who "
        "links with /aanmelden CODE",
    )


async def _chat(settings: Settings, conversation: str) -> None:
    # Several terminals may share one database (a parent here, a volunteer there), so the
    # courier looks for new messages every second and only delivers this terminal's own.
    async with open_service(settings, poll_seconds=1.0) as service:
        chat = TerminalChat(service.engine, sys.stdout, conversation, echo=not sys.stdin.isatty())
        service.courier.register(CHANNEL, chat.deliver, accepts=lambda to: to == conversation)
        await chat.run(sys.stdin)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the chat until end of input; content problems stop it with file:line messages."""
    try:
        asyncio.run(_chat(settings, args.conversation))
    except ContentError as error:
        print(error, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print()
    return 0
