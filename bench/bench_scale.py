"""Scale benchmark (#14): 10,000 queued handoffs, 500 volunteers, SQLite and PostgreSQL (on
OUDERLIJN_BENCH_POSTGRES_URL or a throwaway cluster), the clock a minute after the line opened
(bench/scale_world.py). Claims through Engine.handle (verified), the first, a steady and the
escalation tick with their outbox rows, FAQ replies during a tick (target p99 < 50 ms),
messages/s through inbox, engine, outbox and courier in 1 and 2 `open_service` processes.

    .venv/bin/python -m bench.bench_scale [--quick | --tiny] [--runs 3] [--tick-runs 1] [--json F]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import signal
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import figures, flood, scale_figures
from bench import scale_world as w
from bot.app import Content, load_content, open_service
from bot.core.inbox import Arrival
from bot.core.messages import Inbound, Outbound
from bot.storage import AsyncStore
from bot.storage.contract import Tx
from bot.storage.raw import sql_of
from handoff.settings import HandoffSettings

OLD_ROWS, OLD_HANDOFFS = 26_336, 50  # issue #14: one tick, 50 handoffs, 500 volunteers
CLAIM_TASKS = 8
ROOT = Path(__file__).resolve().parents[1]
IN_FLIGHT = 16  # webhook requests one instance stores at a time
READY_SECONDS = 120.0  # an instance that does not answer by then counts as broken
SETTINGS = HandoffSettings()
med = statistics.median


@dataclass(frozen=True)
class Plan:
    """How big and how often."""

    size: w.Size
    messages: int  # messages per messages/s run
    parents: int  # parents sending them (odd: one parent's messages alternate instances)
    runs: int  # repeats of the cheap parts (claims, idle FAQ, messages/s)
    tick_runs: int  # repeats of the tick sequence (a fresh copy of the seeded queue each)
    asking: w.Asking = field(default_factory=w.Asking)
    escalation: bool = True  # also the escalation tick (the heaviest: every request widens)
    instances: tuple[int, ...] = (1, 2)  # messages/s runs (SQLite: only the 1 instance one)


FULL = Plan(w.Size(10_000, 500), messages=3_000, parents=499, runs=3, tick_runs=1)
QUICK = Plan(w.Size(1_000, 100), 300, 99, 1, 1, w.Asking(50, 2.0), escalation=False)
TINY = Plan(w.Size(300, 30), 200, 29, 1, 1, w.Asking(20, 1.0), escalation=False)  # report --quick


@dataclass(frozen=True)
class Throughput:
    """Messages through the durable path on `instances` processes: all answered and out."""

    instances: int
    messages: int
    seconds: float
    warnings: Counter[str]  # the instances' own (storage busy, deadlocks …)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


@dataclass
class Result:
    """One backend's measurements, every repeat kept (the table shows medians)."""

    backend: str
    world: w.World | None = None
    seeding: float = 0.0
    idle: list[w.Asked] = field(default_factory=list)
    first: list[w.TickRun] = field(default_factory=list)
    steady: list[w.TickRun] = field(default_factory=list)
    escalation: list[w.TickRun] = field(default_factory=list)
    claims: list[w.Claims] = field(default_factory=list)
    concurrent: list[w.Claims] = field(default_factory=list)
    verified: int = 0  # claims checked against the database
    rates: dict[int, list[Throughput]] = field(default_factory=dict)  # instances -> runs
    warnings: Counter[str] = field(default_factory=Counter)


@dataclass
class Report:
    plan: Plan
    results: list[Result]
    skipped: list[str]
    seconds: float = 0.0


def message_of(j: int, parents: int) -> Inbound:
    """Message j of a run: parent j % parents asks a question."""
    address = f"{w.CHANNEL}:parent-{j % parents}"
    return Inbound(address, w.CHANNEL, datetime.now(UTC), text=w.QUESTIONS[j % len(w.QUESTIONS)])


async def run_instance(database: str, index: int, of: int, messages: int, parents: int) -> None:
    """One instance as `ouderlijn run` has it (open_service: inbox, engine, courier, database
    notes; no queue watch) with a channel that counts answers; after "go" on stdin it stores
    every `of`-th message, `IN_FLIGHT` at a time, like webhook requests; "stop" ends it."""
    url = database if database.startswith("postgresql://") else None
    path = Path(database) if url is None else ROOT / "unused.db"
    settings = dataclasses.replace(flood.settings(), db_path=path, database_url=url)
    answered: Counter[str] = Counter()

    async def send(message: Outbound) -> None:
        answered[message.to] += w.ANSWERED in message.text

    with w.Warnings().counting() as warnings:
        async with open_service(settings, watch=False) as service:
            service.courier.register(w.CHANNEL, send)
            service.inbox.serve(w.CHANNEL)
            print("ready", flush=True)
            await asyncio.to_thread(sys.stdin.readline)
            mine = iter(range(index, messages, of))

            async def webhook() -> None:
                for j in mine:
                    await service.inbox.accept([Arrival(str(j), message_of(j, parents))])

            await asyncio.gather(*(webhook() for _ in range(IN_FLIGHT)))
            print("stored", flush=True)
            await asyncio.to_thread(sys.stdin.readline)
    print(json.dumps({"answered": answered, "warnings": warnings.seen}), flush=True)


