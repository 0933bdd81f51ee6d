"""Handoff benchmark: 1,000 queued handoffs claimed by 50 concurrent volunteers, every handoff
claimed exactly once; claims per second and per-claim latency (median, p95).

Three scenarios, each on a fresh SQLite file per run, with a fixed clock inside opening hours:
  engine      50 volunteers send "/volgende" through Engine.handle until the queue is empty;
  contention  50 volunteers press the same *Oppakken* button at once, for each of 200 handoffs;
  store       the same claims as `engine`, as bare queue.claim_next transactions (the baseline).
After every run the outcome is verified (not timed) and the benchmark aborts if a handoff was
claimed twice, not at all, by someone else than the reply said, or out of queue order.

Run from the project root:
    .venv/bin/python bench/bench_handoff.py [--runs 3] [--handoffs 1000] [--volunteers 50]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import figures
from bench.figures import nearest as percentile
from bot.app import Wiring, load_content
from bot.core.engine import Engine
from bot.core.messages import Inbound
from bot.storage import AsyncStore
from bot.storage.contract import Tx
from bot.storage.raw import sql_of
from handoff.model import Handoff, Summary

FIXED = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday morning: the line is open
CHANNEL = "bench"
ROLES = ("advisor", "either")  # what an advisor's /volgende takes
URGENT_EVERY = 10
BATCH = 250  # handoffs created per setup transaction
HANG_SECONDS = 300.0  # a scenario taking longer than this counts as a hang
CLAIMED = re.compile(r"Je praat nu met Ouder #([A-Z0-9]+)\.")
EMPTY = "Er wacht nu niemand"
LOST = "Een collega was je net voor"


EngineFactory = Callable[[AsyncStore], Engine]


def engine_factory() -> EngineFactory:
    """Load the shipped Dutch content once; the factory builds Engines whose clock never moves."""
    content = load_content()
    return lambda store: Wiring(content=content, clock=lambda: FIXED).engine(store)


@dataclass(frozen=True)
class Setup:
    """What the untimed setup made: volunteers by address, handoffs, and the queue order."""

    volunteers: dict[str, int]  # address -> volunteer id
    handoffs: tuple[Handoff, ...]
    order: tuple[str, ...]  # handoff codes in queue order (urgent first, then oldest)

    @property
    def urgent(self) -> frozenset[str]:
        return frozenset(h.code for h in self.handoffs if h.urgent)


@dataclass(frozen=True)
class Claim:
    """One successful claim: who, which handoff code, and how long the caller waited."""

    volunteer_id: int
    code: str
    seconds: float


@dataclass(frozen=True)
class Outcome:
    """One scenario run: claims made, wall time, and latency samples (seconds)."""

    claims: int
    wall: float
    latencies: tuple[float, ...]

    @property
    def rate(self) -> float:
        return self.claims / self.wall


def check(condition: bool, message: str) -> None:
    """Abort the benchmark with `message` (an AssertionError that survives `python -O`)."""
    if not condition:
        raise AssertionError(message)


# -- setup (not timed) ----------------------------------------------------------------------


def urgent(i: int) -> str | None:
    """One handoff in ten is urgent (a suicide category), spread through the queue."""
    return "suicide" if i % URGENT_EVERY == URGENT_EVERY // 2 else None


def _add_volunteers(tx: Tx, count: int) -> dict[str, int]:
    """`count` linked advisors with room for every handoff (max_active 1000)."""
    linked: dict[str, int] = {}
    for i in range(count):
        _, code = tx.registry.add(f"Vrijwilliger {i}", "advisor", (), 1000, FIXED)
        address = f"{CHANNEL}:volunteer-{i}"
        volunteer = tx.registry.link(code, address, CHANNEL, FIXED)
        if volunteer is None:
            raise AssertionError(f"setup: linking volunteer {i} failed")
        linked[address] = volunteer.id
    return linked


def _add_handoffs(tx: Tx, first: int, last: int, total: int) -> list[Handoff]:
    """Handoffs first..last-1, each one waiting a second less than the one before."""
    summary = Summary(("School lukt niet", "Thuiszitten"), ("Wat is een OPP",))
    made = []
    for i in range(first, last):
        parent, role = f"{CHANNEL}:parent-{i}", "advisor" if i % 2 else "either"
        when = FIXED - timedelta(seconds=total - i)
        made.append(tx.queue.create(parent, CHANNEL, role, "school", urgent(i), summary, when))
    return made


async def setup(store: AsyncStore, handoffs: int, volunteers: int) -> Setup:
    """Link the volunteers in one transaction and queue the handoffs in a few more."""
    linked = await store.transaction(lambda tx: _add_volunteers(tx, volunteers))
    made: list[Handoff] = []
    for first in range(0, handoffs, BATCH):
        last = min(handoffs, first + BATCH)
        made += await store.transaction(
            functools.partial(_add_handoffs, first=first, last=last, total=handoffs)
        )
    waiting = await store.read(lambda tx: tx.queue.queued())
    check(len(waiting) == handoffs, f"setup: {len(waiting)} queued, expected {handoffs}")
    codes = [h.code for h in waiting]
    check(len(set(codes)) == handoffs, "setup: two open handoffs share a pseudonym code")
    return Setup(linked, tuple(made), tuple(codes))


# -- verification (not timed) ---------------------------------------------------------------


def verify_exactly_once(
    setup: Setup, claims: Sequence[Claim], after: Sequence[Handoff], ordered: bool = True
) -> None:
    """Every handoff claimed exactly once, by the volunteer whose reply said so, in queue order.

    `claims` are the successful replies in the order they came back; `after` is the database.
    """
    total = len(setup.handoffs)
    check(len(claims) == total, f"expected {total} 'Je praat nu met' replies, got {len(claims)}")
    twice = sorted(code for code, n in Counter(c.code for c in claims).items() if n > 1)
    check(not twice, f"handoff codes claimed more than once: {', '.join(twice[:20])}")
    claimer = {c.code: c.volunteer_id for c in claims}
    unknown = sorted(set(claimer) - set(setup.order))
    check(not unknown, f"replies name handoff codes that were never queued: {unknown[:20]}")
    check(len(after) == total, f"{total - len(after)} handoffs disappeared from the database")
    for now in after:
        owner = claimer.get(now.code)
        check(
            now.status == "active" and now.volunteer_id is not None and now.volunteer_id == owner,
            f"handoff #{now.code} is {now.status!r} with volunteer {now.volunteer_id} in the "
            f"database; expected 'active' with volunteer {owner}, who was told they had it",
        )
    if ordered:
        verify_order(setup, [c.code for c in claims])


def verify_order(setup: Setup, codes: Sequence[str]) -> None:
    """Claims (in the order they happened) are urgent first, then exactly the queue order.

    The clock is fixed, so every claimed_at is equal; the order of the replies is the test.
    """
    urgent = setup.urgent
    flags = [code in urgent for code in codes]
    if False in flags:
        late = [codes[i] for i in range(flags.index(False), len(codes)) if flags[i]]
        check(not late, f"urgent handoffs claimed after a non-urgent one: {late[:20]}")
    for i, (got, wanted) in enumerate(zip(codes, setup.order, strict=False)):
        check(got == wanted, f"claim {i + 1} took #{got}, but #{wanted} was first in the queue")


async def handoffs_now(store: AsyncStore, setup: Setup) -> list[Handoff]:
    """The setup's handoffs as the database has them now."""
    ids = [h.id for h in setup.handoffs]
    return await store.read(lambda tx: [h for i in ids if (h := tx.queue.get(i)) is not None])


