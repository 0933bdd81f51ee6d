"""Crash test, widened (#15): real `ouderlijn run` processes (one on SQLite, or two on one
PostgreSQL) with Telegram parents (webhook updates from the fake Bot API, spread over the
instances in turn) and web chat parents (tests/crash_web.py: WebSockets to either instance,
resumed after every restart) at once, SIGKILLed at random moments and restarted.

The load: FAQ bursts on both channels; a Telegram parent and a web parent each claimed by a
Telegram volunteer, lines relayed both ways. The check (tests/crash_checks.py): every update
Telegram saw answered 200 and every message the web acknowledged is handled in the inbox and
answered (FAQ) or in its handoff (relayed); no handoff lost or claimed twice; relayed lines
neither lost nor duplicated beyond a bound; on PostgreSQL the queue watch and retention held
by at most one session at any sampled moment. Full form, e.g.:
    .venv/bin/python -m tests.crash_instances --kills 20 [--postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import io
import itertools
import random
import tempfile
import time
from pathlib import Path

import aiohttp

from bot.cli import build_parser
from bot.cli.volunteer import run as volunteer_cli
from bot.config import load_settings
from tests.crash_checks import ANSWERED, Report
from tests.crash_harness import QUESTIONS, WAIT, Load, calibrate
from tests.crash_web import WebTab
from tests.fake_telegram import FakeBotApi, FakeUser
from tests.fake_telegram_push import FIRST_PAUSE, MAX_PAUSE, Pusher
from tests.instances import Instance, job_holders, write_config

SECRET = "crash-run-secret"
STARTUP = 120.0  # seconds a (re)started instance may take to answer /healthz
JOBS = ("queue-watch", "retention")
TOKEN = "crash-run-session-token-{:04d}-abcdefgh"
PACE = 3.0  # seconds between a talking parent's lines: at most 8 in 20 s (the flood limit)
Holders = dict[str, list[tuple[str, int]]]


class SpreadPusher(Pusher):
    """Telegram's webhook push (tests/fake_telegram_push.py), but each attempt goes to the
    next instance in turn: the load balancer in front of two instances; a dead one is a
    refused connection, so the update goes to the other (or again later)."""

    def __init__(self, api: FakeBotApi, urls: list[str], secret: str, connections: int) -> None:
        self.urls, self._turn = urls, itertools.count()
        super().__init__(api, urls[0], secret, connections)

    async def _deliver(self, session: aiohttp.ClientSession, update: dict[str, object]) -> None:
        pause = FIRST_PAUSE
        while any(u is update for u in self.api._updates):
            url, status = self.urls[next(self._turn) % len(self.urls)], 0
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
                async with session.post(url, json=update) as response:
                    await response.read()
                    status = response.status
            if status == 200:
                self.api.confirmed.add(int(str(update["update_id"])))
                self.api._updates = [u for u in self.api._updates if u is not update]
                return
            await asyncio.sleep(pause)
            pause = min(MAX_PAUSE, 2 * pause)


def push_spread(api: FakeBotApi, urls: list[str], connections: int = 4) -> None:
    """Put the fake Bot API in push mode over all `urls` (what start_push does for one)."""
    assert api._pusher is None
    api._pusher = SpreadPusher(api, urls, SECRET, connections)
    api._wake.set()
    api._wake = asyncio.Event()


def invite(folder: Path, database: str | Path, names: list[str]) -> list[str]:
    """`ouderlijn volunteer add --role buddy --max 1` for each; their invite codes."""
    env = {"OUDERLIJN_DB": str(database if isinstance(database, Path) else folder / "cli.db")}
    if not isinstance(database, Path):
        env["OUDERLIJN_DATABASE_URL"] = database
    settings = load_settings(env=env, cwd=folder)
    codes = []
    for name in names:
        argv = ["volunteer", "add", "--name", name, "--role", "buddy", "--max", "1"]
        out = io.StringIO()
        assert volunteer_cli(build_parser().parse_args(argv), settings, out) == 0, out.getvalue()
        codes.append(out.getvalue().split("Invite code:")[1].split()[0])
    return codes


class WebLoad:
    """The web parents: FAQ bursts, and one who talks to a Telegram volunteer."""

    def __init__(self, urls: list[str], titles: dict[str, str], tabs: int, wait: float) -> None:
        self.urls, self.titles, self.wait, self.slots = urls, titles, wait, tabs
        self.faq: list[WebTab] = []  # FAQ parents, one tab each (new ones keep coming)
        self.talker = WebTab(urls, TOKEN.format(9999), "wt")
        self.asked: dict[tuple[str, str], int] = {}  # (tab, title) -> times asked
        self.relayed: dict[tuple[str, str], int] = {}  # (volunteer chat or tab, line) -> sent
        self.problems: list[str] = []
        self.late: list[str] = []  # waited longer than `wait` (slow, not lost: the end counts)

    @property
    def tabs(self) -> list[WebTab]:
        return [*self.faq, self.talker]

    async def opened(self, tab: WebTab) -> WebTab:
        """Open the tab and wait for its greeting (the resume of a new session)."""
        await tab.__aenter__()
        if not await tab.wait(functools.partial(len, tab.shown), self.wait):
            self.problems.append(f"{tab.name}: never greeted")
        return tab

    async def close(self) -> None:
        for tab in self.tabs:
            await tab.__aexit__()

    def answers(self, tab: WebTab, title: str) -> list[dict[str, object]]:
        """The FAQ answers with this title the tab showed."""
        return [
            m
            for m in tab.shown
            if m.get("from") == "bot"
            and str(m.get("text", "")).split("\n", 1)[0] == title
            and ANSWERED in str(m.get("text", ""))
        ]

    async def faq_stream(self, done: asyncio.Event) -> None:
        """Web parents one after another, each with a burst of three questions (under the
        flood limit), until `done` is set; at least one. Their tabs stay open (and resume)."""
        while True:
            n = len(self.faq)
            tab = WebTab(self.urls, TOKEN.format(n), f"w{n}")
            self.faq.append(tab)
            await self.opened(tab)
            before = tab.count(ANSWERED, "bot")
            for k in range(3):
                key = (tab.name, self.titles[QUESTIONS[(n + k) % len(QUESTIONS)]])
                self.asked[key] = self.asked.get(key, 0) + 1
                await tab.says(QUESTIONS[(n + k) % len(QUESTIONS)])
            if not await tab.arrives(ANSWERED, before + 3, self.wait, "bot"):
                self.late.append(f"{tab.name}: burst not answered in time")
            if done.is_set():
                return
            await asyncio.sleep(2.0)  # the next parent comes a moment later

    async def claim(self, load: Load, volunteer: FakeUser) -> bool:
        """The web talker asks for a person and is picked up by the Telegram `volunteer`."""
        from tests.crash_harness import arrives, press

        tab, seen = self.talker, len(load.api.messages_to(volunteer.id))
        await tab.says("ik wil iemand spreken")
        for label in ("Maakt niet uit", "Iets anders"):
            if not await tab.presses(label, wait=self.wait):
                self.problems.append(f"{tab.name}: no button {label!r}")
                return False
        if not await tab.arrives("U staat in de rij", wait=self.wait):
            self.problems.append(f"{tab.name}: not queued")
            return False
        if not await press(
            load.api, volunteer, "Oppakken", seen, self.wait
        ) or not await tab.arrives("is er nu voor u", wait=self.wait):
            self.problems.append(f"{tab.name}: never claimed")
            return False
        return await arrives(load.api, volunteer, "Je praat nu met", wait=self.wait)

    async def talk(self, load: Load, volunteer: FakeUser, lines: int, pace: float) -> None:
        """Numbered lines both ways between the web talker and the Telegram volunteer; the
        parent's at least `pace` seconds apart (the flood limit)."""
        from tests.crash_harness import arrives

        tab = self.talker
        for n in range(lines):
            await asyncio.sleep(pace * (n > 0))
            line = f"webvraag-van-de-ouder-{n}"
            self.relayed[(str(volunteer.id), line)] = 1
            await tab.says(line)
            if not await arrives(load.api, volunteer, line, wait=self.wait):
                self.late.append(f"relay {line} not delivered in time")
            line = f"webantwoord-aan-de-ouder-{n}"
            self.relayed[(tab.name, line)] = 1
            load.api.user_sends(volunteer, line)
            if not await tab.arrives(line, wait=self.wait, sender="volunteer"):
                self.late.append(f"relay {line} not delivered in time")


