"""The Telegram channel end to end: real PTB Application ⇄ fake Bot API over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio

import aiohttp

from tests.fake_telegram import FakeBotApi
from tests.raw_sql import sql_of
from tests.telegram_world import TelegramWorld


async def test_first_message_gets_welcome_and_menu(world: TelegramWorld, api: FakeBotApi):
    parent = api.user(1001, "Marieke", "de Vries", "mariekedv")
    replies = await world.says(parent, "hallo", expect="Waar kan ik u mee helpen?")
    assert "Welkom bij Ouderlijn" in (replies[0].text or "")
    assert [label for label, _ in replies[-1].buttons] == [
        "Vraag stellen",
        "School lukt niet — wat nu?",
        "Praat met een mens",
    ]
    assert ("vergeet", "Wis al uw gegevens") in [
        (c["command"], c["description"]) for c in api.commands
    ]


async def test_faq_answer_with_buttons_and_feedback(world: TelegramWorld, api: FakeBotApi):
    parent = api.user(1002, "Fatima", "El Amrani", "fatima_ea")
    replies = await world.says(parent, "wat is een opp", expect="Heeft dit geholpen?")
    answer = replies[-1]
    assert "OPP" in (answer.text or "")
    labels = [label for label, _ in answer.buttons]
    assert "👍 Ja" in labels and "Praat met een mens" in labels
    await world.presses(parent, "👍 Ja", expect="Fijn dat het heeft geholpen")
    assert api.answered_callbacks  # the spinner on the button stops


async def test_tree_walk_by_buttons_and_by_typed_choices(world: TelegramWorld, api: FakeBotApi):
    from tests.test_engine_tree_and_safety import PATHS, TREE, leaf_of

    path = max(PATHS, key=len)
    parent = api.user(1003, "Johan", "Visser")
    await world.says(parent, "/start", expect="Waar kan ik u mee helpen?")
    await world.presses(parent, "School lukt niet", expect=TREE.node(TREE.start).text[:30])
    for label in path:
        replies = await world.presses(parent, label)
    assert (replies[-1].text or "").startswith(TREE.node(leaf_of(path)).text)
    typed = api.user(1004, "Petra", "Smit")
    await world.says(typed, "/start", expect="Waar kan ik u mee helpen?")
    await world.says(typed, "2", expect=TREE.node(TREE.start).text[:30])
    node = TREE.node(TREE.start)
    while not node.is_leaf:
        choice = node.choices[0]
        node = TREE.node(choice.next)
        await world.says(typed, choice.label, expect=node.text[:30])
    assert "Praat met een mens" in [
        label for label, _ in world.api.messages_to(typed.id)[-1].buttons
    ]


async def test_crisis_message_gets_the_numbers_at_once(world: TelegramWorld, api: FakeBotApi):
    parent = api.user(1005, "Yusuf", "Kaya")
    replies = await world.says(parent, "mijn zoon wil niet meer leven", expect="113")
    text = replies[-1].text or ""
    assert "112" in text and "0800-0113" in text
    assert "Praat met een mens" in [label for label, _ in replies[-1].buttons]


async def test_handoff_claim_relay_photo_close_feedback(world: TelegramWorld, api: FakeBotApi):
    sanne = api.user(2001, "Sanne", "Bakker-Jansen", "sbj_1984")
    parent = api.user(1006, "Marieke", "de Vries", "mariekedv")
    await world.volunteer(sanne, "Sanne")
    await api.wait_until(lambda: any(c["command"] == "volgende" for c in api.commands))
    scoped = [p for m, p in api.calls if m == "setMyCommands" and "scope" in p]
    assert scoped and scoped[-1]["scope"] == {"type": "chat", "chat_id": sanne.id}
    await world.asks_person(parent, "Ervaren ouder", "Autisme")
    await world.replies(sanne, 1, "Nieuwe vraag")
    await world.presses(sanne, "Oppakken", expect="Je praat nu met Ouder #")
    await world.replies(parent, 0, "Sanne is er nu voor u")
    seen = len(api.messages_to(sanne.id))
    api.user_sends(parent, "Hij gaat al <3> weken *niet* naar_school & huilt.")
    await world.replies(sanne, seen, "Hij gaat al <3> weken *niet* naar_school & huilt.")
    seen = len(api.messages_to(sanne.id))
    api.user_sends_photo(parent, caption="De brief van school")
    await api.wait_until(
        lambda: any(m.method == "copyMessage" for m in api.messages_to(sanne.id)[seen:])
    )
    copy = next(m for m in api.messages_to(sanne.id)[seen:] if m.method == "copyMessage")
    assert copy.params["from_chat_id"] == parent.id  # a copy: no forward header, no name
    world.sends(sanne, "Dank je. Ik kijk mee.")
    await world.replies(parent, 0, "Sanne: Dank je. Ik kijk mee.")
    await world.says(sanne, "/afsluiten", expect="Hoe sluit je het gesprek")
    await world.presses(sanne, "Advies gegeven", expect="Weet je het zeker?")
    await world.presses(sanne, "Ja, afsluiten", expect="is klaar")
    await world.replies(parent, 0, "Sanne heeft het gesprek afgesloten")
    await world.presses(parent, "👍 Ja", expect="Dank u voor uw antwoord")
    for message in api.messages_to(sanne.id):  # the volunteer never sees the parent's account
        for secret in ("Marieke", "de Vries", "mariekedv", str(parent.id)):
            assert secret not in (message.text or "")
    for message in api.messages_to(parent.id):
        for secret in ("Bakker", "sbj_1984", str(sanne.id)):
            assert secret not in (message.text or "")


async def test_two_volunteers_claim_at_once_one_wins(world: TelegramWorld, api: FakeBotApi):
    sanne, kees = api.user(2002, "Sanne"), api.user(2003, "Kees")
    await world.volunteer(sanne, "Sanne")
    await world.volunteer(kees, "Kees")
    parent = api.user(1007, "Petra")
    await world.asks_person(parent)
    await world.replies(sanne, 1, "Nieuwe vraag")
    await world.replies(kees, 1, "Nieuwe vraag")
    api.user_presses(sanne, world.latest_with_button(sanne, "Oppakken"), "Oppakken")
    api.user_presses(kees, world.latest_with_button(kees, "Oppakken"), "Oppakken")
    await api.wait_until(
        lambda: (
            sum(
                "Je praat nu met" in t or "Een collega was je net voor" in t
                for t in world.texts_to(sanne) + world.texts_to(kees)
            )
            == 2
        )
    )
    won = [t for t in world.texts_to(sanne) + world.texts_to(kees) if "Je praat nu met" in t]
    assert len(won) == 1


async def connect(world: TelegramWorld, api: FakeBotApi, parent_id: int, volunteer_id: int):
    volunteer = api.user(volunteer_id, "Vrijwilliger")
    parent = api.user(parent_id, "Ouder")
    await world.volunteer(volunteer, "Anne")
    await world.asks_person(parent)
    await world.replies(volunteer, 1, "Nieuwe vraag")
    await world.presses(volunteer, "Oppakken", expect="Je praat nu met")
    await world.replies(parent, 0, "Anne is er nu voor u")
    return parent, volunteer


async def test_parent_blocks_the_bot_volunteer_is_told(world: TelegramWorld, api: FakeBotApi):
    parent, anne = await connect(world, api, 1008, 2004)
    api.blocked.add(parent.id)
    await world.says(anne, "Hoe gaat het nu?", expect="is niet meer te bereiken")


async def test_429_and_5xx_mid_conversation_nothing_lost_or_doubled(
    world: TelegramWorld, api: FakeBotApi
):
    parent, anne = await connect(world, api, 1009, 2005)
    api.fail_next("sendMessage", 429, retry_after=1)
    world.sends(anne, "Eerste bericht")
    api.fail_next("sendMessage", 502, times=2)
    world.sends(anne, "Tweede bericht")
    api.fail_next("sendMessage", 500)
    api.user_sends(parent, "Antwoord van de ouder")
    await world.replies(anne, 0, "Antwoord van de ouder")
    await world.replies(parent, 0, "Anne: Tweede bericht")
    relayed = [t for t in world.texts_to(parent) if t.startswith("Anne: ")]
    assert relayed == ["Anne: Eerste bericht", "Anne: Tweede bericht"]
    assert sum("Antwoord van de ouder" in t for t in world.texts_to(anne)) == 1


async def test_restart_mid_handoff_loses_nothing(world: TelegramWorld, api: FakeBotApi):
    parent, anne = await connect(world, api, 1010, 2006)
    await world.stop()
    api.user_sends(parent, "Bent u er nog? De bot was even weg.")  # waits in getUpdates
    await world.start()
    await world.replies(anne, 0, "Bent u er nog? De bot was even weg.")
    world.sends(anne, "Ja, ik ben er nog.")
    await world.replies(parent, 0, "Anne: Ja, ik ben er nog.")


async def test_other_updates_are_ignored_safely(world: TelegramWorld, api: FakeBotApi):
    parent = api.user(1011, "Ouder")
    await world.says(parent, "hallo", expect="Waar kan ik u mee helpen?")
    sent = len(api.sent)
    api.user_edits(parent, 1, "iets anders")  # the parent's first message in this chat
    api.group_message(parent, -100123, "hallo groep")
    api.channel_post(-100456, "nieuws")
    await world.says(parent, "/menu", expect="Waar kan ik u mee helpen?")
    assert len(api.sent) == sent + 1  # only the /menu reply


async def test_stickers_get_a_friendly_only_text(world: TelegramWorld, api: FakeBotApi):
    parent = api.user(1012, "Ouder")
    seen = len(api.messages_to(parent.id))
    api.user_sends_other(parent, "sticker")
    await world.replies(parent, seen, "Ik kan alleen tekst lezen")
    api.user_sends_other(parent, "voice")
    await world.replies(parent, seen + 2, "Ik kan alleen tekst lezen")


async def test_long_relayed_text_is_split_below_4096(world: TelegramWorld, api: FakeBotApi):
    parent, anne = await connect(world, api, 1013, 2007)
    story = " ".join(f"Zin {n} van een lang verhaal over school." for n in range(400))
    seen = len(api.messages_to(anne.id))
    api.user_sends(parent, story[:4000])
    await world.replies(anne, seen, "Zin 0 van")
    long_reply = "Dit is een lang antwoord. " * 300
    seen_parent = len(api.messages_to(parent.id))
    world.sends(anne, long_reply.strip())
    await api.wait_until(lambda: len(api.messages_to(parent.id)) >= seen_parent + 2)
    pieces = api.messages_to(parent.id)[seen_parent:]
    assert all(len(m.text or "") <= 4096 for m in pieces) and len(pieces) == 2


async def test_webhook_refuses_a_wrong_secret_and_accepts_the_right_one(
    api: FakeBotApi, tmp_path, content, knowledge, database
):
    world = TelegramWorld(api, database, content, knowledge, webhook=True)
    await world.start()
    try:
        assert api.webhook is not None and api.webhook["secret_token"] == "test-secret"
        assert world.server is not None
        url = f"http://127.0.0.1:{world.server.port}/telegram"
        parent = api.user(1014, "Ouder")
        update = api.make_update(parent, "wat is een opp")
        assert await api.post_update(url, update, "wrong") == 403
        assert await api.post_update(url, update, None) == 403
        assert not api.messages_to(parent.id)
        assert await api.post_update(url, update, "test-secret") == 200
        await world.replies(parent, 0, "Heeft dit geholpen?")
        headers = {"X-Telegram-Bot-Api-Secret-Token": "test-secret"}
        async with aiohttp.ClientSession(headers=headers) as session:
            for body in (b"{niet: json", b"null", b"[]", b'{"geen": "update"}'):
                async with session.post(url, data=body) as response:
                    assert response.status == 400, body
            odd = api.make_update(parent, "een peiling")
            odd["message"]["poll"] = {"id": "p1"}  # Telegram's, but PTB cannot read it
            async with session.post(url, json=odd) as response:
                assert response.status == 200  # skipped: a retry would never help
            health = f"http://127.0.0.1:{world.server.port}/healthz"
            async with session.get(health) as response:
                assert response.status == 200
    finally:
        await world.stop()


async def test_error_in_an_update_is_logged_without_content_and_retried(
    world: TelegramWorld, api: FakeBotApi, caplog, monkeypatch
):
    import logging

    real = world.engine.handle
    calls = {"n": 0}

    async def flaky(inbound, receipt=None):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("boom with secret content")
        return await real(inbound, receipt)

    monkeypatch.setattr(world.engine, "handle", flaky)
    parent = api.user(1015, "Ouder", username="geheime_naam")
    with caplog.at_level(logging.INFO):
        # the failed attempt is tried again: the parent gets the real answer, nothing is lost
        await world.says(parent, "wat is een opp", expect="Heeft dit geholpen?")
    assert calls["n"] == 2
    assert "RuntimeError" in caplog.text and "correlation" in caplog.text
    for secret in ("wat is een opp", "geheime_naam", "secret content", str(parent.id)):
        assert secret not in caplog.text


async def test_a_message_that_keeps_failing_gets_an_apology_and_the_bot_goes_on(
    world: TelegramWorld, api: FakeBotApi, monkeypatch
):
    real = world.engine.handle

    async def broken_for_one(inbound, receipt=None):
        if inbound.text == "deze vraag breekt iets":
            raise RuntimeError("a bug")
        return await real(inbound, receipt)

    monkeypatch.setattr(world.engine, "handle", broken_for_one)
    parent = api.user(1018, "Ouder")
    await world.says(parent, "deze vraag breekt iets", expect="Probeert u het")
    await world.says(parent, "wat is een opp", expect="Heeft dit geholpen?")
    rows = await world.store.read(
        lambda tx: (
            sql_of(tx).execute("SELECT attempts, handled_at FROM inbox ORDER BY id").fetchall()
        )
    )
    assert rows[0][0] == 3 and rows[0][1] is not None  # tried three times, then let go


async def test_a_send_that_times_out_after_reaching_telegram_is_not_repeated(
    api: FakeBotApi, tmp_path, content, knowledge, database
):
    from dataclasses import replace

    world = TelegramWorld(api, database, content, knowledge)
    world.settings = replace(world.settings, read_timeout=0.3)
    await world.start()
    try:
        parent = api.user(1016, "Ouder")
        await world.says(parent, "/start", expect="Waar kan ik u mee helpen?")
        api.latency = 0.6  # Telegram answers after our read timeout: did it arrive? It did.
        api.user_sends(parent, "wat is een opp")
        await api.wait_until(lambda: any("OPP" in t for t in world.texts_to(parent)), timeout=10)
        api.latency = 0.0
        await world.says(parent, "/menu", expect="Waar kan ik u mee helpen?")
        assert sum("Heeft dit geholpen?" in t for t in world.texts_to(parent)) == 1
    finally:
        await world.stop()


async def test_queue_watch_runs_on_ptb_job_queue(
    api: FakeBotApi, tmp_path, content, knowledge, database
):
    world = TelegramWorld(api, database, content, knowledge)
    world.watch_seconds = 0.2
    await world.start()
    try:
        ticks = {"n": 0}
        real = world.engine.tick

        async def counting() -> None:
            ticks["n"] += 1
            await real()

        world.engine.tick = counting  # type: ignore[method-assign]
        await api.wait_until(lambda: ticks["n"] >= 2, timeout=5)
        jobs = world.channel.app.job_queue.jobs() if world.channel.app.job_queue else ()
        assert len(jobs) == 1
    finally:
        await world.stop()


async def test_forget_then_a_restart_still_reaches_the_parent(
    world: TelegramWorld, api: FakeBotApi
):
    parent = api.user(1017, "Marieke", "de Vries", "mariekedv")
    anne = api.user(2017, "Anne")
    await world.volunteer(anne, "Anne")
    await world.says(parent, "hallo", expect="Waar kan ik u mee helpen?")
    await world.says(parent, "/vergeet", expect="Weet u het zeker?")
    await world.presses(parent, "Ja, alles wissen", expect="Uw gegevens zijn gewist")
    await world.says(parent, "hallo", expect="Waar kan ik u mee helpen?")
    await world.asks_person(parent)
    await world.replies(anne, 1, "Nieuwe vraag")
    await world.presses(anne, "Oppakken", expect="Je praat nu met")
    await world.restart()  # the adapter's memory is gone: the database must know the chat
    world.sends(anne, "Hoe gaat het nu met uw zoon?")
    await world.replies(parent, 0, "Anne: Hoe gaat het nu met uw zoon?")


async def test_another_403_is_retried_and_keeps_the_volunteer_on_duty(
    world: TelegramWorld, api: FakeBotApi
):
    parent, anne = await connect(world, api, 1031, 2031)
    api.forbidden[anne.id] = "Forbidden: bot can't send messages to this chat for now"
    api.user_sends(parent, "Bent u er nog?")
    await asyncio.sleep(1.5)
    assert not any("iemand anders" in t for t in world.texts_to(parent))  # not handed back
    del api.forbidden[anne.id]
    await world.replies(anne, 0, "Bent u er nog?")
    volunteers = await world.engine.store.read(lambda tx: tx.registry.reachable())
    assert [v.name for v in volunteers] == ["Anne"]