# -- the scenarios --------------------------------------------------------------------------


async def _within_limit(*work: Awaitable[None]) -> float:
    """Run the work concurrently; its wall time, or abort if it hangs."""
    start = time.perf_counter()
    try:
        await asyncio.wait_for(asyncio.gather(*work), HANG_SECONDS)
    except TimeoutError:
        raise AssertionError(f"claims still running after {HANG_SECONDS:.0f} s: a hang") from None
    return time.perf_counter() - start


async def engine_scenario(
    build: EngineFactory, path: Path, handoffs: int, volunteers: int
) -> Outcome:
    """Volunteers send /volgende through the engine until the queue is empty; verified."""
    async with AsyncStore.open(path) as store:
        made = await setup(store, handoffs, volunteers)
        engine = build(store)
        claims: list[Claim] = []

        async def volunteer(address: str, volunteer_id: int) -> None:
            while True:
                start = time.perf_counter()
                replies = await engine.handle(Inbound(address, CHANNEL, FIXED, text="/volgende"))
                took = time.perf_counter() - start
                text = "\n".join(r.text for r in replies)
                found = CLAIMED.search(text)
                if found is not None:
                    claims.append(Claim(volunteer_id, found[1], took))
                    check(len(claims) <= handoffs, f"more than {handoffs} claims succeeded")
                elif EMPTY in text:
                    return
                else:
                    raise AssertionError(f"unexpected reply to /volgende for {address}: {text!r}")

        wall = await _within_limit(*(volunteer(a, v) for a, v in made.volunteers.items()))
        verify_exactly_once(made, claims, await handoffs_now(store, made))
        parents = {h.conversation_id: h.code for h in made.handoffs}
        rows = await store.read(
            lambda tx: sql_of(tx).execute("SELECT address FROM outbox ORDER BY id").fetchall()
        )
        check(
            [parents[r[0]] for r in rows if r[0] in parents] == [c.code for c in claims],
            "the replies came back in another order than the engine wrote the parents' notices",
        )
    return Outcome(len(claims), wall, tuple(c.seconds for c in claims))


