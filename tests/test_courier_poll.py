"""Where wakes only follow notes (several instances), the courier still finds what nobody
named: on registering a channel (a killed instance's replies) and on every poll."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from bot.core.courier import Courier
from bot.core.messages import Outbound


async def until_delivered(runner: asyncio.Task[None], got: list[str]) -> None:
    """Wait until something arrived (at most 10 s), then stop the courier."""
    try:
        for _ in range(500):
            if got:
                break
            await asyncio.sleep(0.02)
    finally:
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner


async def test_registering_a_channel_sends_what_waited_for_it(store):
    now = datetime.now(UTC)
    await store.transaction(lambda tx: tx.outbox.put("tg", Outbound("tg:p", "van vóór"), now))
    courier = Courier(store)
    courier.scan_on_wake = False  # several instances: wakes follow notes only
    got: list[str] = []
    runner = asyncio.create_task(courier.run(None))  # no poll: only the registration can find it
    await asyncio.sleep(0.1)  # the first round ran before the channel was there

    async def send(message: Outbound) -> None:
        got.append(message.text)

    courier.register("tg", send)
    await until_delivered(runner, got)
    assert got == ["van vóór"]


async def test_a_poll_finds_a_message_no_note_named(store):
    courier = Courier(store)
    courier.scan_on_wake = False
    got: list[str] = []

    async def send(message: Outbound) -> None:
        got.append(message.text)

    courier.register("tg", send)
    runner = asyncio.create_task(courier.run(0.2))
    await asyncio.sleep(0.3)  # registered and looked: the outbox was empty then
    now = datetime.now(UTC)
    # written by another instance whose note got lost
    await store.transaction(lambda tx: tx.outbox.put("tg", Outbound("tg:p", "zonder note"), now))
    await until_delivered(runner, got)
    assert got == ["zonder note"]
