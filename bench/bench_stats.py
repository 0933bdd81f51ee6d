"""Statistics benchmark: how long the coordinators' report takes for a four-week range as
the events table grows (a busy national line makes ~5,000 events a day), and the CSV export.

Run from the project root:
    .venv/bin/python -m bench.bench_stats [--events 100000 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import figures
from bot.app import Wiring
from bot.stats.export import table_csv
from bot.stats.source import Request
from bot.storage import Event, Tx, hour_bucket
from bot.storage.raw import sql_of
from bot.storage.sqlite.store import Store

KINDS = (
    ("contact", None, None),
    ("faq", "opp", "answer"),
    ("faq", None, "no_match"),
    ("feedback", "opp", "helped"),
    ("tree", "start", "start"),
    ("tree", "leaf-a", "leaf"),
    ("handoff", "buddy", "queued"),
    ("handoff", "buddy", "claimed"),
    ("handoff", "buddy", "advice"),
    ("crisis", "distress", None),
)


def recorder(batch: list[Event]) -> Callable[[Tx], None]:
    """A unit of work that counts `batch`."""
    return lambda tx: tx.events.record(batch)


def fill(store: Store, count: int, days: int = 180) -> None:
    """`count` events spread over the last `days` days, in batches of 10,000."""
    rng = random.Random(13)
    end = datetime(2026, 12, 3, tzinfo=UTC)
    batch: list[Event] = []
    for i in range(count):
        kind, topic, outcome = KINDS[i % len(KINDS)]
        at = end - timedelta(minutes=rng.randrange(days * 24 * 60))
        minutes = rng.randrange(1, 60) if outcome in ("claimed", "advice") else None
        batch.append(
            Event(kind, topic, outcome, hour_bucket(at), "telegram", None, minutes, i % 40)
        )
        if len(batch) == 10_000:
            store.transaction(recorder(batch))
            batch = []
    if batch:
        store.transaction(recorder(batch))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=5)
    figures.add_option(parser)
    args = parser.parse_args()
    source = Wiring().report_source()
    request = Request.parse("2026-11-06", "2026-12-03", "day", date(2026, 12, 3))
    print(f"{'events':>10} {'in range':>9} {'report median':>14} {'csv all tables':>15}")
    sizes: list[dict[str, float]] = []
    for count in args.events:
        with tempfile.TemporaryDirectory() as folder:
            store = Store(Path(folder) / "bench.db")
            fill(store, count)
            times, csv_times = [], []
            for _ in range(args.repeat):
                started = time.perf_counter()
                report = store.read(lambda tx: source.report(tx, request))
                times.append(time.perf_counter() - started)
                started = time.perf_counter()
                for table in report.tables:
                    table_csv(table)
                csv_times.append(time.perf_counter() - started)
            contacts = report.table("contacts")
            assert contacts is not None
            inside = store.read(
                lambda tx: (
                    sql_of(tx)
                    .execute("SELECT sum(n) FROM events WHERE hour >= '2026-11-05T23'")
                    .fetchone()[0]
                )
            )
            store.close()
        print(
            f"{count:>10,} {inside:>9,} {statistics.median(times) * 1000:>11.0f} ms"
            f" {statistics.median(csv_times) * 1000:>12.1f} ms"
        )
        report_ms, csv_ms = statistics.median(times) * 1000, statistics.median(csv_times) * 1000
        sizes.append(
            {"events": count, "in_range": inside, "report_ms": report_ms, "csv_ms": csv_ms}
        )
    figures.write(args.json, {"repeat": args.repeat, "sizes": sizes})


if __name__ == "__main__":
    main()
