"""`ouderlijn privacy scrub`: personal data out of each line of stdin, one line out per line in."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from bot.privacy import default_scrubber


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `privacy` command group."""
    privacy = subparsers.add_parser("privacy", help="remove personal data from text")
    commands = privacy.add_subparsers(dest="privacy_command", required=True)
    commands.add_parser(
        "scrub", help="scrub each line of stdin to stdout ([NAAM], [TELEFOON], …), flushed per line"
    )


def run(args: argparse.Namespace, stdin: TextIO | None = None, out: TextIO | None = None) -> int:
    """Scrub stdin line by line (same number of lines, flushed each, so it works in a pipe)."""
    source = stdin if stdin is not None else sys.stdin
    target = out if out is not None else sys.stdout
    scrubber = default_scrubber()
    for line in iter(source.readline, ""):
        body = line[:-1] if line.endswith("\n") else line
        target.write(scrubber.scrub(body.rstrip("\r")) + "\n")
        target.flush()
    return 0
