"""Claims raced over two connections and over two processes, on SQLite and PostgreSQL: every
handoff goes to exactly one volunteer, and nobody ends up above their capacity."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.storage.aio import open_sync
from bot.storage.contract import Tx
from handoff.model import Summary
from tests.claim_racer import race
from tests.stress import size

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
HANDOFFS = size(60, 600)
ROOT = Path(__file__).resolve().parents[1]


def seed(database, volunteers: int, capacity: int) -> list[int]:
    """A queue of HANDOFFS parents and `volunteers` people with `capacity` places each."""
    backend = open_sync(database)

    def work(tx: Tx) -> list[int]:
        for i in range(HANDOFFS):
            role = "advisor" if i % 2 else "buddy"
            tx.queue.create(f"race:{i}", "fake", role, None, None, Summary(), NOW)
        return [
            tx.registry.add(f"V{n}", "advisor" if n % 2 else "buddy", (), capacity, NOW)[0].id
            for n in range(volunteers)
        ]

    try:
        return backend.transaction(work)
    finally:
        backend.close()


def verify(database, claims: list[tuple[int, int]], capacity: int) -> None:
    """Each claim reported once, matching the stored owner, no owner above capacity."""
    backend = open_sync(database)
    try:
        rows = backend.read(lambda tx: [(h.id, h.status, h.volunteer_id) for h in _all(tx)])
    finally:
        backend.close()
    handed = Counter(handoff for handoff, _ in claims)
    assert [h for h, n in handed.items() if n > 1] == []  # no handoff claimed twice
    stored = {h: v for h, status, v in rows if status == "active"}
    assert stored == dict(claims)  # what each side was told is what the database holds
    load = Counter(stored.values())
    assert max(load.values()) <= capacity, load


def _all(tx: Tx):
    """Every handoff of the race, whatever its status."""
    return [h for i in range(HANDOFFS) if (h := tx.queue.latest_for(f"race:{i}")) is not None]


async def test_two_connections_race_for_every_claim(database):
    """Two threads, each with its own connection, the same volunteers on both sides: a
    volunteer pressing /volgende in two places at once can never exceed their capacity."""
    capacity = 3
    people = seed(database, volunteers=12, capacity=capacity)
    start = time.time() + 0.3
    results: list[list[tuple[int, int]]] = [[], []]

    def side(n: int) -> None:
        results[n] = race(database, start, people if n == 0 else people[::-1])

    threads = [threading.Thread(target=side, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    claims = results[0] + results[1]
    assert len(claims) == min(HANDOFFS, len(people) * capacity)  # everything claimable went
    assert results[0] and results[1]  # both sides really took part
    verify(database, claims, capacity)


@pytest.mark.stress
async def test_two_processes_race_for_every_claim(database):
    """Two `python -m tests.claim_racer` processes on one database: the same rules hold across
    processes (on PostgreSQL: FOR UPDATE SKIP LOCKED and the volunteer's row lock)."""
    capacity = HANDOFFS  # room enough: the race is about the handoffs
    people = seed(database, volunteers=6, capacity=capacity)
    start = time.time() + 2.0  # both interpreters are up by then
    racers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.claim_racer", str(database), str(start)]
            + [str(v) for v in (people if n == 0 else people[::-1])],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (0, 1)
    ]
    outputs = [racer.communicate(timeout=180) for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0], [err for _, err in outputs]
    sides = [[tuple(pair) for pair in json.loads(out)] for out, _ in outputs]
    claims = sides[0] + sides[1]
    assert len(claims) == HANDOFFS
    assert sides[0] and sides[1]
    verify(database, claims, capacity)
