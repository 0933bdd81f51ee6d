"""Soak (#15): `ouderlijn run` under mixed traffic (tests/soak.py) keeps RSS, open fds,
threads and database connections flat after warm-up, and SQLite's WAL bounded; afterwards the
privacy scan finds nothing in the database, the log or the statistics. Short form 30 s per
backend, full form 30 minutes (OUDERLIJN_STRESS=full); `-s` prints the figures line."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import pytest

from tests.db_inspect import is_postgres, rows
from tests.fake_telegram import FakeBotApi
from tests.instances import Instance, Mail, write_config
from tests.privacy_scan import Secrets, leaks
from tests.soak import (
    WAIT,
    Sampler,
    Soak,
    coordinator,
    login_token,
    median,
    register,
    telegram_visit,
    volunteer,
    web_visit,
)
from tests.stress import FULL, record, seconds

SECRET = "soak-webhook-secret"
STARTUP = 120.0  # seconds the process may take to answer /healthz on a busy machine
MB = 1024 * 1024
RSS_SLACK = (0.15, 20 * MB)  # growth after warm-up: under 15 % or under 20 MB
FD_SLACK = 12  # sockets of the clients open at the moment of a sample (tabs, pages, push)
CONNECTION_SLACK = 2
THREAD_SLACK = 4
# SQLite checkpoints the WAL at 1000 pages (4 MB with 4 KiB pages) and then writes it from the
# start again, so it stays near that size; twice that allows one checkpoint held up by a reader.
WAL_BOUND = 8 * MB
VOLUNTEERS = ("Sieuwke", "Tjitske")
TIMES: dict[str, float] = {}  # seconds the phases around the traffic took (for the figures)


async def loop(
    soak: Soak, kinds: tuple[str, ...], visit: Callable[[int], Awaitable[None]], n: int
) -> None:
    """Visits one after another until the deadline, each by a new person; `n` picks the kind
    of the first (so parallel loops do not all do the same thing at the same time)."""
    while soak.running():
        await soak.guarded(kinds[n % len(kinds)], functools.partial(visit, n))
        n += 1


async def run_soak(folder: Path, database: str | Path, duration: float) -> tuple[Soak, Sampler]:
    """Start the process, drive the traffic for `duration` seconds while sampling, stop it."""
    write_config(folder)
    people = [await register(folder, database, name, "advisor") for name in VOLUNTEERS]
    coordinator_id, _ = await register(folder, database, "Wobbe", "coordinator")
    started = time.monotonic()
    async with FakeBotApi() as api:
        instance = Instance("soak", api, folder, database, SECRET)
        instance.start()
        try:
            await instance.healthy(STARTUP)
            TIMES["startup"] = time.monotonic() - started
            api.start_push(instance.webhook, SECRET)
            token = await login_token(folder, database, coordinator_id)
            jar = aiohttp.CookieJar(unsafe=True)
            async with (
                Mail(api) as mail,
                aiohttp.ClientSession() as web,
                aiohttp.ClientSession(cookie_jar=jar) as dashboard,
            ):
                soak = Soak(instance, api, mail, until=time.monotonic() + duration)
                assert instance.process is not None
                every = 10.0 if FULL else 2.0
                sampler = Sampler(instance.process.pid, database, instance.application_name, every)
                sampling = asyncio.create_task(sampler.run())
                work = everyone(soak, [code for _, code in people], web, dashboard, token)
                try:
                    await asyncio.wait_for(asyncio.gather(*work), duration + 4 * WAIT)
                finally:
                    sampling.cancel()
                TIMES["drain"] = time.monotonic() - soak.until
        finally:
            stopping = time.monotonic()
            code = instance.stop()
            TIMES["stop"] = time.monotonic() - stopping
        assert code == 0, f"ouderlijn run ended with {code}:\n{instance.tail()}"
    return soak, sampler


def everyone(
    soak: Soak,
    codes: list[str],
    web: aiohttp.ClientSession,
    dashboard: aiohttp.ClientSession,
    token: str,
) -> list[Awaitable[None]]:
    """The people of the soak: two Telegram volunteers, a coordinator on the dashboard, three
    Telegram parents and two web chat parents at a time (each visit a new one)."""
    helpers = [
        soak.api.user(7_350_000_001 + i, name, "Hoekstra-Soak") for i, name in enumerate(VOLUNTEERS)
    ]
    soak.traffic.people += helpers
    work: list[Awaitable[None]] = [
        soak.guarded("volunteer", functools.partial(volunteer, soak, user, code))
        for user, code in zip(helpers, codes, strict=True)
    ]
    work.append(soak.guarded("dashboard", functools.partial(coordinator, soak, dashboard, token)))
    kinds = ("telegram-handoff", "telegram-faq", "telegram-tree")
    telegram = functools.partial(telegram_visit, soak)
    work += [loop(soak, kinds, telegram, n) for n in range(3)]
    web_kinds = ("web-handoff", "web-question")
    work += [loop(soak, web_kinds, functools.partial(web_visit, soak, web), n) for n in range(2)]
    return work


def secrets_of(soak: Soak, database: str | Path) -> Secrets:
    """What was typed, every pseudonym the database knows and every person's platform ids."""
    addresses = {
        str(a)
        for query in (
            "SELECT address FROM channel_accounts",
            "SELECT conversation_id FROM conversations",
            "SELECT DISTINCT address FROM web_messages",
        )
        for (a,) in rows(database, query)
    }
    ids = [str(u.id) for u in soak.traffic.people]
    names = [n for u in soak.traffic.people for n in (u.last_name, u.username) if n and len(n) >= 6]
    return Secrets(
        tuple(sorted(set(soak.traffic.typed))),
        tuple(sorted(addresses)),
        tuple(ids + names + soak.traffic.web_tokens),
    )


