"""Flood control (#15): too many typed messages in a short time get ONE friendly message, then
quiet until the window passes; nothing is lost, the crisis check still answers, volunteers are
never limited. Runs on both backends (`line`)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.config import ConfigError, load_settings
from bot.core.flood import AbuseSettings
from bot.testing.fakes import FakeChannel, FakeClock, Helpline, build_engine
from tests.test_handoff_robustness import connected

FLOOD = "Ik krijg veel berichten tegelijk"


class PasteClock(FakeClock):
    """Time as a paste or a script sends: a quarter of a second per message."""

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=0.25)
        return self.now


@pytest.fixture
def line(knowledge, content, store) -> Helpline:
    """The shipped helpline, with messages arriving four a second."""
    tree, safety, texts = content
    clock = PasteClock()
    engine = build_engine(knowledge, tree, safety, texts, store, clock=clock)
    return Helpline(engine, FakeChannel(engine), clock)


async def _inbound_lines(line: Helpline, address: str) -> list[str]:
    found = await line.engine.store.read(lambda tx: tx.transcripts.lines(address))
    return [x.text or "" for x in found if x.direction == "in"]


async def _flood_events(line: Helpline) -> int:
    events = await line.engine.store.read(lambda tx: tx.events.between(None, None))
    return sum(1 for e in events if e.kind == "abuse" and e.outcome == "flood")


async def test_a_flood_gets_one_friendly_message_and_nothing_is_lost(line: Helpline):
    parent = line.parent()
    answered = []
    for i in range(16):  # four a second: more than 10 in 10 seconds
        answered.append(await parent.says(f"hoe vraag ik een gesprek met school aan {i}"))
    assert all(answered[:10]), "the first ten get their answers"
    flood = [r for replies in answered for r in replies if FLOOD in r.text]
    assert len(flood) == 1 and answered[10] == flood, "one friendly message, at the 11th"
    assert not any(answered[11:]), "then the bot stays quiet"
    stored = await _inbound_lines(line, parent.name)
    assert stored == [f"hoe vraag ik een gesprek met school aan {i}" for i in range(16)]
    assert await _flood_events(line) == 1

    line.clock.advance(minutes=6)  # the window has passed: answered again, no flood message
    replies = await parent.says("wat is een opp", expect="OPP")
    assert not any(FLOOD in r.text for r in replies)


async def test_the_crisis_check_answers_during_a_flood(line: Helpline):
    parent = line.parent()
    for i in range(12):
        await parent.says(f"bericht {i} over school en huiswerk")
    assert FLOOD in parent.last
    replies = await parent.says("ik wil niet meer leven")
    assert replies and "113" in replies[0].text, "crisis help, flood or not"
    await parent.says("nog een bericht over school")  # still flooding: quiet again
    assert "113" in parent.last


async def test_pressed_buttons_do_not_count(line: Helpline):
    parent = line.parent()
    await parent.says("hallo")
    for _ in range(16):  # walking menus quickly is no flood
        replies = await parent.presses("Menu") if "Menu" in parent.labels else []
        replies = replies or await parent.presses(parent.labels[-1])
        assert replies and not any(FLOOD in r.text for r in replies)


async def test_in_a_live_chat_a_flood_is_relayed_and_the_volunteer_is_never_limited(
    line: Helpline,
):
    parent, sanne = await connected(line)
    before = len(sanne.received)
    for i in range(14):
        await parent.says(f"regel {i} van mijn verhaal")
    relayed = [m.text for m in sanne.received[before:]]
    assert [t.split(": ", 1)[1] for t in relayed] == [
        f"regel {i} van mijn verhaal" for i in range(14)
    ]
    # a person is reading along: the parent pouring out their story is never told to wait
    assert sum(FLOOD in m.text for m in parent.received) == 0

    heard = len(parent.received)
    for i in range(20):  # a volunteer typing fast reaches the parent every time
        await sanne.says(f"antwoord {i}")
    assert [m.text for m in parent.received[heard:]] == [f"Sanne: antwoord {i}" for i in range(20)]


async def test_a_person_typing_quickly_is_no_flood_but_forty_in_five_minutes_is(line: Helpline):
    parent = line.parent()
    for i in range(40):  # one every seven seconds: a lot, but a person can
        line.clock.advance(seconds=7)
        replies = await parent.says(f"nog een vraag over de tlv {i}")
        assert replies and not any(FLOOD in r.text for r in replies), i
    line.clock.advance(seconds=7)
    replies = await parent.says("en nog een")
    assert [r.text for r in replies] == [line.engine.texts.say("flood")], "the 41st in 5 min"


def test_the_abuse_section_has_sane_defaults_and_checks_its_numbers(tmp_path):
    config = tmp_path / "ouderlijn.toml"
    config.write_text("[abuse]\nburst_messages = 5\nblock_days = 7\n")
    settings = load_settings({"OUDERLIJN_CONFIG": str(config)})
    assert settings.abuse == AbuseSettings(burst_messages=5, block_days=7)
    assert load_settings({}, cwd=tmp_path / "nowhere").abuse == AbuseSettings()
    for wrong in ("burst_messages = 0", "block_days = true", "flood = 3"):
        config.write_text(f"[abuse]\n{wrong}\n")
        with pytest.raises(ConfigError, match=r"\[abuse\]"):
            load_settings({"OUDERLIJN_CONFIG": str(config)})


async def test_a_parent_who_types_stop_during_a_flood_is_answered(line: Helpline):
    parent, _ = await connected(line)
    for i in range(12):  # a flood, unannounced in a live chat; the bot's own replies hush
        await parent.says(f"regel {i} van mijn verhaal")
    for typed in ("/stop", "stop"):  # the way out is never hushed, typed with or without "/"
        replies = await parent.says(typed)
        assert replies and "Ja, stoppen" in parent.labels, typed
    await parent.presses("Ja, stoppen")
    latest = await line.engine.store.read(lambda tx: tx.queue.latest_for(parent.name))
    assert latest is not None and not latest.is_open
