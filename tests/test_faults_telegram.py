"""Fault injection through the fake Bot API (#15): the real PTB Application against a Bot API
that answers 429, 500 and 502, hangs past the client's timeout and drops connections (before
and after delivering) at 5 % and 20 % of calls; nothing may be lost, a duplicate only where
Telegram delivered a message whose answer never came back, and a 429 for one chat must not
hold up the others."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

import bot.channels.telegram.channel as channel_module
from tests import db_inspect
from tests.fake_telegram import FakeBotApi, FakeUser, SentMessage
from tests.faults import FaultPlan, report
from tests.stress import size
from tests.telegram_world import TelegramWorld

pytestmark = pytest.mark.stress

READ_TIMEOUT = 0.5  # the bot's read timeout; a hang lasts longer, the hold longer still
HANG, HOLD = 0.65, 0.8
QUESTIONS = ("wat is een opp", "wat is een tlv", "bestaat het rugzakje nog")
ANSWERED = "Heeft dit geholpen?"
FAQ_PARENTS, TALKS, LINES = size(4, 40), size(2, 20), size(3, 6)
WAIT = 60.0 if TALKS > 2 else 30.0  # seconds for everything to arrive


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The channel's pauses after a failed call, shortened (their growth stays the same)."""
    monkeypatch.setattr(channel_module, "SEND_BACKOFF_S", 0.1)
    monkeypatch.setattr(channel_module, "POLL_BACKOFF_S", (0.1, 2.0))


async def start_world(api: FakeBotApi, database: Any, content: Any, knowledge: Any) -> Any:
    """The bot with a short read timeout (hangs outlast it) and a hold that outlasts hangs."""
    world = TelegramWorld(api, database, content, knowledge)
    world.settings = replace(world.settings, read_timeout=READ_TIMEOUT)
    await world.start()
    world.courier.hold_seconds = HOLD
    return world


def runs(texts: list[str]) -> list[str]:
    """The texts with consecutive repeats folded (a resent message arrives right after)."""
    return [t for i, t in enumerate(texts) if i == 0 or texts[i - 1] != t]


def repeats(api: FakeBotApi) -> int:
    """Messages that arrived twice in a row in one chat: resent after a lost answer."""
    chats = {m.chat_id for m in api.sent}
    total = 0
    for chat in chats:
        shown = [(m.text, str(m.reply_markup)) for m in api.messages_to(chat)]
        total += sum(1 for a, b in itertools.pairwise(shown) if a == b)
    return total


async def claim(world: TelegramWorld, parent: FakeUser, free: list[FakeUser]) -> FakeUser:
    """The parent asks for a person; every free volunteer who is told presses "Oppakken" at
    the same moment; exactly one of them gets the conversation."""
    api = world.api
    seen = {v.id: len(api.messages_to(v.id)) for v in free}

    def told(v: FakeUser) -> list[SentMessage]:
        new = api.messages_to(v.id)[seen[v.id] :]
        return [m for m in new if any(t.startswith("Oppakken") for t, _ in m.buttons)]

    await world.asks_person(parent)
    await api.wait_until(lambda: any(told(v) for v in free), timeout=WAIT)
    await asyncio.sleep(0.2)  # the other announcements of this request
    pressing = [v for v in free if told(v)]
    for v in pressing:
        api.user_presses(v, told(v)[-1], "Oppakken")
    await world.replies(parent, 0, "is er nu voor u")

    def won(v: FakeUser) -> bool:
        return any("Je praat nu met" in t for t in world.texts_to(v)[seen[v.id] :])

    await api.wait_until(lambda: any(won(v) for v in pressing), timeout=WAIT)
    await asyncio.sleep(0.2)  # a second winner would be told now
    winners = [v for v in pressing if won(v)]
    assert len(winners) == 1, [world.texts_to(v)[seen[v.id] :] for v in pressing]
    return winners[0]


async def faq_parent(world: TelegramWorld, parent: FakeUser) -> None:
    """Ask the questions one by one, each after the previous answer arrived."""
    for number, question in enumerate(QUESTIONS, 1):
        world.api.user_sends(parent, question)
        await world.api.wait_until(
            lambda n=number: sum(ANSWERED in t for t in world.texts_to(parent)) >= n,  # type: ignore[misc]
            timeout=WAIT,
        )