async def store_scenario(path: Path, handoffs: int, volunteers: int) -> Outcome:
    """The same claims as bare queue.claim_next transactions, without the engine; verified."""
    async with AsyncStore.open(path) as store:
        made = await setup(store, handoffs, volunteers)
        claims: list[Claim] = []

        async def volunteer(volunteer_id: int) -> None:
            while True:
                start = time.perf_counter()
                found = await store.transaction(
                    lambda tx: tx.queue.claim_next(volunteer_id, ROLES, FIXED)
                )
                if found is None:
                    return
                claims.append(Claim(volunteer_id, found.code, time.perf_counter() - start))
                check(len(claims) <= handoffs, f"more than {handoffs} claims succeeded")

        wall = await _within_limit(*(volunteer(v) for v in made.volunteers.values()))
        verify_exactly_once(made, claims, await handoffs_now(store, made))
    return Outcome(len(claims), wall, tuple(c.seconds for c in claims))


async def contention_scenario(
    build: EngineFactory, path: Path, handoffs: int, volunteers: int
) -> Outcome:
    """All volunteers press *Oppakken* on the same handoff at once, handoff after handoff.

    Exactly one winner each time, everyone else hears a colleague was first; latency is per
    round (until all presses of one handoff are answered).
    """
    async with AsyncStore.open(path) as store:
        made = await setup(store, handoffs, volunteers)
        engine = build(store)
        people = list(made.volunteers.items())
        winners: list[Claim] = []
        rounds: list[float] = []

        async def press(address: str, volunteer_id: int, handoff: Handoff) -> tuple[int, str]:
            inbound = Inbound(address, CHANNEL, FIXED, choice=f"v:claim:{handoff.id}")
            return volunteer_id, "\n".join(r.text for r in await engine.handle(inbound))

        async def all_rounds() -> None:
            for n, handoff in enumerate(made.handoffs):
                order = people[n % len(people) :] + people[: n % len(people)]  # fair first place
                start = time.perf_counter()
                answers = await asyncio.gather(*(press(a, v, handoff) for a, v in order))
                rounds.append(time.perf_counter() - start)
                won = [(v, text) for v, text in answers if LOST not in text]
                found = CLAIMED.search(won[0][1]) if len(won) == 1 else None
                check(
                    found is not None and found[1] == handoff.code,
                    f"handoff #{handoff.code}: expected one winner and {len(order) - 1} x '{LOST}'"
                    f", but {len(won)} got other replies: {[t[-100:] for _, t in won][:5]}",
                )
                winners.append(Claim(won[0][0], handoff.code, rounds[-1]))

        wall = await _within_limit(all_rounds())
        verify_exactly_once(made, winners, await handoffs_now(store, made), ordered=False)
    return Outcome(len(winners), wall, tuple(rounds))


# -- the report -----------------------------------------------------------------------------


