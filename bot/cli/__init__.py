"""The `ouderlijn` command line: one entry point, one sub-command group per concern."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from bot.cli import chat as chat_command
from bot.cli import faq as faq_commands
from bot.cli import privacy as privacy_commands
from bot.cli import run as run_command
from bot.cli import safety as safety_commands
from bot.cli import stats as stats_command
from bot.cli import telegram as telegram_command
from bot.cli import tree as content_commands
from bot.cli import volunteer as volunteer_commands
from bot.config import ConfigError, load_settings

QUIET_PIPE_COMMANDS = ("faq", "tree", "safety", "stats", "privacy")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every command group registered."""
    parser = argparse.ArgumentParser(prog="ouderlijn", description="Ouderlijn helpline bot")
    subparsers = parser.add_subparsers(dest="command", required=True)
    faq_commands.add_parser(subparsers)
    content_commands.add_parsers(subparsers)
    safety_commands.add_parser(subparsers)
    chat_command.add_parser(subparsers)
    volunteer_commands.add_parser(subparsers)
    telegram_command.add_parser(subparsers)
    run_command.add_parser(subparsers)
    stats_command.add_parser(subparsers)
    privacy_commands.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (also used by the console script)."""
    args = build_parser().parse_args(argv)
    if args.command in QUIET_PIPE_COMMANDS and hasattr(signal, "SIGPIPE"):
        # `ouderlijn safety eval --misses | head` ends quietly. Only for these offline
        # commands: a server must keep Python's default (a closed socket is an error, not death).
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    if args.command == "faq":
        return faq_commands.run(args, settings)
    if args.command == "tree":
        return content_commands.run_tree(args, settings.knowledge.limits.max_source_age_months)
    if args.command == "safety":
        return safety_commands.run(args)
    if args.command == "chat":
        return chat_command.run(args, settings)
    if args.command == "volunteer":
        return volunteer_commands.run(args, settings)
    if args.command == "telegram":
        return telegram_command.run(args, settings)
    if args.command == "run":
        return run_command.run(args, settings)
    if args.command == "stats":
        return stats_command.run(args, settings)
    if args.command == "privacy":
        return privacy_commands.run(args)
    return 2