async def talk(world: TelegramWorld, parent: FakeUser, volunteer: FakeUser, k: int) -> None:
    """Volunteer and parent write LINES lines each, interleaved."""
    for i in range(LINES):
        world.sends(volunteer, f"Regel {i} van de vrijwilliger aan ouder {k}")
        world.api.user_sends(parent, f"Bericht {i} van ouder {k} over school")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("rate", [0.05, 0.20])
async def test_faults_lose_nothing_and_repeat_only_what_telegram_delivered(
    api: FakeBotApi, database, content, knowledge, rate: float
):
    seed = int(os.environ.get("OUDERLIJN_FAULT_SEED") or rate * 100)
    plan = FaultPlan(rate=rate, seed=seed, hang_seconds=HANG)
    api.faults = plan
    world = await start_world(api, database, content, knowledge)
    try:
        volunteers = [api.user(9100 + i, f"Vrijwilliger{i}") for i in range(TALKS + 2)]
        await asyncio.gather(*(world.volunteer(v, v.first_name, max_active=1) for v in volunteers))
        talkers = [api.user(9300 + k, "Ouder") for k in range(TALKS + 1)]  # the last blocks us
        pairs: list[tuple[FakeUser, FakeUser]] = []
        for parent in talkers:
            busy = {v.id for _, v in pairs}
            pairs.append(
                (parent, await claim(world, parent, [v for v in volunteers if v.id not in busy]))
            )
        (blocker, told), pairs = pairs[-1], pairs[:-1]
        askers = [api.user(9500 + k, "Ouder") for k in range(FAQ_PARENTS)]
        api.blocked.add(blocker.id)
        blocked_from = len(api.calls)
        world.sends(told, "Bent u er nog?")
        await asyncio.gather(
            *(faq_parent(world, p) for p in askers),
            *(talk(world, p, v, k) for k, (p, v) in enumerate(pairs)),
            world.replies(told, 0, "is niet meer te bereiken"),
        )

        def arrived() -> bool:
            return all(
                sum(f"Regel {LINES - 1} van" in t for t in world.texts_to(p)) >= 1
                and sum(f"Bericht {LINES - 1} van" in t for t in world.texts_to(v)) >= 1
                for p, v in pairs
            )

        await api.wait_until(arrived, timeout=WAIT)
        await asyncio.sleep(HOLD)  # a late repeat would arrive now
        lost = 0
        for p in askers:
            answers = Counter(t for t in world.texts_to(p) if ANSWERED in t)
            lost += len(QUESTIONS) - len(answers)
        for k, (p, v) in enumerate(pairs):
            to_parent = runs([t for t in world.texts_to(p) if "van de vrijwilliger" in t])
            to_volunteer = runs([t for t in world.texts_to(v) if f"van ouder {k} over" in t])
            assert [t.partition("Regel ")[2] for t in to_parent] == [
                f"{i} van de vrijwilliger aan ouder {k}" for i in range(LINES)
            ], "volunteer → parent: every line once, in order"
            assert [t.partition("Bericht ")[2] for t in to_volunteer] == [
                f"{i} van ouder {k} over school" for i in range(LINES)
            ], "parent → volunteer: every line once, in order"
        for p, v in pairs:  # each handoff still active, with the one volunteer who won it
            accounts = world.channel.accounts
            parent_at, volunteer_at = accounts.address_for(p.id), accounts.address_for(v.id)
            handoff = await world.store.read(lambda tx, a=parent_at: tx.queue.latest_for(a))
            person = await world.store.read(lambda tx, a=volunteer_at: tx.registry.at_address(a))
            assert handoff is not None and handoff.status == "active"
            assert person is not None and handoff.volunteer_id == person.id
        gone = world.channel.accounts.address_for(blocker.id)
        ended = await world.store.read(lambda tx: tx.queue.latest_for(gone))
        assert ended is not None and ended.status != "active"
        to_blocker = [
            c
            for c in api.calls[blocked_from:]
            if c[0] == "sendMessage" and c[1].get("chat_id") == blocker.id
        ]
        assert len(to_blocker) <= 6, "a blocked chat is given up on, never retried forever"
        duplicated = repeats(api)
        figures = {
            "backend": "postgresql" if db_inspect.is_postgres(database) else "sqlite",
            "rate": rate,
            "faults": dict(sorted(plan.injected.items())),
            "sends_delivered_unanswered": plan.delivered_unanswered,
            "messages": len(api.sent),
            "calls": len(api.calls),
            "lost": lost,
            "duplicated": duplicated,
            "held": world.courier.held,
        }
        report(f"telegram-{figures['backend']}-{int(rate * 100)}pct", figures)
        assert lost == 0
        assert duplicated <= plan.delivered_unanswered
        assert sum(plan.injected.values()) > 0
    finally:
        await world.stop()