def line(label: str, outcomes: Sequence[Outcome], unit: str = "claim") -> str:
    """Medians over the runs: claims/s, wall time and the latency percentiles."""
    median = statistics.median(statistics.median(o.latencies) for o in outcomes)
    p95 = statistics.median(percentile(o.latencies, 0.95) for o in outcomes)
    return (
        f"{label:<38} {statistics.median(o.rate for o in outcomes):8.0f} claims/s   "
        f"wall {statistics.median(o.wall for o in outcomes):6.2f} s   "
        f"per {unit}: median {median * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms"
    )


def medians(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """What `line` prints, as numbers for `--json`: claims/s, wall, per-claim p50/p95 in ms."""
    med, lat = statistics.median, [o.latencies for o in outcomes]
    p50, p95 = med(med(x) for x in lat) * 1000, med(percentile(x, 0.95) for x in lat) * 1000
    return {"claims_per_s": med(o.rate for o in outcomes), "wall_s": med(o.wall for o in outcomes),
            "p50_ms": p50, "p95_ms": p95}  # fmt: skip


async def run(runs: int, handoffs: int, volunteers: int, contended: int) -> dict[str, object]:
    """Every scenario `runs` times on fresh files; print each run and then the medians."""
    build = engine_factory()
    hurry = sum(1 for i in range(handoffs) if urgent(i))
    print(
        f"{handoffs} queued handoffs ({hurry} urgent), {volunteers} linked advisors "
        f"(max_active 1000), clock fixed at {FIXED:%Y-%m-%d %H:%M} UTC; SQLite WAL, "
        f"synchronous=NORMAL, one storage thread; {runs} run(s), fresh file each"
    )
    engine: list[Outcome] = []
    store: list[Outcome] = []
    contention: list[Outcome] = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(1, runs + 1):
            folder = Path(tmp)
            engine.append(await engine_scenario(build, folder / f"e{k}.db", handoffs, volunteers))
            store.append(await store_scenario(folder / f"s{k}.db", handoffs, volunteers))
            contention.append(
                await contention_scenario(build, folder / f"c{k}.db", contended, volunteers)
            )
            done = zip(("engine", "store", "contention"), (engine, store, contention), strict=True)
            rates = ", ".join(
                f"{n} {o[-1].rate:.0f} claims/s ({o[-1].wall:.2f} s)" for n, o in done
            )
            print(f"run {k}: {rates} - verified")
    print(f"\nmedians over {runs} run(s):")
    print(line(f"/volgende via Engine.handle, {volunteers} tasks", engine))
    print(line(f"claim_next via AsyncStore, {volunteers} tasks", store))
    print(line(f"Oppakken x{volunteers} at once, {contended} rounds", contention, "round"))
    slower = statistics.median(s.rate for s in store) / statistics.median(e.rate for e in engine)
    print(
        f"engine/store time per claim: {slower:.2f}x (the engine's overhead per /volgende: "
        "context read, desk logic, summary, notice to the parent, event)"
    )
    print(
        f"verified every run: each of the {handoffs} handoffs 'active' with exactly one "
        f"volunteer, {handoffs} 'Je praat nu met' replies, no code claimed twice, claims in "
        f"exact queue order (all {hurry} urgent first); contention: exactly one winner per "
        f"handoff, {volunteers - 1} × '{LOST}'"
    )
    sizes = {"runs": runs, "handoffs": handoffs, "volunteers": volunteers, "contended": contended}
    parts = {"engine": medians(engine), "store": medians(store), "contention": medians(contention)}
    return sizes | parts | {"engine_over_store": slower}


def main(argv: list[str] | None = None) -> None:
    """Parse the options, run, and exit with status 1 and the reason if verification fails."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--handoffs", type=int, default=1000)
    parser.add_argument("--volunteers", type=int, default=50)
    parser.add_argument("--contended", type=int, default=200, help="handoffs in `contention`")
    figures.add_option(parser)
    args = parser.parse_args(argv)
    try:
        out = asyncio.run(run(args.runs, args.handoffs, args.volunteers, args.contended))
        figures.write(args.json, out)
    except AssertionError as failure:
        print(f"\nVERIFICATION FAILED: {failure}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
