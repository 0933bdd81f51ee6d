"""Storage benchmark: commit_turn throughput and latency (median, p99) on a temporary file,
with the synchronous Store and through AsyncStore (sequential and 50 concurrent parents).

Run from the project root:
    .venv/bin/python -m bench.bench_storage [--turns 2000] [--budget 8]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import figures
from bot.storage import AsyncStore, ConversationState, Event, TranscriptLine, hour_bucket
from bot.storage.sqlite.store import Store

START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)
PARENT_TEXT = "Mijn dochter van 14 gaat al drie weken niet naar school, wat kan ik doen?"
BOT_TEXT = "Wat vervelend. " * 20
Turn = tuple[ConversationState, list[TranscriptLine], list[Event]]


def make_turn(i: int, conversations: int = 200) -> Turn:
    """A typical turn: state upsert, the parent's message, two replies and one event."""
    cid = f"c{i % conversations:04d}"
    now = START + timedelta(seconds=i)
    state = ConversationState(
        conversation_id=cid,
        channel="telegram",
        state="tree",
        node=f"n{i % 30}",
        path=tuple(f"n{k}" for k in range(i % 8)),
        crisis=False,
        data={"shown": [["1", "Ja"], ["2", "Nee"]], "turn": i},
        created_at=START,
        updated_at=now,
    )
    lines = [
        TranscriptLine(cid, now, "in", PARENT_TEXT),
        TranscriptLine(cid, now, "out", BOT_TEXT),
        TranscriptLine(cid, now, "out", "Kies een optie."),
    ]
    return state, lines, [Event("tree_step", "school", None, hour_bucket(now))]


RESULTS: dict[str, dict[str, float]] = {}  # label -> figures, for `--json`


def summary(label: str, samples: list[float], wall: float) -> str:
    """Turns per second over the wall time, and per-call latency percentiles."""
    RESULTS[label] = {"turns_per_s": len(samples) / wall, **figures.latency_ms(samples)}
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{label:<34} {len(ordered) / wall:8.0f} turns/s   median "
        f"{statistics.median(ordered) * 1000:6.3f} ms   p99 {p99 * 1000:6.3f} ms   "
        f"(n={len(ordered)})"
    )


def bench_sync(path: Path, turns: list[Turn], budget: float) -> str:
    """Sequential commit_turn calls on the synchronous Store."""
    store = Store(path)
    samples: list[float] = []
    began = time.perf_counter()
    for turn in turns:
        start = time.perf_counter()
        store.commit_turn(*turn)
        samples.append(time.perf_counter() - start)
        if start - began > budget:
            break
    wall = time.perf_counter() - began
    store.close()
    return summary("Store (sync, sequential)", samples, wall)


async def timed(call: Callable[[], Awaitable[None]], samples: list[float]) -> None:
    """Await `call` and record how long the caller waited."""
    start = time.perf_counter()
    await call()
    samples.append(time.perf_counter() - start)


async def bench_async(path: Path, turns: list[Turn], budget: float, parents: int) -> str:
    """commit_turn through AsyncStore from `parents` concurrent tasks (1 = sequential)."""
    samples: list[float] = []
    async with AsyncStore.open(path) as store:
        began = time.perf_counter()

        async def parent(offset: int) -> None:
            for turn in turns[offset::parents]:
                await timed(functools.partial(store.commit_turn, *turn), samples)
                if time.perf_counter() - began > budget:
                    return

        await asyncio.gather(*(parent(k) for k in range(parents)))
        wall = time.perf_counter() - began
    label = "AsyncStore, sequential" if parents == 1 else f"AsyncStore, {parents} concurrent tasks"
    return summary(label, samples, wall)


def main(argv: list[str] | None = None) -> None:
    """Run the three scenarios, each on a fresh temporary database file."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=2000, help="turns per scenario")
    parser.add_argument("--budget", type=float, default=8.0, help="seconds per scenario, at most")
    figures.add_option(parser)
    args = parser.parse_args(argv)
    turns = [make_turn(i) for i in range(args.turns)]
    print(
        f"commit_turn = upsert state + 3 transcript lines + 1 event, {args.turns} turns, "
        "WAL, synchronous=NORMAL"
    )
    with tempfile.TemporaryDirectory() as tmp:
        print(bench_sync(Path(tmp) / "sync.db", turns, args.budget))
        print(asyncio.run(bench_async(Path(tmp) / "seq.db", turns, args.budget, 1)))
        print(asyncio.run(bench_async(Path(tmp) / "conc.db", turns, args.budget, 50)))
    figures.write(args.json, {"turns": args.turns, "scenarios": RESULTS})


if __name__ == "__main__":
    main()