STORM_RETRY = 5  # seconds Telegram tells the bot to leave chat A alone


async def timed_questions(world: TelegramWorld, parent: FakeUser) -> list[float]:
    """Ask the questions one by one; seconds from each question to its answer."""
    latencies = []
    for number, question in enumerate(QUESTIONS, 1):
        asked = time.monotonic()
        world.api.user_sends(parent, question)

        def answered(m: SentMessage, since: float = asked) -> bool:
            return m.chat_id == parent.id and ANSWERED in (m.text or "") and m.at >= since

        answer = await world.api.wait_for(answered, timeout=WAIT)
        latencies.append(answer.at - asked)
        assert sum(ANSWERED in t for t in world.texts_to(parent)) == number
    return latencies


async def test_a_429_for_one_chat_holds_up_only_that_chat(
    api: FakeBotApi, tmp_path, content, knowledge
):
    plan = FaultPlan(rate=0.0)
    api.faults = plan
    world = await start_world(api, tmp_path / "ouderlijn.db", content, knowledge)
    try:
        flooded, others = api.user(9700, "Ouder"), [api.user(9701 + i, "Ouder") for i in range(5)]
        plan.storm(flooded.id, seconds=2.0, retry_after=STORM_RETRY)
        stormed = time.monotonic()
        for question in QUESTIONS:  # three at once: their answers wait together, in order
            api.user_sends(flooded, question)
        # The others start once A had its 429: PTB's own retry would now pause every chat (a
        # request that ends meanwhile lifts that pause, so a busy moment would hide it).
        await api.wait_until(lambda: any(r for c, _, r in plan.storm_attempts if c == flooded.id))
        await asyncio.sleep(0.2)
        timed = await asyncio.gather(*(timed_questions(world, p) for p in others))
        latencies = sorted(seconds for each in timed for seconds in each)
        await api.wait_until(
            lambda: sum(ANSWERED in t for t in world.texts_to(flooded)) >= len(QUESTIONS),
            timeout=STORM_RETRY + WAIT,
        )
        first_out = api.messages_to(flooded.id)[0].at - stormed
        tries = [(at, refused) for chat, at, refused in plan.storm_attempts if chat == flooded.id]
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(tries) if a[1]]  # after each 429
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        report(
            "telegram-429-isolation",
            {
                "retry_after": STORM_RETRY,
                "others_p95_s": round(p95, 3),
                "others_max_s": round(latencies[-1], 3),
                "flooded_first_out_s": round(first_out, 3),
                "flooded_tries": len(tries),
                "first_try": round(tries[0][0] - stormed, 3) if tries else None,
                "messages": len(api.sent),
            },
        )
        assert p95 < 1.5 and latencies[-1] < STORM_RETRY - 1, "other chats waited for chat A"
        assert STORM_RETRY - 0.1 <= first_out < STORM_RETRY + 3, "A waits as told, not longer"
        assert gaps and min(gaps) >= STORM_RETRY - 0.1, "A was tried again before retry_after"
        flooded_answers = [t for t in world.texts_to(flooded) if ANSWERED in t]
        asked_alike = [t for t in world.texts_to(others[0]) if ANSWERED in t]
        assert flooded_answers == asked_alike, "A's answers: each once, in order"
    finally:
        await world.stop()
