"""Conversations with the engine, read as transcripts: menu, FAQ, feedback, commands, edge cases."""

from __future__ import annotations

import asyncio
import logging
import re

from bot.core.engine import Engine
from bot.testing.fakes import FakeParent, build_engine, someone_there


async def test_start_gives_welcome_privacy_line_and_menu(engine: Engine):
    parent = FakeParent(engine)
    replies = await parent.says("/start")
    assert "chatbot, geen mens" in replies[0].text
    assert "andere naam" in replies[0].text and "30 dagen" in replies[0].text
    assert parent.labels == ["Vraag stellen", "School lukt niet — wat nu?", "Praat met een mens"]


async def test_first_message_is_a_question_welcome_then_answer(engine: Engine):
    parent = FakeParent(engine)
    replies = await parent.says("wat is een opp eigenlijk")
    assert "Welkom" in replies[0].text
    assert "OPP" in replies[1].text and "Heeft dit geholpen?" in replies[1].text
    assert "👍 Ja" in parent.labels and "Praat met een mens" in parent.labels


async def test_ask_button_then_question(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses("Vraag stellen")
    assert "Wat is uw vraag?" in parent.last
    await parent.says("mijn zoon is geschorst, mag dat")
    assert "Heeft dit geholpen?" in parent.last
    assert "👎 Nee" in parent.labels


async def test_answer_offers_related_entries_that_open(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("wat is een tlv")
    related = [b for b in parent.keyboard if b.id.startswith("f:")]
    assert 1 <= len(related) <= 3
    await parent.presses(related[0].label)
    assert parent.last.startswith(related[0].label)


async def test_suggestions_can_be_chosen(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.says("wat kost dat")
    assert "Bedoelt u" in parent.last
    suggestion = next(b for b in parent.keyboard if b.id.startswith("f:"))
    await parent.presses(suggestion.label)
    assert "Heeft dit geholpen?" in parent.last


async def test_no_match_is_honest_and_offers_tree_and_person(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.says("wie wint het songfestival dit jaar")
    assert "Dat weet ik helaas niet" in parent.last
    assert {"School lukt niet — wat nu?", "Praat met een mens"} <= set(parent.labels)


async def test_feedback_yes_and_no(engine: Engine, store):
    parent = FakeParent(engine)
    await parent.says("wat is passend onderwijs")
    await parent.presses("👍 Ja")
    assert "Fijn dat het heeft geholpen" in parent.last
    await parent.says("wat is een thuiszitter")
    await parent.presses("👎 Nee")
    assert "Jammer" in parent.last and "Praat met een mens" in parent.labels
    outcomes = [(e.kind, e.topic, e.outcome) for e in await store.events()]
    assert ("feedback", "passend-onderwijs", "helped") in outcomes
    assert ("feedback", "thuiszitten", "not_helped") in outcomes


async def test_feedback_on_an_old_answer_is_stale(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("wat is passend onderwijs")
    old = parent.button("👍 Ja").id
    await parent.says("wat is een tlv")
    await parent.presses_id(old)
    assert "Deze keuze is verlopen" in parent.received[-2].text


async def test_answers_fill_in_placeholders(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("/privacy")
    assert "{" not in parent.last and "30 dagen" in parent.last


async def test_commands_work_in_every_state_with_dutch_aliases(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("/begin")
    await parent.presses("School lukt niet")
    await parent.says("/hulp")
    assert "/vergeet" in parent.received[-1].text
    await parent.says("/menu")
    assert parent.labels[0] == "Vraag stellen"
    await parent.says("/onzin")
    assert "commando ken ik niet" in parent.last


async def test_stop_ends_the_tree(engine: Engine, store):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses("School lukt niet")
    await parent.says("/stop")
    assert "gestopt" in parent.last
    state = await store.load("ouder-1")
    assert state is not None and state.state == "menu" and state.path == ()


async def test_forget_deletes_everything(engine: Engine, store):
    parent = FakeParent(engine)
    await parent.says("mijn dochter wordt gepest")
    await parent.says("/vergeet")
    assert "Weet u het zeker?" in parent.last
    await parent.presses("Ja, alles wissen")
    assert "gewist" in parent.last
    assert await store.load("ouder-1") is None
    assert await store.transcript("ouder-1") == []


async def test_stickers_and_photos_get_a_friendly_text_only_answer(engine: Engine):
    parent = FakeParent(engine)
    await parent.sends("sticker")
    assert "alleen tekst" in parent.last and parent.labels[0] == "Vraag stellen"


async def test_empty_emoji_and_huge_messages(engine: Engine, store):
    parent = FakeParent(engine)
    await parent.says("   ")
    assert "alleen tekst" in parent.last
    await parent.says("🙏🙏🙏")
    assert "Dat weet ik helaas niet" in parent.last
    huge = "Mijn zoon zit al weken thuis en school doet niets. " * 200
    replies = await parent.says(huge)
    assert any("erg lang" in r.text for r in replies)
    lines = await store.transcript("ouder-1")
    assert any(line.text == huge.strip() or line.text == huge for line in lines), "nothing is lost"


async def test_unknown_button_id_is_stale_not_an_error(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.presses_id("x:iets-van-vroeger")
    assert "Deze keuze is verlopen" in parent.received[-2].text
    assert parent.labels[0] == "Vraag stellen"


async def test_typed_number_or_label_presses_the_button(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.says("2")
    assert "Ik stel een paar korte vragen" in parent.received[-2].text
    await parent.says("mijn kind zit (bijna) thuis")
    assert "Hoe lang" in parent.last


async def test_typed_emoji_presses_the_feedback_button(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("wat is een opp")
    await parent.says("👍")
    assert "Fijn dat het heeft geholpen" in parent.last
    await parent.says("wat is een tlv")
    await parent.says("nee")
    assert "Jammer" in parent.last


async def test_messages_of_one_parent_are_handled_in_order(engine: Engine, store):
    parent = FakeParent(engine)
    await parent.says("/start")
    texts = [f"vraag nummer {i} over de tlv" for i in range(20)]
    await asyncio.gather(*(parent.says(t) for t in texts))
    incoming = [line.text for line in await store.transcript("ouder-1") if line.direction == "in"]
    assert incoming == ["/start", *texts]  # the order they arrived in, each once
    # and each answer follows its own question: no turn ran between another's read and write
    flow = "".join(
        "q" if line.direction == "in" else "a" for line in await store.transcript("ouder-1")
    )
    assert re.fullmatch("(qa+){21}", flow), flow


async def test_no_log_line_contains_message_text(engine: Engine, caplog):
    caplog.set_level(logging.DEBUG)
    parent = FakeParent(engine)
    secret = "Mijn dochter Sanne de Vries 0612345678 wordt gepest"
    await parent.says(secret)
    await parent.says("ik wil niet meer leven")
    await parent.says("/vergeet")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for fragment in ("Sanne", "0612345678", "gepest", "leven"):
        assert fragment not in logged


async def test_locked_database_gets_a_friendly_answer_and_nothing_breaks(
    knowledge, content, tmp_path
):
    import sqlite3

    from bot.storage import AsyncStore
    from bot.testing.fakes import FakeClock

    tree, safety, texts = content
    path = tmp_path / "op-slot.db"
    store = await AsyncStore.open(path, busy_timeout_ms=20, busy_retries=2, retry_backoff_s=0.01)
    parent = FakeParent(build_engine(knowledge, tree, safety, texts, store, clock=FakeClock()))
    await parent.says("/start")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    replies = await parent.says("wat is een opp")
    assert len(replies) == 1 and "over een minuutje opnieuw" in replies[0].text
    blocker.execute("ROLLBACK")
    blocker.close()
    await parent.says("wat is een opp")
    assert "Wat is een OPP?" in parent.last
    await store.close()


async def test_a_greeting_gets_the_menu_not_dat_weet_ik_niet(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("Hallo!")
    assert "Welkom" in parent.received[0].text and parent.last == "Waar kan ik u mee helpen?"
    await parent.says("goedemorgen")
    assert parent.last == "Waar kan ik u mee helpen?"
    await parent.says("hallo, mijn zoon is geschorst, mag dat")
    assert "Heeft dit geholpen?" in parent.last  # a greeting with a question is a question


async def test_thanks_gets_a_warm_answer_and_keeps_the_buttons(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("wat is een opp")
    labels = parent.labels
    await parent.says("top, bedankt!")
    assert parent.last.startswith("Graag gedaan") and parent.labels == labels


async def test_short_requests_for_a_person_start_the_handoff_long_questions_do_not(engine: Engine):
    await someone_there(engine)
    for text in ("mag ik een mens", "ik wil een adviseur", "Kan iemand mij helpen?"):
        parent = FakeParent(engine, name=f"ouder-{text}")
        await parent.says(text)
        assert "Met wie wilt u praten?" in parent.last, text
    story = FakeParent(engine, name="ouder-verhaal")
    await story.says(
        "We wonen sinds kort in een nieuwe stad en ik zou graag iemand spreken die niet van "
        "school is. Bestaat er een steunpunt voor ouders?"
    )
    assert "Met wie wilt u praten?" not in story.last


async def test_a_number_that_is_not_on_the_buttons_is_explained(engine: Engine):
    parent = FakeParent(engine)
    await parent.says("/start")
    await parent.says("9")
    assert "typ een nummer van 1 tot 3" in parent.last and len(parent.labels) == 3
    seen = len(parent.received)
    await parent.says("2")
    assert "We zoeken samen wat u nu kunt doen" in parent.texts_since(seen)
