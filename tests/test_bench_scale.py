"""The scale benchmark (bench/bench_scale.py) at a tiny size on both backends: every part runs,
the report has its shape, and nothing was lost (claims, FAQ answers, messages). No timings."""

from __future__ import annotations

import pytest

from bench.bench_scale import Plan, Report, measure, render, rows_of
from bench.scale_world import Asking, PostgresSite, Size, SqliteSite
from tests.pg_server import usable

# messages/s with 2 instances only (so on PostgreSQL only): an instance needs ~3 s to start
TINY = Plan(
    Size(200, 20), 60, parents=7, runs=1, tick_runs=1, asking=Asking(20, 0.5), instances=(2,)
)


@pytest.fixture
def site(request):
    """A SQLite folder, or databases on the session's PostgreSQL server (left running)."""
    if request.param == "sqlite":
        made: SqliteSite | PostgresSite = SqliteSite()
    else:
        server = usable(*request.getfixturevalue("pg_test_server"))
        made = PostgresSite(server, owns_server=False)
    yield made
    made.close()


@pytest.mark.parametrize("site", ["sqlite", "postgresql"], indirect=True)
async def test_a_tiny_scale_run_loses_nothing(site, full_content):
    lines: list[str] = []
    result = await measure(site, TINY, full_content, lines.append)
    world = result.world
    assert world is not None and len(world.volunteers) == 20 and world.handoffs == 200

    # claims: every volunteer twice (one at a time, then from 8 tasks), checked in the database
    assert [len(c.latencies) for c in result.claims + result.concurrent] == [20, 20]
    assert result.verified == 40

    # FAQ: every parent answered, idle and while the ticks ran
    assert result.idle[0].asked == 20 and result.idle[0].unanswered == 0
    for tick in (result.first[0], result.escalation[0]):
        assert tick.asked is not None and tick.asked.unanswered == 0

    # the first tick tells every waiting parent, and of the 20 volunteers at most announce_limit
    # (10) per request; an urgent one also widens, reaches buddies and alerts coordinators
    first, limit, coordinators = result.first[0], 10, world.coordinators
    urgent_most = 4 * limit + 2 * coordinators
    assert first.to_parents == 200
    assert first.most_about_one <= urgent_most + 1  # and the parent
    bound = (200 - world.urgent) * limit + world.urgent * urgent_most
    assert 200 <= first.rows - first.to_parents <= bound < 200 * len(world.volunteers)
    assert result.steady[0].to_parents == 0

    # messages/s: every message answered exactly once (throughput() checks it, or raises)
    postgres = site.name == "PostgreSQL"
    assert sorted(result.rates) == ([2] if postgres else [])
    for runs in result.rates.values():
        assert [r.messages for r in runs] == [60]

    report = Report(TINY, [result], [])
    labels = [label for label, _ in rows_of(report)]
    assert labels[0].startswith("seeding") and "claims verified" in labels[3]
    assert ("messages/s, 2 instances" in labels) == postgres
    assert all(len(cells) == 1 and cells[0] for _, cells in rows_of(report))
    assert site.name in render(report)
