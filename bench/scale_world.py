"""The world of the scale benchmark (#14, `bench/bench_scale.py`): databases on both backends
(fresh ones and cheap copies of one seeded queue), seeding, and the probes that time claims,
ticks and parents' FAQ replies through Engine.handle."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import os
import random
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bench import flood
from bot.app import Content, Wiring
from bot.core.engine import Engine
from bot.core.messages import Inbound
from bot.storage import AsyncStore
from bot.storage.contract import Tx
from bot.storage.raw import sql_of
from handoff.model import Summary

if TYPE_CHECKING:
    from tests.pg_server import TestServer

# Monday 09:01 in Amsterdam: the line opened a minute ago; everyone queued over the weekend.
OPENED = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
NOW = OPENED + timedelta(minutes=1)
CLOSED_SINCE = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)  # Friday 17:00 in Amsterdam
CHANNEL = "bench"
TOPICS = ("autisme", "adhd", "dyslexie", "hoogbegaafdheid", "thuiszitten", "schoolangst", "dcd")
SEED_BATCH = 2_000  # handoffs created per seeding transaction
URGENT_EVERY = 50  # 2 % of the handoffs are urgent
MAX_ACTIVE = 3
ANSWERED = "Heeft dit geholpen?"  # the end of every FAQ answer
CODE = re.compile(r"Je praat nu met Ouder #([A-Z0-9]+)\.")  # a successful claim
# Our own FAQ questions; each gets an answer from the shipped content.
QUESTIONS = (
    "hoe vraag ik een vrijstelling van de leerplicht aan",
    "hoe dien ik een klacht in over de school van mijn dochter",
    "wie betaalt het onderzoek naar dyslexie",
    "mijn kind wordt gepest in de klas wat kan ik doen",
    "mijn zoon krijgt een schooladvies waar ik het niet mee eens ben",
    "wat staat er in een ontwikkelingsperspectief",
    "de school wil mijn dochter van school sturen",
    "mijn kind is hoogbegaafd en verveelt zich op school",
    "wat houdt de zorgplicht van een school in",
)


def check(condition: bool, message: str) -> None:
    """Abort with `message` (an AssertionError that survives `python -O`)."""
    if not condition:
        raise AssertionError(message)


@dataclass(frozen=True)
class Size:
    handoffs: int
    volunteers: int


@dataclass
class Clock:
    now: datetime = NOW  # the engine's clock: still, moved only by the benchmark

    def __call__(self) -> datetime:
        return self.now


class Warnings(logging.Handler):
    """Counts the product's warnings (storage busy, deadlocks given up …) instead of printing."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.seen[record.getMessage().split(" (correlation")[0][:90]] += 1

    @contextlib.contextmanager
    def counting(self) -> Iterator[Warnings]:
        logging.getLogger("bot").addHandler(self)
        try:
            yield self
        finally:
            logging.getLogger("bot").removeHandler(self)


class SqliteSite:
    """SQLite files in a temporary folder; a copy is a copy of the file."""

    name = "SQLite"

    def __init__(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="ouderlijn-scale-"))
        self._made = (str(self._folder / f"scale-{n}.db") for n in itertools.count(1))

    async def fresh(self) -> str:
        async with AsyncStore.open(path := next(self._made)):  # migrated on open
            return path

    async def copy(self, source: str) -> str:
        path = next(self._made)
        for suffix in ("", "-wal", "-shm"):
            if Path(source + suffix).exists():
                shutil.copyfile(source + suffix, path + suffix)
        return path

    def close(self) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)


class PostgresSite:
    """Databases on a TestServer (`close` stops it when owned); a copy is a TEMPLATE copy."""

    name = "PostgreSQL"

    def __init__(self, server: TestServer, owns_server: bool = True) -> None:
        self.server, self.owns_server = server, owns_server
        self._names: dict[str, str] = {}  # URL -> database name, in the order made

    def _made(self, name: str) -> str:
        self._names[url := self.server.database_url(name)] = name
        return url

    async def fresh(self) -> str:
        return self._made(await asyncio.to_thread(self.server.create_database))

    async def copy(self, source: str) -> str:
        import psycopg
        from psycopg import sql

        original, name = self._names[source], f"{self._names[source]}_c{len(self._names)}"
        query = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(original)
        )

        def create() -> None:
            with psycopg.connect(self.server.url, autocommit=True) as admin:
                admin.execute(query)

        await asyncio.to_thread(create)
        return self._made(name)

    def close(self) -> None:
        for name in reversed(list(self._names.values())):
            with contextlib.suppress(Exception):
                self.server.drop_database(name)
        if self.owns_server:
            self.server.close()


Site = SqliteSite | PostgresSite