@pytest.mark.stress
async def test_soak_resources_stay_flat_and_nothing_leaks(tmp_path, database, full_content):
    backend = "postgresql" if is_postgres(database) else "sqlite"
    soak, sampler = await run_soak(tmp_path, database, seconds(30, 1800))
    samples, traffic = sampler.samples, soak.traffic
    rss_first, rss_last = (median(part) for part in sampler.thirds("rss"))
    fds_first, fds_last = sampler.thirds("fds")
    conn_first, conn_last = sampler.thirds("connections")
    threads_first, threads_last = sampler.thirds("threads")
    wal_max = max(s.wal for s in samples)
    figures = {
        "backend": backend,
        "seconds": round(samples[-1].at - samples[0].at),
        "messages": traffic.messages,
        "visits": dict(traffic.visits),
        "failures": len(traffic.failures),
        "samples": len(samples),
        "rss_first_mb": round(rss_first / MB, 1),
        "rss_last_mb": round(rss_last / MB, 1),
        "fds_warmup_max": max(fds_first),
        "fds_last_max": max(fds_last),
        "connections_warmup_max": max(conn_first),
        "connections_last_max": max(conn_last),
        "threads_warmup_max": max(threads_first),
        "threads_last_max": max(threads_last),
        "wal_max_mb": round(wal_max / MB, 2),
        **{f"{phase}_s": round(took, 1) for phase, took in TIMES.items()},
    }
    print(f"\nsoak-{backend}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))
    assert traffic.failures == [], traffic.failures[:10]
    assert len(samples) >= 6, "too few samples to judge growth"
    wanted = {"telegram-handoff", "telegram-faq", "telegram-tree", "web-handoff", "web-question"}
    assert wanted <= set(traffic.visits), traffic.visits
    growth = rss_last - rss_first
    assert growth < RSS_SLACK[1] or growth < RSS_SLACK[0] * rss_first, figures
    assert max(fds_last) <= max(fds_first) + FD_SLACK, figures
    assert max(conn_last) <= max(conn_first) + CONNECTION_SLACK, figures
    assert max(threads_last) <= max(threads_first) + THREAD_SLACK, figures
    assert wal_max <= WAL_BOUND, figures
    found = leaks(
        database,
        [soak.instance.log_path],
        secrets_of(soak, database),
        config_dir=tmp_path,
        content=full_content,
    )
    assert found == [], found
    record(f"soak-{backend}", figures)
