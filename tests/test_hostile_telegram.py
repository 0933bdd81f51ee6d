"""Hostile updates through the real PTB Application and the fake Bot API (#15): forged and
oversized callback data, replayed update ids, edits, every media kind, groups, channels, bots,
callback queries without a message and 100,000-character texts. Nothing escapes, nothing
is refused by Telegram, and every private message of a person gets a friendly reply."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.core.text_input import normalise
from faq.textfold import fold
from tests.fake_telegram import STICKER, FakeBotApi, FakeUser
from tests.hostile_corpus import CONTROL, FORGED, MEDIA, corpus, sensible
from tests.raw_sql import sql_of
from tests.stress import record, size
from tests.telegram_world import TelegramWorld

Json = dict[str, Any]
# The engine's flood gate (more than 10 texts in 10 s or 40 in 5 min) hushes a parent: the
# full form has more parents, not more messages per parent.
PARENTS = size(8, 60)
ROUNDS = size(12, 35)
GROUP, SUPERGROUP, CHANNEL = -1001, -100200300, -100400500


def media(api: FakeBotApi, kind: str, caption: str | None) -> Json:
    """A message's content of one media kind, as the Bot API sends it."""
    file = api._file()
    point = {"latitude": 52.0907, "longitude": 5.1214}
    poll_options = [{"text": t, "voter_count": 0, "persistent_id": t} for t in ("ja", "nee")]
    contents: dict[str, Json] = {
        "sticker": {"sticker": file | STICKER},
        "photo": {"photo": [file | {"width": 90, "height": 90}]},
        "voice": {"voice": file | {"duration": 3}},
        "video": {"video": file | {"width": 640, "height": 480, "duration": 9}},
        "video_note": {"video_note": file | {"length": 240, "duration": 5}},
        "animation": {"animation": file | {"width": 320, "height": 240, "duration": 2}},
        "audio": {"audio": file | {"duration": 120}},
        "document": {"document": file | {"file_name": "x.pdf"}},
        "location": {"location": point},
        "contact": {"contact": {"phone_number": "+31600000000", "first_name": "Iemand"}},
        "poll": {
            "poll": {
                "id": str(file["file_unique_id"]),
                "question": "Wat denkt u?",
                "options": poll_options,
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            }
        },
        "dice": {"dice": {"emoji": "🎲", "value": 4}},
        "venue": {"venue": {"location": point, "title": "School", "address": "Plein 1"}},
        "other": {"game": {"title": "Spel", "description": "x", "photo": [file | _size()]}},
    }
    content = contents[kind]
    if caption is not None and kind in ("photo", "document", "video", "audio", "voice"):
        content = content | {"caption": caption}
    return content


def _size() -> Json:
    return {"width": 1, "height": 1}


def queue(api: FakeBotApi, update: Json) -> None:
    """Put an update (maybe one already queued: a replay) in the fake's queue."""
    api._updates.append(update)
    api.all_updates.append(update)
    api._wake.set()
    api._wake = asyncio.Event()


def forged_press(api: FakeBotApi, user: FakeUser, data: str, with_message: bool) -> Json:
    """A callback query with any data; without a message it comes from an inline message."""
    query_id = f"99{time.monotonic_ns()}"
    api._callback_ids.add(query_id)
    query: Json = {"id": query_id, "from": api._from(user), "chat_instance": "-1", "data": data}
    shown = [m for m in api.messages_to(user.id)]
    if with_message and shown:
        query["message"] = dict(api._messages[(user.id, shown[-1].message_id)])
    else:
        query["inline_message_id"] = "AgAAAFake"
    return api._queue("callback_query", query)


async def settled(world: TelegramWorld, api: FakeBotApi, timeout: float = 60.0) -> None:
    """Every queued update fetched and stored, every stored message handled and answered."""

    def busy(tx: Any) -> int:
        sql = sql_of(tx)
        waiting = sql.execute("SELECT count(*) FROM inbox WHERE handled_at IS NULL").fetchone()
        return int(waiting[0]) + int(sql.execute("SELECT count(*) FROM outbox").fetchone()[0])

    await api.wait_until(lambda: not api._updates, timeout=timeout)
    deadline = time.monotonic() + timeout
    while await world.store.read(busy):
        assert time.monotonic() < deadline, "the bot never settled"
        await asyncio.sleep(0.02)


