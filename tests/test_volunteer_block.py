"""A volunteer blocks a parent (#15): via the Telegram-style command and the console's reason
box; the case closes, the parent hears a neutral text, no handoff is possible, the crisis check
still helps, coordinators see the reason and lift it, and a block ends by itself."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.storage.sql.blocks import SALT_KEY, block_key
from bot.testing.fakes import FakeParent, Helpline
from tests.test_web_console import talking
from tests.test_web_dashboard import signed_in
from tests.web_world import WebWorld

NEUTRAL = "Dit gesprek is gestopt. U kunt hier nu niet met iemand chatten."
REASON = "scheldt steeds en dreigt"


async def _live(line: Helpline, name: str = "Kees") -> tuple[FakeParent, FakeParent]:
    """An advisor talking with a parent: (volunteer, parent)."""
    kees = await line.volunteer(name, "advisor")
    parent = line.parent()
    await parent.says("hallo")
    await parent.presses("Praat met een mens")
    await parent.presses("Adviseur")
    await parent.presses(parent.labels[0])
    await kees.presses("Oppakken")
    return kees, parent


async def test_a_blocked_parent_hears_a_neutral_text_and_cannot_ask_for_a_person(line: Helpline):
    carla = await line.volunteer("Carla", "coordinator")
    kees, parent = await _live(line)
    await kees.says("/blokkeer")
    assert "Schrijf er kort bij waarom" in kees.last, "a block needs a reason"
    await kees.says(f"/blokkeer {REASON}")
    assert "geblokkeerd" in kees.last and "30 dagen" in kees.last
    assert parent.last.startswith(NEUTRAL) and "112" in parent.last and "113" in parent.last
    assert REASON in carla.last and "Kees" in carla.last
    label = re.search(r"\(B-[0-9A-F]{6}\)", carla.last)
    assert label is not None and label.group() in kees.last, "both name the block alike"
    latest = await line.engine.store.read(lambda tx: tx.queue.latest_for(parent.name))
    assert latest is not None and latest.status == "closed" and latest.outcome == "blocked"

    heard = len(parent.received)
    await parent.says("waarom krijg ik geen antwoord meer")
    await parent.says("/menu")
    assert len(parent.received) == heard, "told once when blocked; quiet for a day after"
    line.clock.advance(hours=25)
    await parent.says("hallo, ik wil iemand spreken")
    assert parent.last == parent.received[heard].text and parent.last.startswith(NEUTRAL)
    told = len(parent.received)
    replies = await parent.says("ik kan niet meer, ik ben op")
    assert [r.text for r in replies] == [line.engine.texts.say("blocked_distress")], "distress"
    assert len(parent.received) == told + 1 and "113" in parent.last
    assert not parent.keyboard or "Praat met een mens" not in parent.labels
    waiting = await line.engine.store.read(lambda tx: tx.queue.waiting_count())
    assert waiting == 0, "no new request"
    stored = await line.engine.store.read(lambda tx: tx.transcripts.lines(parent.name))
    assert "waarom krijg ik geen antwoord meer" in [x.text for x in stored], "nothing is lost"
    rows = await line.engine.store.read(lambda tx: tx.blocks.listing(line.clock.now))
    assert [b.reason for b in rows] == [REASON]
    salt = await line.engine.store.transaction(lambda tx: tx.meta.secret(SALT_KEY))
    assert rows[0].key == block_key(salt, parent.name) != parent.name, "a salted hash only"


async def test_a_blocked_parent_in_crisis_gets_help_and_may_reach_an_advisor(line: Helpline):
    kees, parent = await _live(line)
    await kees.says(f"/blokkeer {REASON}")
    seen = len(parent.received)
    replies = await parent.says("ik wil niet meer leven")
    assert replies and "113" in replies[0].text, "the crisis check comes first, blocked or not"
    await parent.presses("Praat met een mens")
    handoff = await line.engine.store.read(lambda tx: tx.queue.latest_for(parent.name))
    assert handoff is not None and handoff.is_open and handoff.urgent
    # the volunteer who blocked them is not asked first, nor named to the parent
    assert handoff.preferred_volunteer is None and "Kees" not in parent.texts_since(seen)
    await kees.says("/wachtrij")
    await kees.presses("Oppakken")
    assert "eerder geblokkeerd" in kees.last and REASON in kees.last, "the advisor is told"
    await parent.says("het gaat echt niet goed")
    assert kees.last.endswith("het gaat echt niet goed"), "the urgent chat is relayed"


async def test_a_block_ends_by_itself_and_expired_ones_are_purged(line: Helpline):
    kees, parent = await _live(line)
    await kees.says(f"/blokkeer {REASON}")
    line.clock.advance(days=31)
    await parent.says("hallo", expect="Waar kan ik u mee helpen")
    await parent.presses("Praat met een mens", expect="Met wie wilt u praten")
    store, long_ago = line.engine.store, line.clock.now - timedelta(days=60)
    assert await store.read(lambda tx: tx.blocks.listing(long_ago)), "expired, still stored"
    await store.purge_transcripts(line.clock.now)  # retention: the expired block goes
    assert not await store.read(lambda tx: tx.blocks.listing(long_ago))


async def test_the_console_blocks_and_a_coordinator_sees_and_lifts_it(web_world: WebWorld):
    eva, parent, handoff = await talking(web_world)
    await eva.act("block", handoff=handoff, text=REASON)
    await web_world.settled()
    assert any(NEUTRAL in m.get("text", "") for m in await parent.messages())
    carla = await signed_in(web_world)
    url = f"{web_world.url}/dashboard/blokkades"
    page = await (await carla.client.get(url)).text()
    assert REASON in page and "Eva" in page and parent.address not in page
    key = re.search(r'name="block" value="([0-9a-f]{32})"', page)
    assert key is not None
    headers = {"Origin": web_world.url}
    refused = await carla.client.post(
        f"{url}/opheffen", data={"block": key.group(1), "csrf": "x" * 43}, headers=headers
    )
    assert refused.status == 403
    done = await carla.client.post(
        f"{url}/opheffen",
        data={"block": key.group(1), "csrf": carla.csrf},
        headers=headers,
        allow_redirects=False,
    )
    assert done.status == 303
    after = await (await carla.client.get(f"{url}?ok=lifted")).text()
    assert REASON not in after and "Er is nu geen blokkade." in after
    review = await (await carla.client.get(f"{web_world.url}/dashboard/vragen")).text()
    assert "Blokkade opgeheven" in review and "Carla" in review
    await parent.says("ik wil graag iemand spreken")
    assert not any(NEUTRAL in m.get("text", "") for m in await parent.messages())


async def test_over_telegram_blokkeer_closes_and_the_parent_hears_the_neutral_text(
    tmp_path, content, knowledge, database
):
    from tests.fake_telegram import FakeBotApi
    from tests.telegram_world import TelegramWorld

    async with FakeBotApi() as api:
        world = TelegramWorld(api, database, content, knowledge)
        await world.start()
        try:
            kees, parent = api.user(2001, "Kees", "Bakker"), api.user(2002, "Mila", "de Boer")
            await world.volunteer(kees, "Kees", "advisor")
            told = len(api.messages_to(kees.id))
            await world.asks_person(parent)
            await world.replies(kees, told, expect="Nieuwe vraag")  # the courier is async
            await world.presses(kees, "Oppakken", expect="Je praat nu met")
            await world.says(kees, f"/blokkeer {REASON}", expect="geblokkeerd")
            await world.replies(parent, 0, expect=NEUTRAL)
            seen = len(api.messages_to(parent.id))
            await world.says(parent, "ik wil niet meer leven", expect="113")
            assert len(api.messages_to(parent.id)) > seen, "crisis help over Telegram too"
        finally:
            await world.stop()


async def test_a_crisis_under_an_old_block_does_not_open_a_later_block(line: Helpline):
    kees, parent = await _live(line)
    await kees.says(f"/blokkeer {REASON}")
    await parent.says("ik wil niet meer leven", expect="113")  # may ask for a person once ...
    line.clock.advance(days=31)  # ... but does not; the block ends by itself
    await parent.says("hallo", expect="Waar kan ik u mee helpen")
    await parent.presses("Praat met een mens")
    await kees.says("/wachtrij")
    await kees.presses("Oppakken")
    await kees.says(f"/blokkeer {REASON}", expect="geblokkeerd")
    heard = len(parent.received)
    await parent.says("hallo")
    await parent.says("Praat met een mens")
    assert len(parent.received) == heard, "the new block holds: told once, then quiet"
    waiting = await line.engine.store.read(lambda tx: tx.queue.waiting_count())
    assert waiting == 0
