"""An update PTB cannot read (a field it does not know yet) in a polled batch: the readable
updates around it are still answered, the bot does not go deaf, and no log line carries the
update's contents."""

from __future__ import annotations

import logging

from tests.fake_telegram import FakeBotApi
from tests.telegram_world import TelegramWorld

SECRET_WORDS = "mijn dochter Fenna zit thuis"


def answered(world: TelegramWorld, user) -> int:
    return sum("Heeft dit geholpen?" in t for t in world.texts_to(user))


async def test_one_unreadable_update_is_skipped_and_the_rest_answered(
    world: TelegramWorld, api: FakeBotApi, caplog
):
    caplog.set_level(logging.INFO)  # what `ouderlijn telegram` logs
    anna, ben = api.user(8_100_001, "Anna"), api.user(8_100_002, "Ben")
    api.user_sends(anna, "wat is een opp")
    odd = api.make_update(ben, SECRET_WORDS)
    odd["message"]["poll"] = {"id": "p1"}  # a poll without the fields PTB requires
    api._queue("message", odd["message"])
    api.user_sends(ben, "wat is een tlv")
    await api.wait_until(lambda: answered(world, anna) >= 1, timeout=20)
    await api.wait_until(lambda: answered(world, ben) >= 1, timeout=20)
    api.user_sends(anna, "bestaat het rugzakje nog")  # later updates keep coming
    await api.wait_until(lambda: answered(world, anna) >= 2, timeout=20)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "could not be read" in logged
    assert "Fenna" not in logged and "Received data" not in logged