def asks_person(text: str) -> bool:
    folded = fold(normalise(text) or "")
    return any(word in folded for word in ("iemand", "mens", "spreken"))


async def in_queue(world: TelegramWorld, parents: list[FakeUser]) -> set[int]:
    """The parents with an open request for a person (told once that their words are kept)."""
    addresses = {world.channel.accounts.address_for(p.id): p.id for p in parents}

    def open_ones(tx: Any) -> set[int]:
        found = {a: tx.queue.latest_for(a) for a in addresses}
        return {addresses[a] for a, h in found.items() if h is not None and h.status != "closed"}

    return await world.store.read(open_ones)


class Round:
    """One update of each parent (and the ignored ones), what each parent expects back."""

    def __init__(
        self, api: FakeBotApi, rng: random.Random, texts: list[str], kinds: Iterator[str]
    ) -> None:
        self.api, self.rng, self.texts, self.kinds = api, rng, texts, kinds
        self.counts: dict[str, int] = {}
        self.sent: dict[int, str] = {}  # what each parent sent this round (for a failure)

    def parent_update(self, user: FakeUser) -> bool:
        """Queue one hostile update from this parent; True when it must be answered."""
        api, rng = self.api, self.rng
        kind = rng.choice(("text", "text", "media", "media", "press", "inline", "edit", "replay"))
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.sent[user.id] = kind
        if kind == "media":
            caption = rng.choice((None, rng.choice(self.texts)[:1024]))
            what = next(self.kinds)  # every kind in turn
            self.sent[user.id] = f"{what} {caption!r:.40}"
            api._private(user, media(api, what, caption))
            return True
        if kind == "press" and api.messages_to(user.id):
            raw = rng.choice(FORGED).replace("{n}", str(rng.randint(1, 5)))
            data = rng.choice((raw, "x" * 65, "m:" + "é" * 40))
            self.sent[user.id] = f"press {data!r:.40}"
            forged_press(api, user, data, True)
            return True
        if kind == "inline":
            forged_press(api, user, "m:menu", False)  # no chat: nothing to answer in
            return False
        if kind == "edit" and api.messages_to(user.id):
            mine = [key for key in api._messages if key[0] == user.id]
            own = [m for c, m in mine if not api._messages[(c, m)]["from"].get("is_bot")]
            if own:
                api.user_edits(user, own[-1], rng.choice(self.texts)[:200])
                return False
        text = rng.choice(self.texts)
        self.sent[user.id] = f"{kind} {text!r:.40}"
        update = api.user_sends(user, text)
        if kind == "replay":
            queue(api, update)  # the same update id twice: answered once
        return True

    def ignored_updates(self, bot: FakeUser, member: FakeUser) -> None:
        """Groups, a channel and a bot: none of it reaches the engine or gets an answer."""
        api, text = self.api, self.rng.choice(self.texts)[:500]
        api.group_message(member, GROUP, text)
        api._chat(SUPERGROUP)  # a supergroup by default
        api.group_message(member, SUPERGROUP, "/start")
        api.channel_post(CHANNEL, text)
        sender = api._from(bot) | {"is_bot": True}
        api._queue("message", api._new_message(api._chat(bot.id, bot), sender, {"text": text}))