async def _line(process: asyncio.subprocess.Process, expected: str) -> str:
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), READY_SECONDS)).decode().strip()
    w.check(line.startswith(expected), f"an instance said {line!r}, expected {expected!r}")
    return line


async def _tell(processes: Sequence[asyncio.subprocess.Process], word: str) -> None:
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(f"{word}\n".encode())
        await process.stdin.drain()


def _settled(tx: Tx) -> bool:
    """Every stored message handled and every reply delivered (gone from the outbox)."""
    sql = sql_of(tx)
    waiting = sql.execute("SELECT count(*) FROM inbox WHERE handled_at IS NULL").fetchone()
    return int(waiting[0]) == 0 and sql.execute("SELECT 1 FROM outbox LIMIT 1").fetchone() is None


async def throughput(site: w.Site, instances: int, messages: int, parents: int) -> Throughput:
    """`messages` parent questions over `instances` processes on one fresh database, timed
    from "go" until all are handled and every answer is out; verified exactly once each."""
    database = await site.fresh()
    command = [sys.executable, "-m", "bench.bench_scale", "instance", database]
    processes = [
        await asyncio.create_subprocess_exec(
            *command, str(k), str(instances), str(messages), str(parents),
            cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            # each its own delivery-lease owner (by default the same for processes on one host)
            env={**os.environ, "OUDERLIJN_INSTANCE": f"bench-{k}"},
        )
        for k in range(instances)
    ]  # fmt: skip
    try:
        for process in processes:
            await _line(process, "ready")
        async with AsyncStore.open(database) as store:
            start = time.perf_counter()
            await _tell(processes, "go")
            for process in processes:
                await _line(process, "stored")
            while not await store.read(_settled):
                await asyncio.sleep(0.02)
            seconds = time.perf_counter() - start
        await _tell(processes, "stop")
        reports = [json.loads(await _line(p, "{")) for p in processes]
        w.check(all([await p.wait() == 0 for p in processes]), "an instance failed")
    finally:
        for process in [p for p in processes if p.returncode is None]:
            process.kill()
            await process.wait()
    answered: Counter[str] = sum((Counter(r["answered"]) for r in reports), Counter())
    wanted = Counter(message_of(j, parents).conversation_id for j in range(messages))
    w.check(answered == wanted, f"answers lost or doubled: {answered.total()} of {messages}")
    warned = sum((Counter(r["warnings"]) for r in reports), Counter())
    return Throughput(instances, messages, seconds, warned)


async def tick_runs(
    site: w.Site, seeded: str, content: Content, world: w.World, plan: Plan
) -> list[w.TickRun]:
    """On a fresh copy: first tick (+ FAQ), steady tick 30 s later, escalation tick (+ FAQ)."""
    async with AsyncStore.open(await site.copy(seeded)) as store:
        clock = w.Clock(w.NOW)
        engine = w.build_engine(content, store, clock)
        runs = [await w.timed_tick(engine, world, clock, "first", plan.asking)]
        clock.now += timedelta(seconds=SETTINGS.watch_seconds)
        runs.append(await w.timed_tick(engine, world, clock))
        if plan.escalation:
            clock.now = w.OPENED + timedelta(minutes=SETTINGS.escalate_after_minutes + 1)
            runs.append(await w.timed_tick(engine, world, clock, "escalation", plan.asking))
    return runs