async def sample_jobs(database_url: str, seen: list[Holders]) -> None:
    """Every half second: which sessions hold the queue-watch and retention leases."""
    while True:
        sample = {job: await asyncio.to_thread(job_holders, database_url, job) for job in JOBS}
        seen.append(sample)
        await asyncio.sleep(0.5)


async def crash_run_instances(
    folder: Path,
    database: str | Path,
    instances: int = 1,
    kills: int = 6,
    parents: int = 3,
    tabs: int = 3,
    lines: int = 5,
    seed: int = 1,
    wait: float = WAIT,
) -> tuple[Report, list[Path], dict[str, object]]:
    """One crash run; returns the figures, the instances' logs and what the checks need."""
    from tests.crash_checks import verify

    rng = random.Random(seed)
    titles = await calibrate()
    backend = "sqlite" if isinstance(database, Path) else "postgresql"
    report = Report(f"run-{backend}" + (f"-{instances}" if instances > 1 else ""))
    write_config(folder, watch_seconds=1)
    codes = await asyncio.to_thread(invite, folder, database, ["Anne", "Bas"])
    samples: list[Holders] = []
    async with FakeBotApi() as api:
        api.latency = 0.02
        cluster = [Instance(n, api, folder, database, SECRET) for n in "AB"[:instances]]
        for instance in cluster:  # as deploy/ouderlijn@.service does: the same name each start
            instance.env["OUDERLIJN_INSTANCE"] = f"crash-{instance.name}"
        began = time.monotonic()
        for instance in cluster:
            instance.start()
        await asyncio.gather(*(i.healthy(STARTUP) for i in cluster))
        report.seconds["first start"] = time.monotonic() - began
        push_spread(api, [i.webhook for i in cluster])
        load = Load(api, titles, parents, wait)
        load.talkers = load.talkers[:1]
        web = WebLoad([i.url for i in cluster], titles, tabs, wait)
        sampler = None
        try:
            await load.warm_up()
            await load.link(codes)
            await web.opened(web.talker)
            api.all_updates.clear()
            confirmed_before = set(api.confirmed)
            if backend == "postgresql":
                sampler = asyncio.create_task(sample_jobs(str(database), samples))

            async def killer(done: asyncio.Event) -> None:
                for _ in range(kills):
                    await asyncio.sleep(rng.uniform(0.3, 2.5))
                    began = time.monotonic()
                    victims = [rng.randrange(len(cluster))] if rng.random() < 0.75 else []
                    victims = victims or list(range(len(cluster)))  # sometimes all at once
                    for v in victims:
                        cluster[v].kill()
                    report.killed()
                    await asyncio.sleep(rng.uniform(0.0, 0.3))
                    for v in victims:
                        cluster[v].start()
                    if rng.random() < 0.8:  # else the next kill may come during the start
                        await asyncio.gather(*(cluster[v].healthy(STARTUP) for v in victims))
                        restarts.append(time.monotonic() - began)
                done.set()
                report.seconds["kills"] = time.monotonic() - load_began

            async def conversations() -> None:
                telegram_ok = await load.claim(load.talkers[0], load.volunteers[0])
                web_ok = await web.claim(load, load.volunteers[1])
                talks = []
                if telegram_ok:
                    talks.append(load.talk(load.talkers[0], load.volunteers[0], lines, PACE))
                if web_ok:
                    talks.append(web.talk(load, load.volunteers[1], lines, PACE))
                await asyncio.gather(*talks)

            done, restarts, load_began = asyncio.Event(), list[float](), time.monotonic()
            await asyncio.gather(
                killer(done),
                conversations(),
                *(load.faq_stream(done) for _ in range(parents)),
                *(web.faq_stream(done) for _ in range(tabs)),
            )
            report.seconds["load"] = time.monotonic() - load_began
            report.seconds["restart"] = max(restarts, default=0.0)
            await asyncio.sleep(2.0)  # the last runs go quiet; a late duplicate shows up now
        finally:
            if sampler is not None:
                sampler.cancel()
            exits = [i.stop() for i in cluster]
            await api.stop_push()
            await web.close()
        if exits != [0] * len(cluster):
            load.problems.append(f"exit codes on SIGTERM: {exits}")
        report.updates = len(api.confirmed - confirmed_before)
        verify(api, load, web, report, database, api.confirmed - confirmed_before, samples)
    return report, [i.log_path for i in cluster], {"load": load, "web": web}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--postgresql", action="store_true", help="two instances on PostgreSQL")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="crash-run-") as name:
        folder = Path(name)
        if args.postgresql:
            from tests.pg_server import open_test_server, usable

            server = usable(*open_test_server())
            try:
                url = server.database_url(server.create_database())
                report, _, _ = asyncio.run(
                    crash_run_instances(folder, url, 2, args.kills, seed=args.seed)
                )
            finally:
                server.close()
        else:
            db = folder / "ouderlijn.db"
            report, _, _ = asyncio.run(
                crash_run_instances(folder, db, 1, args.kills, seed=args.seed)
            )
    print(report.line())
    print({k: round(v, 1) for k, v in report.seconds.items()})
    for kind, items in (("lost", report.lost), ("duplicated", report.duplicated)):
        for item in items[:20]:
            print(f"  {kind}: {item}")


if __name__ == "__main__":
    main()
