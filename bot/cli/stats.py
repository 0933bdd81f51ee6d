"""`ouderlijn stats [--json] [--from D --to D] [--group day|week|month]`: the dashboard's
figures in the terminal, from anonymous events only, small counts shown as "<5"."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from bot.app import Wiring
from bot.config import Settings
from bot.stats.export import report_text
from bot.stats.source import RangeError, Request
from bot.storage.aio import open_sync
from faq.model import ContentError


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the `stats` command."""
    stats = subparsers.add_parser("stats", help="anonymous statistics for coordinators")
    stats.add_argument("--json", action="store_true", help="print the report as JSON")
    stats.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day")
    stats.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day (default today)")
    stats.add_argument("--group", choices=("day", "week", "month"), default="day")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print the report for the range; 2 for a range that cannot be used."""
    try:
        source = Wiring(settings).report_source()
    except ContentError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        request = Request.parse(args.start, args.end, args.group, source.today(datetime.now(UTC)))
    except RangeError as error:
        print(f"stats: {error}", file=sys.stderr)
        return 2
    store = open_sync(settings.database)
    try:
        report = store.read(lambda tx: source.report(tx, request))
    finally:
        store.close()
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print(report_text(report, source.labels), end="")
    return 0
