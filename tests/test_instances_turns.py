"""Two instances working on one conversation: a turn computed from a state that changed
meanwhile is refused (StaleTurn) and done again, on both backends."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core import engine as engine_module
from bot.storage.records import StaleTurn
from bot.testing.fakes import Helpline


async def test_a_stale_turn_is_refused_by_the_version_check(store):
    from datetime import UTC, datetime

    from bot.storage import ConversationState

    now = datetime(2026, 12, 3, 10, tzinfo=UTC)
    first = ConversationState("tg:1", "telegram", "menu", None, (), False, {}, now, now)
    await store.transaction(lambda tx: tx.conversations.save(first))
    read = await store.read(lambda tx: tx.conversations.load("tg:1"))
    assert read is not None and read.version == 1
    await store.transaction(lambda tx: tx.conversations.save(first))  # another instance
    with pytest.raises(StaleTurn):
        await store.transaction(lambda tx: tx.conversations.expect("tg:1", read.version))
    await store.transaction(lambda tx: tx.conversations.expect("tg:1", 2))
    with pytest.raises(StaleTurn):  # someone created it since the turn saw nothing
        await store.transaction(lambda tx: tx.conversations.expect("tg:1", 0))


async def test_a_turn_that_read_an_old_state_is_done_again(line: Helpline, monkeypatch):
    parent = line.parent()
    await parent.says("hallo")
    real = engine_module.load_context
    calls = {"n": 0}

    def stale_once(tx, address):
        ctx = real(tx, address)
        calls["n"] += 1
        if calls["n"] == 1 and ctx.state is not None:  # as read just before another
            older = replace(ctx.state, version=ctx.state.version - 1)  # instance's turn
            return ctx._replace(state=older)
        return ctx

    monkeypatch.setattr(engine_module, "load_context", stale_once)
    await parent.says("hoe vraag ik een ontheffing aan")
    assert calls["n"] == 2, "read once, refused, read again"
    assert parent.last  # answered once, from the fresh state