@pytest.mark.stress
async def test_hostile_updates_never_escape_and_people_get_friendly_replies(
    world: TelegramWorld, api: FakeBotApi, caplog
):
    rng = random.Random(15)
    # asking for a person (in any spelling) puts a parent in the queue, where the bot is quiet
    texts = [m.text for m in corpus(size(300, 3000)) if m.text and not asks_person(m.text)]
    texts += ["x" * 100_000, "😭" * 2048, "".join(CONTROL) * 10]
    parents = [api.user(3000 + i, f"Ouder{i}", username=f"ouder_{i}") for i in range(PARENTS)]
    bot, member = api.user(3900, "Robot"), api.user(3901, "Groepslid")
    totals: dict[str, int] = {}
    problems: list[str] = []
    kinds, stored = itertools.cycle(MEDIA), 0
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING):
        for _ in range(ROUNDS):
            current = Round(api, rng, texts, kinds)
            seen = {p.id: len(api.messages_to(p.id)) for p in parents}
            waiting = await in_queue(world, parents)
            expects = {p.id: current.parent_update(p) for p in parents}
            current.ignored_updates(bot, member)
            stored += sum(expects.values())
            await settled(world, api)
            for p in parents:
                new = api.messages_to(p.id)[seen[p.id] :]
                if expects[p.id] and not new and p.id not in waiting:
                    problems.append(f"{current.sent[p.id]}: no reply")
                if not expects[p.id] and new:
                    problems.append(f"{current.sent[p.id]}: answered")
                problems += [
                    f"{why}: {m.text!r:.60}" for m in new if (why := sensible(m.text or ""))
                ]
            for kind, n in current.counts.items():
                totals[kind] = totals.get(kind, 0) + n
    for chat in (GROUP, SUPERGROUP, CHANNEL, bot.id):
        assert not api.messages_to(chat), f"the bot wrote to chat {chat}"
    unanswered = api._callback_ids - set(api.answered_callbacks)
    inbox = await world.store.read(
        lambda tx: int(sql_of(tx).execute("SELECT count(*) FROM inbox").fetchone()[0])
    )
    figures = {
        "updates": len(api.all_updates),
        "by_kind": totals,
        "replies": len(api.sent),
        "stored": inbox,
        "exceptions": 0,
        "callbacks_unanswered": len(unanswered),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(f"\nhostile telegram: {figures}")
    record("hostile-telegram", figures)
    assert not problems, "\n".join(problems[:20])
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text[-2000:]
    assert "refused" not in caplog.text  # no message Telegram would not take
    assert not unanswered  # every spinner stops, also for presses the bot ignores
    assert inbox == stored  # a replayed update once; edits, groups, channels and bots never


async def test_an_emoji_flood_relayed_to_a_volunteer_arrives_whole(
    world: TelegramWorld, api: FakeBotApi, caplog
):
    sanne, parent = api.user(3950, "Sanne"), api.user(3951, "Ouder")
    await world.volunteer(sanne, "Sanne")
    await world.asks_person(parent)
    await world.replies(sanne, 1, "Nieuwe vraag")
    await world.presses(sanne, "Oppakken", expect="Je praat nu met Ouder #")
    seen = len(api.messages_to(sanne.id))
    flood = "😭" * 2048  # 4,096 UTF-16 code units: the most Telegram takes from the parent
    with caplog.at_level(logging.WARNING):
        api.user_sends(parent, flood)
        await settled(world, api)
    got = "".join(m.text or "" for m in api.messages_to(sanne.id)[seen:])
    assert got.count("😭") == 2048, "the relayed message was refused or cut short"
    assert "refused" not in caplog.text


async def test_a_forged_press_with_a_lone_surrogate_is_stored_with_its_batch(
    world: TelegramWorld, api: FakeBotApi, caplog
):
    parent, other = api.user(3960, "Ouder"), api.user(3961, "Ander")
    await world.says(parent, "hallo", expect="Waar kan ik u mee helpen?")
    seen = len(api.messages_to(parent.id))
    with caplog.at_level(logging.WARNING):
        forged_press(api, parent, "m:ask\ud800", True)  # JSON "\ud800": no database stores it
        api.user_sends(other, "wat is een opp")  # in the same batch
        await world.replies(other, 0, "Heeft dit geholpen?")
        await world.replies(parent, seen, "")
    assert "storing updates failed" not in caplog.text  # not a minute of retries for everyone
    assert not sensible(api.messages_to(parent.id)[-1].text or "")
