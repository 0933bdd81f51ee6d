"""Engine benchmark: inbound FAQ questions per second through engine + SQLite store, and the
median and p99 latency per message, on one event loop (one core for the engine).

Two paths: `direct` calls `engine.handle` and gets the replies back (the terminal's path);
`durable` is the channels' path: each message is stored in the inbox, handled by the inbox
reader, its replies written to the outbox in the turn's transaction and delivered by the
courier to a channel that only counts them (latency: stored -> last reply delivered).

Run from the project root: .venv/bin/python -m bench.bench_engine [--messages 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import figures, flood
from bench.figures import nearest as percentile
from bot.app import Content, Wiring, load_content
from bot.core.courier import Courier
from bot.core.inbox import Arrival, InboxReader
from bot.core.messages import Inbound, Outbound
from bot.storage import AsyncStore

QUESTIONS = [
    "wat is een opp",
    "mijn zoon is geschorst mag dat",
    "hoe maak ik bezwaar tegen de tlv",
    "wanneer is mijn kind leerplichtig",
    "wat doet het samenwerkingsverband",
    "mijn dochter zit al weken thuis",
    "bestaat het rugzakje nog",
    "wat is passend onderwijs",
    "hoe krijg ik extra hulp op school voor mijn kind met adhd",
    "wat doet een ib er",
]


# Questions that each get an FAQ answer (ending "Heeft dit geholpen?"), also asked twice in a row.
ANSWERED_QUESTIONS = tuple(q for q in QUESTIONS if q != "wanneer is mijn kind leerplichtig")


@functools.cache
def shared_content() -> Content:
    """The shipped content, loaded once for all four scenarios (loading is not timed)."""
    return load_content()


async def run(messages: int, parents: int, concurrency: int) -> dict[str, float]:
    content = shared_content()
    with tempfile.TemporaryDirectory() as folder:
        store = await AsyncStore.open(Path(folder) / "bench.db")
        engine = Wiring(content=content, settings=flood.settings()).engine(store)
        latencies: list[float] = []
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(messages):
            queue.put_nowait(i)

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                inbound = Inbound(
                    f"ouder-{i % parents}",
                    "bench",
                    datetime.now(UTC),
                    text=QUESTIONS[i % len(QUESTIONS)],
                )
                start = time.perf_counter()
                await engine.handle(inbound)
                latencies.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
        await store.close()
    rate = {"concurrency": concurrency, "messages_per_s": messages / elapsed}
    print(
        f"direct: {messages} FAQ messages from {parents} parents, {concurrency} at a time: "
        f"{messages / elapsed:,.0f} messages/s; latency median "
        f"{statistics.median(latencies) * 1000:.2f} ms, p99 "
        f"{percentile(latencies, 0.99) * 1000:.2f} ms"
    )
    return {**rate, **figures.latency_ms(latencies)}


async def run_durable(messages: int, parents: int, concurrency: int) -> dict[str, float]:
    """The same questions through inbox, engine, outbox and courier; `concurrency` parents
    have a question waiting at any time (each asks the next once its answer is delivered)."""
    content = shared_content()
    with tempfile.TemporaryDirectory() as folder:
        store = await AsyncStore.open(Path(folder) / "bench.db")
        engine = Wiring(content=content, settings=flood.settings()).engine(store)
        courier = Courier(store)
        engine.on_outbox = courier.wake
        inbox = InboxReader(engine)
        inbox.serve("bench")
        answered: dict[str, asyncio.Event] = {}

        async def deliver(message: Outbound) -> None:
            if "Heeft dit geholpen?" in message.text:
                answered[message.to].set()

        courier.register("bench", deliver)
        courier_task = asyncio.create_task(courier.run())
        latencies: list[float] = []
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(messages):
            queue.put_nowait(i)

        async def worker(k: int) -> None:
            while not queue.empty():
                i = queue.get_nowait()
                address = f"ouder-{k}-{i % parents}"
                answered[address] = asyncio.Event()
                question = ANSWERED_QUESTIONS[i % len(ANSWERED_QUESTIONS)]
                inbound = Inbound(address, "bench", datetime.now(UTC), text=question)
                start = time.perf_counter()
                await inbox.accept([Arrival(str(i), inbound)])
                await answered[address].wait()
                latencies.append(time.perf_counter() - start)

        start = time.perf_counter()
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        elapsed = time.perf_counter() - start
        courier_task.cancel()
        await asyncio.gather(courier_task, return_exceptions=True)
        await inbox.stop()
        await store.close()
    rate = {"concurrency": concurrency, "messages_per_s": messages / elapsed}
    print(
        f"durable: {messages} FAQ messages, {concurrency} at a time: "
        f"{messages / elapsed:,.0f} messages/s; latency median "
        f"{statistics.median(latencies) * 1000:.2f} ms, p99 "
        f"{percentile(latencies, 0.99) * 1000:.2f} ms"
    )
    return {**rate, **figures.latency_ms(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--parents", type=int, default=200)
    figures.add_option(parser)
    args = parser.parse_args()
    direct = [asyncio.run(run(args.messages, args.parents, c)) for c in (1, 50)]
    durable = [asyncio.run(run_durable(args.messages, args.parents, c)) for c in (1, 50)]
    out = {"messages": args.messages, "parents": args.parents}
    figures.write(args.json, {**out, "direct": direct, "durable": durable})


if __name__ == "__main__":
    main()
