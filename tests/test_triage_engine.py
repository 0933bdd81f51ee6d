"""Safety triage in the conversation: each category gets its own help, in every state.

The messages were written for this test; none comes from the corpus or the shared eval sets.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core.engine import Engine, EngineSettings
from bot.core.faq_flow import Helpline as HelplineFacts
from bot.testing.fakes import FakeClock, FakeParent, build_engine, someone_there
from tests.test_handoff_queue import ask_person

SUICIDE = "onze zoon van 14 zei gisteravond dat het voor hem allemaal niet meer hoeft"
HARM = "de begeleider heeft haar in een kamertje opgesloten en ze kwam thuis met blauwe plekken"
DISTRESS = "ik trek het echt niet meer, ik ben zo ontzettend moe van alles"
HIT_TEACHER = "mijn dochter met adhd heeft een leerkracht geslagen, mag school haar nu schorsen?"


def saw(parent: FakeParent, *parts: str) -> bool:
    return all(part in parent.last for part in parts)


async def test_suicide_gets_113_and_the_tree_goes_on(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses("School lukt niet")
    question = parent.last
    await parent.says(SUICIDE)
    assert saw(parent, "113", "0800-0113", "112", "113.nl", "0800-0432")
    assert "Veilig Thuis" not in parent.last  # the help that fits, not every number
    assert parent.labels == ["Praat met een mens", "Verder met de vragen", "Menu"]
    await parent.presses("Verder met de vragen")
    assert parent.last == question


async def test_harm_gets_veilig_thuis_and_the_inspectie(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.says(HARM)
    assert saw(parent, "112", "Veilig Thuis: 0800-2000", "vertrouwensinspecteur", "0900-1113111")
    assert "zelfdoding" not in parent.last
    assert "Praat met een mens" in parent.labels


async def test_after_a_crisis_a_person_is_urgent_without_questions(line):
    kees = await line.volunteer("Kees", "advisor")
    parent = line.parent()
    await parent.says(HARM)
    await parent.presses("Praat met een mens")
    assert "U staat in de rij" in parent.texts_since(1)
    assert "⚠️ Dringend" in kees.last and "kind in gevaar" in kees.last
    assert HARM not in kees.last  # the category, never the words, in a notification


async def test_distress_gets_warmth_and_a_person_never_dat_weet_ik_niet(engine: Engine):
    await someone_there(engine)
    parent = FakeParent(engine)
    await parent.says(DISTRESS)
    text = "\n".join(m.text for m in parent.received)
    assert "Wat zwaar voor u" in text and "113" in text
    assert "Dat weet ik helaas niet" not in text
    assert "Praat met een mens" in parent.labels
    await parent.presses("Praat met een mens")
    # no questions about role and topic for a parent at the end of their strength: in the
    # queue at once, for whoever is free first (not urgent: suicide and harm come first)
    assert "Met wie wilt u praten?" not in parent.last
    assert "U staat in de rij" in parent.last


async def test_distress_keeps_the_conversation_where_it_was(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses("School lukt niet")
    question = parent.last
    await parent.says("😭😭😭")
    assert "Wat zwaar voor u" in parent.last
    await parent.presses("Verder met de vragen")
    assert parent.last == question


async def test_distress_outside_opening_hours_names_the_helpline_contact(knowledge, content, store):
    tree, safety, texts = content
    saturday = FakeClock(datetime(2026, 11, 28, 20, 0, tzinfo=UTC))
    facts = HelplineFacts(contact="0800-1234 of info@hulplijn.nl")
    engine = build_engine(
        knowledge, tree, safety, texts, store, EngineSettings(helpline=facts), clock=saturday
    )
    parent = FakeParent(engine)
    await parent.says("ik ben zo op, ik weet het niet meer")
    text = "\n".join(m.text for m in parent.received)
    assert "0800-1234 of info@hulplijn.nl" in text and "maandag" in text


async def test_a_child_who_hit_a_teacher_gets_the_faq_answer(engine: Engine, store):
    parent = FakeParent(engine)
    await parent.says(HIT_TEACHER)
    assert "schorsing" in parent.last.lower()
    assert "113" not in parent.last and "Veilig Thuis" not in parent.last
    state = await store.load("ouder-1")
    assert state is not None and not state.crisis
    assert not any(e.kind == "crisis" for e in await store.events())


@pytest.mark.parametrize(
    "message",
    [
        "ik ben doodmoe van alle gesprekken met school",
        "hij vindt de nieuwe gymzaal doodeng",
        "de lessen zijn dodelijk saai voor haar",
        "ze heeft een blauwe plek van het voetballen, verder gaat het goed",
        "mijn zoon schopt andere kinderen als het te druk wordt, wat kan school doen?",
    ],
)
async def test_everyday_words_stay_quiet(engine: Engine, message):
    parent = FakeParent(engine)
    await parent.says(message)
    text = "\n".join(m.text for m in parent.received)
    assert "113" not in text and "Veilig Thuis" not in text


def aliases(engine: Engine) -> list[str]:
    return sorted(engine.texts.commands)


async def test_crisis_text_inside_every_command_is_answered_first(engine: Engine, store):
    for alias in aliases(engine):
        parent = FakeParent(engine, name=f"ouder-{alias}")
        await parent.says("/start")
        await parent.says(f"/{alias} ik wil er niet meer zijn")
        assert "113" in parent.last, alias
        assert "gewist" not in parent.last and "aanmelden" not in parent.last.lower()


async def test_crisis_text_after_a_bare_command_word_is_answered_first(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("stop, ik wil dood")
    assert "113" in parent.last


async def test_forget_asks_first_and_no_keeps_everything(engine: Engine, store):
    parent = FakeParent(engine)
    await parent.says("wat is een opp")
    await parent.says("/vergeet")
    assert "Weet u het zeker?" in parent.last
    assert parent.labels == ["Ja, alles wissen", "Nee, niet wissen"]
    await parent.presses("Nee, niet wissen")
    assert "we wissen niets" in parent.received[-2].text
    assert await store.transcript("ouder-1")
    await parent.says("/vergeet")
    await parent.says("1")  # a bare number never erases
    assert "gewist" not in parent.last
    await parent.says("/vergeet")
    await parent.presses("Ja, alles wissen")
    assert "gewist" in parent.last


@pytest.mark.parametrize(("word", "expected"), [("stop", "gestopt"), ("Help", "eigen woorden")])
async def test_stop_and_help_typed_alone_are_commands(engine: Engine, word, expected):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses("School lukt niet")
    await parent.says(word)
    assert expected in parent.last


async def test_menu_typed_alone_shows_the_menu(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses("School lukt niet")
    await parent.says("menu")
    assert parent.labels == ["Vraag stellen", "School lukt niet — wat nu?", "Praat met een mens"]


async def test_stop_of_a_live_conversation_asks_for_feedback(line):
    sanne = await line.volunteer("Sanne")
    parent = line.parent()
    await ask_person(parent)
    await sanne.presses("Oppakken")
    await parent.says("/stop")
    await parent.presses("Ja, stoppen")
    assert "Heeft het gesprek u geholpen?" in parent.last
    await parent.presses("👍 Ja")
    assert "Dank u voor uw antwoord" in parent.last


async def test_a_crisis_while_talking_is_relayed_and_alerts_the_coordinator(line):
    sanne = await line.volunteer("Sanne", "buddy")
    cor = await line.volunteer("Cor", "coordinator")
    parent = line.parent()
    await ask_person(parent, "Ervaren ouder")
    await sanne.presses("Oppakken")
    await parent.says("/stop " + SUICIDE)  # a crisis inside a command is never a stop
    assert "113" in parent.texts_since(0) and "Wilt u het gesprek" not in parent.last
    assert any(SUICIDE in m.text for m in sanne.received)
    assert "kan wijzen op een crisis (zelfdoding" in cor.last and "Sanne" in cor.last