async def measure(site: w.Site, plan: Plan, content: Content, say: Callable[[str], None]) -> Result:
    """Everything on one backend; each part on a fresh copy of the seeded database."""
    result, seeded, start = Result(site.name), await site.fresh(), time.perf_counter()
    async with AsyncStore.open(seeded) as store:
        result.world = world = await w.seed(store, plan.size)
    result.seeding = time.perf_counter() - start
    say(f"{site.name}: seeded in {result.seeding:.1f} s")
    with w.Warnings().counting() as warnings:
        for k in range(plan.tick_runs):
            runs = await tick_runs(site, seeded, content, world, plan)
            result.first.append(runs[0])
            result.steady.append(runs[1])
            result.escalation += runs[2:]
            say(f"{site.name}: ticks {k + 1}: " + ", ".join(f"{t.seconds:.2f} s" for t in runs))
        for k in range(plan.runs):
            async with AsyncStore.open(await site.copy(seeded)) as store:
                clock = w.Clock(w.NOW)
                engine = w.build_engine(content, store, clock)
                result.idle.append(await w.ask_faq(engine, "idle", clock, plan.asking, None))
                result.claims.append(await w.claim(engine, world, clock))
                result.concurrent.append(await w.claim(engine, world, clock, CLAIM_TASKS))
                both = [result.claims[-1], result.concurrent[-1]]
                result.verified += await w.verify_claims(store, both)
            say(f"{site.name}: claims and idle FAQ {k + 1} - verified")
    result.warnings.update(warnings.seen)
    for k in range(plan.runs):
        for n in [n for n in plan.instances if n == 1 or site.name == "PostgreSQL"]:
            run = await throughput(site, n, plan.messages, plan.parents)
            result.rates.setdefault(n, []).append(run)
            result.warnings.update(run.warnings)
            say(f"{site.name}: {n} instance(s) {k + 1}: {run.rate:.0f} messages/s")
    return result


async def run(plan: Plan, say: Callable[[str], None] = print) -> Report:
    """Both backends (PostgreSQL skipped with the reason when there is no server)."""
    started, content, report = time.perf_counter(), load_content(), Report(plan, [], [])
    sqlite: Callable[[], tuple[w.Site | None, str]] = lambda: (w.SqliteSite(), "")  # noqa: E731
    for make in (sqlite, w.postgres_site):
        site, reason = await asyncio.to_thread(make)
        if site is None:
            report.skipped.append(reason)
            say(reason)
            continue
        try:
            report.results.append(await measure(site, plan, content, say))
        finally:
            await asyncio.to_thread(site.close)
    report.seconds = time.perf_counter() - started
    return report


def _ms(samples: Sequence[Sequence[float]]) -> str:
    """Median over the runs of p50 / p99, in ms."""
    if not samples or not all(samples):
        return "-"
    p50, p99 = (med(figures.nearest(s, f) * 1000 for s in samples) for f in (0.5, 0.99))
    return f"{p50:.1f} / {p99:.1f} ms"


def _claims(claims: Sequence[w.Claims]) -> str:
    return _ms([c.latencies for c in claims])


def _faq(asked: Sequence[w.Asked | None], busy: bool = False) -> str:
    runs = [a for a in asked if a is not None]
    if busy:
        return f"{med(a.unanswered for a in runs):.0f} of {med(a.asked for a in runs):.0f}"
    return f"{_ms([a.latencies for a in runs])} (n={med(len(a.latencies) for a in runs):.0f})"


def _ticks(ticks: Sequence[w.TickRun], what: str, n: int = 0) -> str:
    """A tick cell: its seconds, the rows it wrote, or the most rows to one address."""
    m = {k: med(getattr(t, k) for t in ticks) for k in vars(ticks[0]) if k != "asked"}
    m["rows"] = med(t.rows for t in ticks)
    if what == "seconds":
        return f"{m['seconds']:.2f} s"
    if what == "rows":
        return f"{m['rows']:,.0f} ({m['rows'] / n:.1f}/handoff; {m['to_parents']:,.0f} to parents)"
    return f"{m['most_to_one']:,.0f} to one volunteer; {m['most_about_one']:,.0f} about one parent"


def _warned(r: Result) -> str:
    given_up = sum(k for text, k in r.warnings.items() if "giving up" in text)
    return f"{r.warnings.total():,} ({given_up:,} deadlocks given up)"


def _rate(r: Result, n: int, per: int = 0) -> str:
    rate = med(t.rate for t in r.rates[n])
    return f"{rate / med(t.rate for t in r.rates[per]):.2f}x" if per else f"{rate:,.0f} msg/s"


