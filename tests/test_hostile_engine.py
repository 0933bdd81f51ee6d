"""The hostile corpus through the engine (#15): no exception escapes, every typed message gets
a sensible Dutch reply, crisis messages still get crisis help, and memory stays flat."""

from __future__ import annotations

import gc
import time
import tracemalloc

import pytest

from bot.core.messages import Inbound
from bot.testing.fakes import FakeParent, Helpline
from tests.hostile_corpus import Hostile, by_category, corpus, sensible
from tests.stress import FULL, record, size

PARENTS = 40
MEMORY_BOUND = 3_000_000  # bytes the traced part of a full run may leave allocated


class Run:
    """The corpus sent by many parents, with what came back counted."""

    def __init__(self, line: Helpline, parents: int) -> None:
        self.line = line
        self.parents = [line.parent() for _ in range(parents)]
        self.helped: set[int] = set()  # handoffs whose parent already had the crisis help
        self.replies = 0
        self.silent_in_queue = 0
        self.problems: list[str] = []

    async def send(self, parent: FakeParent, message: Hostile) -> None:
        """One message; a problem with its replies is noted (an exception fails the test)."""
        handoff = await self.line.engine.store.read(lambda tx: tx.queue.latest_for(parent.name))
        waiting = handoff if handoff is not None and handoff.status != "closed" else None
        inbound = Inbound(
            parent.name,
            parent.channel,
            parent.at,
            text=message.text,
            choice=message.choice,
            kind=message.kind,
        )
        replies = await parent._send(inbound)
        parent.received.clear()  # keep the test's own memory flat
        self.line.channel.crossed.clear()
        self.replies += len(replies)
        what = f"{message.category} {(message.text or message.choice or message.kind)[:40]!r}"
        for reply in replies:
            if (why := sensible(reply.text)) is not None:
                self.problems.append(f"{what}: {why}: {reply.text[:80]!r}")
        crisis_help = any("113" in r.text for r in replies)
        if crisis_help and waiting is not None:
            self.helped.add(waiting.id)
        if message.typed and not replies:
            if waiting is None:  # waiting parents were told once that their words are kept
                self.problems.append(f"{what}: no reply")
            self.silent_in_queue += 1
        helped_before = waiting is not None and waiting.id in self.helped
        if message.crisis and not crisis_help and not helped_before:
            self.problems.append(f"{what}: no crisis help")


@pytest.mark.stress
async def test_the_hostile_corpus_gets_sensible_replies_and_memory_stays_flat(line: Helpline):
    """Memory: what the messages after the first part leave allocated (traced from there on;
    tracing costs time, so the short form traces only its last third)."""
    messages = corpus(size(300, 10_000))
    run = Run(line, PARENTS)
    traced_from = 1_000 if FULL else len(messages) * 2 // 3
    started = time.perf_counter()
    try:
        for i, message in enumerate(messages):
            if i == traced_from:
                gc.collect()
                tracemalloc.start()
            await run.send(run.parents[i % PARENTS], message)
        gc.collect()
        growth, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    bound = MEMORY_BOUND if FULL else MEMORY_BOUND // 6
    figures = {
        "inputs": len(messages),
        "by_category": by_category(messages),
        "replies": run.replies,
        "silent_while_waiting": run.silent_in_queue,
        "exceptions": 0,
        "problems": len(run.problems),
        "memory_growth_bytes": growth,
        "memory_traced_from": traced_from,
        "peak_bytes": peak,
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(f"\nhostile engine: {figures}")
    record("hostile", figures)
    assert not run.problems, "\n".join(run.problems[:20])
    assert growth < bound, f"memory grew by {growth} bytes after message {traced_from}"


async def test_a_crisis_hidden_in_markup_and_hidden_characters_still_gets_help(line: Helpline):
    parent = line.parent()
    replies = await parent.says("<b>ik\u200b wil\u00ad niet\u202e meer leven</b> 😭😭😭")
    assert any("113" in r.text for r in replies)


async def test_a_forged_button_of_another_parents_handoff_changes_nothing(line: Helpline):
    first, second = line.parent(), line.parent()
    await first.says("ik wil iemand spreken")
    handoff = await line.engine.store.read(lambda tx: tx.queue.latest_for(first.name))
    assert handoff is not None and handoff.status == "queued"
    for raw in (f"h:stop:{handoff.id}", f"h:reopen:{handoff.id}", f"h:fb:n:{handoff.id}"):
        replies = await second.presses_id(raw)
        assert replies and all(sensible(r.text) is None for r in replies), raw
    after = await line.engine.store.read(lambda tx: tx.queue.latest_for(first.name))
    assert after is not None and after.status == "queued" and after.feedback is None