def postgres_site() -> tuple[PostgresSite | None, str]:
    """A site on OUDERLIJN_BENCH_POSTGRES_URL, else on a throwaway cluster of our own (as the
    tests start one); None and why when neither works."""
    from tests import pg_server

    os.environ.pop(pg_server.URL_ENV, None)  # not the tests' server: ours, or the bench's
    if url := os.environ.get("OUDERLIJN_BENCH_POSTGRES_URL"):
        os.environ[pg_server.URL_ENV] = url  # open_test_server uses it, or says why not
    server, reason = pg_server.open_test_server()
    if server is None:
        why = reason.replace(pg_server.URL_ENV, "OUDERLIJN_BENCH_POSTGRES_URL").splitlines()[0]
        return None, f"PostgreSQL skipped: {why}"
    return PostgresSite(server), ""


@dataclass(frozen=True)
class World:
    """What seeding made: linked volunteers by address, and how many of what."""

    volunteers: dict[str, tuple[int, str]]  # address -> (volunteer id, role)
    handoffs: int
    urgent: int
    coordinators: int


def volunteer_role(i: int, total: int) -> str:
    """About 1 % coordinators (at least 2), then 3 advisors for every 2 buddies."""
    if i < max(2, total // 100):
        return "coordinator"
    return "buddy" if i % 5 in (1, 3) else "advisor"


def handoff_category(i: int) -> str | None:
    """2 % urgent (suicide or harm), 5 % distress, the rest none."""
    if i % URGENT_EVERY == URGENT_EVERY // 2:
        return "suicide" if i % (2 * URGENT_EVERY) < URGENT_EVERY else "harm"
    return "distress" if i % 20 == 3 else None


def _add_volunteers(tx: Tx, total: int) -> dict[str, tuple[int, str]]:
    linked: dict[str, tuple[int, str]] = {}
    for i in range(total):
        role = volunteer_role(i, total)
        topics = (TOPICS[i % len(TOPICS)], TOPICS[(i * 3 + 1) % len(TOPICS)])
        _, code = tx.registry.add(f"Vrijwilliger {i}", role, topics, MAX_ACTIVE, NOW)
        address = f"{CHANNEL}:volunteer-{i}"
        volunteer = tx.registry.link(code, address, CHANNEL, NOW)
        if volunteer is None:
            raise AssertionError(f"seeding: linking volunteer {i} failed")
        linked[address] = (volunteer.id, role)
    return linked


def _add_handoffs(tx: Tx, first: int, last: int, total: int) -> None:
    """Handoffs first..last-1, requested one after another while the line was closed; roles
    advisor, buddy, either in 2:1:2, two in three with a topic."""
    summary = Summary(("School lukt niet", "Thuiszitten"), ("Wat is een OPP?",))
    span = (OPENED - CLOSED_SINCE).total_seconds() - 60
    for i in range(first, last):
        when = CLOSED_SINCE + timedelta(seconds=span * i / total)
        topic = TOPICS[i % len(TOPICS)] if i % 3 else None
        role = ("advisor", "buddy", "either", "advisor", "either")[i % 5]
        parent = f"{CHANNEL}:parent-{i}"
        tx.queue.create(parent, CHANNEL, role, topic, handoff_category(i), summary, when)


async def seed(store: AsyncStore, size: Size) -> World:
    """The volunteers in one transaction, the handoffs in a few big ones."""
    linked = await store.transaction(functools.partial(_add_volunteers, total=size.volunteers))
    for first in range(0, size.handoffs, SEED_BATCH):
        last = min(size.handoffs, first + SEED_BATCH)
        add = functools.partial(_add_handoffs, first=first, last=last, total=size.handoffs)
        await store.transaction(add)
    queued = await store.read(lambda tx: tx.queue.waiting_count())
    check(queued == size.handoffs, f"seeding: {queued} queued, expected {size.handoffs}")
    urgent = sum(1 for i in range(size.handoffs) if handoff_category(i) in ("suicide", "harm"))
    coordinators = sum(1 for _, role in linked.values() if role == "coordinator")
    return World(linked, size.handoffs, urgent, coordinators)


def build_engine(content: Content, store: AsyncStore, clock: Clock) -> Engine:
    """The engine `ouderlijn run` builds (shipped settings: announce_limit 10, office hours)."""
    return Wiring(content=content, clock=clock, settings=flood.settings()).engine(store)


@dataclass(frozen=True)
class Asking:
    parents: int = 200  # parents asking FAQ questions, each every `pause` seconds
    pause: float = 4.0  # 200 parents, 4 s: about 50 questions/s


@dataclass
class Asked:
    """FAQ questions: latencies (s) of the answered, how many got none (e.g. "busy"), all."""

    latencies: list[float] = field(default_factory=list)
    unanswered: int = 0
    asked: int = 0


async def ask_faq(
    engine: Engine, label: str, clock: Clock, how: Asking, busy: asyncio.Task[float] | None
) -> Asked:
    """Parents ask FAQ questions through Engine.handle: the first questions spread over
    `how.pause` seconds, then each asks again `pause` (±50 %) after its answer while `busy`
    runs (closed loop: one question per parent in flight). Without `busy` each asks once."""
    asked, rng, pause = Asked(), random.Random(label), how.pause

    async def parent(k: int) -> None:
        address = f"{CHANNEL}:{label}-{k}"
        await asyncio.sleep(pause * k / how.parents)
        for n in itertools.count():
            if busy is not None and busy.done():
                return
            inbound = Inbound(address, CHANNEL, clock(), text=QUESTIONS[(k + n) % len(QUESTIONS)])
            start = time.perf_counter()
            replies = await engine.handle(inbound)
            took, asked.asked = time.perf_counter() - start, asked.asked + 1
            if any(ANSWERED in r.text for r in replies):
                asked.latencies.append(took)
            else:
                asked.unanswered += 1
            if busy is None:
                return
            await asyncio.sleep(pause * rng.uniform(0.5, 1.5))

    await asyncio.gather(*(parent(k) for k in range(how.parents)))
    return asked


@dataclass(frozen=True)
class TickRun:
    """One timed tick: how long, what it wrote, and the FAQ replies asked meanwhile."""

    seconds: float
    rows: int  # outbox rows it wrote
    to_parents: int  # of them for the waiting parents
    most_to_one: int  # the most rows for one volunteer
    most_about_one: int  # the most rows about one waiting parent (to them or about them)
    asked: Asked | None


def _outbox(tx: Tx) -> tuple[list[tuple[str, int]], int]:
    """Outbox rows per address, and the most rows about one parent."""
    sql = sql_of(tx)
    per_address = sql.execute("SELECT address, count(*) FROM outbox GROUP BY address").fetchall()
    most = sql.execute(
        "SELECT count(*) FROM outbox GROUP BY coalesce(about, address) ORDER BY 1 DESC LIMIT 1"
    ).fetchone()
    return [(str(a), int(n)) for a, n in per_address], int(most[0]) if most else 0


async def timed_tick(
    engine: Engine, world: World, clock: Clock, label: str = "", how: Asking | None = None
) -> TickRun:
    """`engine.tick()` on an empty outbox (as if the courier had delivered all), timed; with
    `how`, parents ask FAQ questions while it runs (see ask_faq)."""
    await engine.store.transaction(lambda tx: sql_of(tx).execute("DELETE FROM outbox"))

    async def tick() -> float:
        start = time.perf_counter()
        await engine.tick()
        return time.perf_counter() - start

    running = asyncio.create_task(tick())
    asked = None if how is None else await ask_faq(engine, label, clock, how, running)
    seconds = await running
    per_address, most_about_one = await engine.store.read(_outbox)
    volunteers = [n for a, n in per_address if a in world.volunteers]
    rows = sum(n for _, n in per_address)
    most = max(volunteers, default=0)
    return TickRun(seconds, rows, rows - sum(volunteers), most, most_about_one, asked)


@dataclass(frozen=True)
class Claims:
    """Claims through Engine.handle: per-claim latencies and the codes each volunteer got."""

    latencies: tuple[float, ...]
    codes: tuple[tuple[int, str], ...]  # (volunteer id, handoff code)


async def claim(engine: Engine, world: World, clock: Clock, tasks: int = 1) -> Claims:
    """Every volunteer sends `/volgende` (the volunteer's *next* command) once, timed: one
    after another, or from `tasks` concurrent tasks."""
    people = list(world.volunteers)
    random.Random(14).shuffle(people)
    latencies: list[float] = []
    codes: list[tuple[int, str]] = []

    async def worker(share: list[str]) -> None:
        for address in share:
            start = time.perf_counter()
            replies = await engine.handle(Inbound(address, CHANNEL, clock(), text="/volgende"))
            latencies.append(time.perf_counter() - start)
            text = "\n".join(r.text for r in replies)
            found = CODE.search(text)
            if found is None:
                raise AssertionError(f"/volgende of {address} claimed nothing: {text[:200]!r}")
            codes.append((world.volunteers[address][0], found[1]))

    await asyncio.gather(*(worker(people[k::tasks]) for k in range(tasks)))
    return Claims(tuple(latencies), tuple(codes))


async def verify_claims(store: AsyncStore, claims: Sequence[Claims]) -> int:
    """No handoff claimed twice, each one active with the volunteer who was told they had it,
    and as many active as claims; returns how many were checked."""
    made = [pair for c in claims for pair in c.codes]
    twice = [code for code, n in Counter(code for _, code in made).items() if n > 1]
    check(not twice, f"handoffs claimed twice: {twice[:10]}")

    def read(tx: Tx) -> tuple[int, dict[str, int | None]]:
        query = "SELECT count(*) FROM handoffs WHERE status = 'active'"
        found = {code: tx.queue.by_code(code) for _, code in made}
        owners = {
            c: h.volunteer_id if h and h.status == "active" else None for c, h in found.items()
        }
        return int(sql_of(tx).execute(query).fetchone()[0]), owners

    active, owners = await store.read(read)
    check(active == len(made), f"{active} handoffs active after {len(made)} claims")
    wrong = [code for volunteer, code in made if owners[code] != volunteer]
    check(not wrong, f"handoffs active with someone else than the claimant: {wrong[:10]}")
    return len(made)
