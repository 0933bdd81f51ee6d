"""The handoff benchmark at a small size: its exactly-once and one-winner checks pass, and bite."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench.bench_handoff import (
    Claim,
    EngineFactory,
    contention_scenario,
    engine_factory,
    engine_scenario,
    setup,
    store_scenario,
    verify_exactly_once,
)

HANDOFFS, VOLUNTEERS = 60, 8


@pytest.fixture(scope="module")
def build() -> EngineFactory:
    return engine_factory()


async def test_every_handoff_is_claimed_exactly_once_through_the_engine(build, tmp_path):
    outcome = await engine_scenario(build, tmp_path / "e.db", HANDOFFS, VOLUNTEERS)
    assert outcome.claims == HANDOFFS
    assert len(outcome.latencies) == HANDOFFS


async def test_every_handoff_is_claimed_exactly_once_by_the_store_alone(tmp_path):
    outcome = await store_scenario(tmp_path / "s.db", HANDOFFS, VOLUNTEERS)
    assert outcome.claims == HANDOFFS


async def test_contention_has_exactly_one_winner_per_handoff(build, tmp_path):
    outcome = await contention_scenario(build, tmp_path / "c.db", 12, VOLUNTEERS)
    assert outcome.claims == 12
    assert len(outcome.latencies) == 12


async def test_the_verification_catches_a_double_claim_and_a_wrong_order(store):
    made = await setup(store, 6, 2)
    owner = next(iter(made.volunteers.values()))
    claims = [Claim(owner, code, 0.001) for code in made.order]
    after = [replace(h, status="active", volunteer_id=owner) for h in made.handoffs]
    verify_exactly_once(made, claims, after)  # the honest outcome passes

    with pytest.raises(AssertionError, match="more than once"):
        verify_exactly_once(made, [*claims[:-1], claims[0]], after)
    with pytest.raises(AssertionError, match="urgent handoffs claimed after"):
        verify_exactly_once(made, claims[::-1], after)
    swapped = [claims[0], claims[2], claims[1], *claims[3:]]  # two non-urgent ones
    with pytest.raises(AssertionError, match="first in the queue"):
        verify_exactly_once(made, swapped, after)
    with pytest.raises(AssertionError, match="expected 'active'"):
        verify_exactly_once(made, claims, [replace(after[0], status="queued"), *after[1:]])
