"""Telegram delivery defects found under crash and fault tests, each shown end to end: the real
PTB Application and SQLite against the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from tests.fake_telegram import FakeBotApi
from tests.telegram_world import TelegramWorld


def answers(world: TelegramWorld, user) -> int:
    return sum("Heeft dit geholpen?" in t for t in world.texts_to(user))


async def test_an_update_posted_twice_to_the_webhook_is_answered_once(
    api: FakeBotApi, tmp_path, content, knowledge, database
):
    world = TelegramWorld(api, database, content, knowledge, webhook=True)
    await world.start()
    try:
        assert world.server is not None
        url = f"http://127.0.0.1:{world.server.port}/telegram"
        parent = api.user(3001, "Ouder")
        update = api.make_update(parent, "wat is een opp")
        statuses = [await api.post_update(url, update, "test-secret") for _ in range(2)]
        assert statuses == [200, 200]  # Telegram hears "received" both times
        await world.replies(parent, 0, "Heeft dit geholpen?")
        await asyncio.sleep(0.5)  # a second answer would arrive now
        assert answers(world, parent) == 1
    finally:
        await world.stop()


async def test_an_update_twice_in_one_batch_is_answered_once(world: TelegramWorld, api):
    parent = api.user(3002, "Ouder")
    await world.says(parent, "/start", expect="Waar kan ik u mee helpen?")
    update = api.user_sends(parent, "wat is een opp")
    api._updates.append(update)  # Telegram repeats it in the same getUpdates answer
    await world.replies(parent, 0, "Heeft dit geholpen?")
    await asyncio.sleep(0.5)
    assert answers(world, parent) == 1


async def test_the_webhook_answers_503_when_the_update_cannot_be_stored(
    api: FakeBotApi, tmp_path, content, knowledge, monkeypatch, database
):
    world = TelegramWorld(api, database, content, knowledge, webhook=True)
    await world.start()
    try:
        assert world.server is not None
        url = f"http://127.0.0.1:{world.server.port}/telegram"
        parent = api.user(3003, "Ouder")
        update = api.make_update(parent, "wat is een opp")
        real = world.inbox.accept

        async def locked(*args, **kwargs):
            from bot.storage import StorageBusy

            raise StorageBusy("the database is locked")

        monkeypatch.setattr(world.inbox, "accept", locked)
        assert await api.post_update(url, update, "test-secret") == 503  # Telegram retries
        monkeypatch.setattr(world.inbox, "accept", real)
        assert await api.post_update(url, update, "test-secret") == 200
        await world.replies(parent, 0, "Heeft dit geholpen?")
    finally:
        await world.stop()


async def test_polling_confirms_a_batch_only_after_it_is_stored(
    world: TelegramWorld, api: FakeBotApi, monkeypatch
):
    parent = api.user(3004, "Ouder")
    await world.says(parent, "/start", expect="Waar kan ik u mee helpen?")
    real = world.inbox.accept
    calls = {"n": 0}
    confirmed_while_failing: list[bool] = []
    update: dict[str, object] = {}

    async def locked_twice(*args, **kwargs):
        from bot.storage import StorageBusy

        calls["n"] += 1
        if calls["n"] <= 2:  # was the update already confirmed to Telegram? It must not be.
            confirmed_while_failing.append(update["update_id"] in api.confirmed)
            raise StorageBusy("the database is locked")
        return await real(*args, **kwargs)

    monkeypatch.setattr(world.inbox, "accept", locked_twice)
    update.update(api.user_sends(parent, "wat is een opp"))
    await world.replies(parent, 0, "Heeft dit geholpen?")
    assert calls["n"] == 3 and confirmed_while_failing == [False, False]
    assert answers(world, parent) == 1


async def test_a_relayed_message_after_a_timed_out_one_keeps_its_place(
    api: FakeBotApi, tmp_path, content, knowledge, database
):
    world = TelegramWorld(api, database, content, knowledge)
    world.settings = replace(world.settings, read_timeout=0.3)
    await world.start()
    try:
        anne, parent = api.user(3105, "Anne"), api.user(3005, "Ouder")
        await world.volunteer(anne, "Anne")
        await world.asks_person(parent)
        await world.replies(anne, 1, "Nieuwe vraag")
        await world.presses(anne, "Oppakken", expect="Je praat nu met")
        await world.replies(parent, 0, "Anne is er nu voor u")
        api.hold_next("sendMessage", 0.5, deliver="after")  # out only after our timeout
        world.sends(anne, "eerste bericht")
        await asyncio.sleep(0.1)
        world.sends(anne, "tweede bericht")
        await world.replies(parent, 0, "tweede bericht")
        texts = [t for t in world.texts_to(parent) if "bericht" in t]
        assert texts == ["Anne: eerste bericht", "Anne: tweede bericht"]
    finally:
        await world.stop()