def rows_of(report: Report) -> list[tuple[str, list[str]]]:
    """(label, one cell per backend) for each line of the table; parts not run are left out."""
    n, tasks = report.plan.size.handoffs, CLAIM_TASKS
    parts: list[tuple[str, Callable[[Result], str]]] = [
        ("seeding (not timed below)", lambda r: f"{r.seeding:.1f} s"),
        ("claim (/volgende), one at a time: p50/p99", lambda r: _claims(r.claims)),
        (f"claim (/volgende), {tasks} tasks: p50/p99", lambda r: _claims(r.concurrent)),
        ("claims verified (none twice, right owner)", lambda r: f"{r.verified:,}"),
        ("FAQ reply, no tick: p50 / p99", lambda r: _faq(r.idle)),
        ("first tick (line opens: announce all)", lambda r: _ticks(r.first, "seconds")),
        ("  outbox rows written", lambda r: _ticks(r.first, "rows", n)),
        ("  most rows", lambda r: _ticks(r.first, "most")),
        ("  FAQ reply during it: p50 / p99", lambda r: _faq([t.asked for t in r.first])),
        ("  FAQ questions answered 'busy'", lambda r: _faq([t.asked for t in r.first], True)),
        ("steady tick (30 s later)", lambda r: _ticks(r.steady, "seconds")),
        ("  outbox rows written", lambda r: _ticks(r.steady, "rows", n)),
        ("escalation tick (opening + 11 min)", lambda r: _ticks(r.escalation, "seconds")),
        ("  outbox rows written", lambda r: _ticks(r.escalation, "rows", n)),
        ("  most rows", lambda r: _ticks(r.escalation, "most")),
        ("  FAQ reply during it: p50 / p99", lambda r: _faq([t.asked for t in r.escalation])),
        ("  FAQ questions answered 'busy'", lambda r: _faq([t.asked for t in r.escalation], True)),
        (f"messages/s, 1 instance ({report.plan.messages:,} msgs)", lambda r: _rate(r, 1)),
        ("messages/s, 2 instances", lambda r: _rate(r, 2)),
        ("  2 instances / 1 instance", lambda r: _rate(r, 2, per=1)),
        ("product warnings (all parts)", _warned),
    ]  # fmt: skip

    def cell(r: Result, make: Callable[[Result], str]) -> str:
        try:
            return make(r)
        except (KeyError, IndexError, statistics.StatisticsError):  # a part the plan left out
            return "-"

    lines = [(label, [cell(r, make) for r in report.results]) for label, make in parts]
    return [(label, cells) for label, cells in lines if set(cells) != {"-"}]


def render(report: Report) -> str:
    """The table, what was measured above it, the notable warnings below it."""
    plan, rows, names = report.plan, rows_of(report), [r.backend for r in report.results]
    world = report.results[0].world if report.results else None
    urgent, coordinators = (world.urgent, world.coordinators) if world else (0, 0)
    width = max(len(label) for label, _ in rows) + 2
    cells = [max([len(name)] + [len(c[i]) for _, c in rows]) + 2 for i, name in enumerate(names)]
    out = [
        f"{plan.size.handoffs:,} queued handoffs ({urgent} urgent), {plan.size.volunteers} "
        f"volunteers ({coordinators} coordinators, max_active {w.MAX_ACTIVE}), announce_limit "
        f"{SETTINGS.announce_limit}; medians of {plan.runs} run(s), ticks {plan.tick_runs} "
        f"run(s); {plan.asking.parents} parents asking about every {plan.asking.pause:g} s\n"
    ]
    for label, row in [("", names), *rows]:
        out.append(label.ljust(width) + "".join(map(str.ljust, row, cells)))
    if first := [t for r in report.results for t in r.first]:
        out.append(
            f"\nbefore #14: {OLD_ROWS:,} outbox rows for {OLD_HANDOFFS} handoffs in one tick "
            f"({OLD_ROWS / OLD_HANDOFFS:,.0f} per handoff); now "
            f"{med(t.rows for t in first) / plan.size.handoffs:.1f} per handoff in the first tick"
        )
    for result in report.results:
        out += [f"{result.backend} warning x{k}: {t}" for t, k in result.warnings.most_common(5)]
    return "\n".join([*out, *report.skipped, f"took {report.seconds:.0f} s"])


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run, print the table; exit 1 with the reason if a check fails."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["instance"]:  # python -m bench.bench_scale instance DB INDEX OF N PARENTS
        database, *numbers = argv[1:]
        return asyncio.run(run_instance(database, *(int(n) for n in numbers)))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1,000 queued / 100 volunteers")
    parser.add_argument("--tiny", action="store_true", help="300 queued / 30 volunteers")
    parser.add_argument("--runs", type=int, help="repeats of the cheap parts")
    parser.add_argument("--tick-runs", type=int, help="repeats of the tick sequence")
    figures.add_option(parser)
    args = parser.parse_args(argv)
    plan = TINY if args.tiny else QUICK if args.quick else FULL
    runs, tick_runs = args.runs or plan.runs, args.tick_runs or plan.tick_runs
    plan = dataclasses.replace(plan, runs=runs, tick_runs=tick_runs)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # unwind: the cluster goes too
    try:
        report = asyncio.run(run(plan, lambda line: print(line, file=sys.stderr, flush=True)))
    except AssertionError as failure:
        sys.exit(f"\nVERIFICATION FAILED: {failure}")
    print(render(report))
    figures.write(args.json, scale_figures.figures_of(report, rows_of(report)))


if __name__ == "__main__":
    main()
