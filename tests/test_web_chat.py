"""A parent's tab on /ws, read like a chat transcript (the protocol is in the web spec)."""

from __future__ import annotations

import asyncio
import json
import re

import aiohttp
import pytest

from handoff.hours import OpeningHours
from handoff.settings import HandoffSettings
from tests.web_world import WebWorld, button_ids

ONWARD = re.compile(r"^t:(?!back$|restart$)")


async def fresh_parent(world: WebWorld):
    parent = await world.parent()
    await parent.messages()  # the welcome
    return parent


async def test_a_fresh_session_is_welcomed_with_the_menu(web_world):
    parent = await web_world.parent()
    welcome = await parent.messages()
    status = parent.frames[0]
    assert status["type"] == "status" and status["open"] is True
    assert status["opening_hours"] and status["contact"]
    assert welcome[0]["from"] == "bot" and welcome[0]["name"] == "Ouderlijn"
    assert welcome[0]["text"].startswith("Welkom bij Ouderlijn. Ik ben een chatbot, geen mens.")
    assert welcome[-1]["text"] == "Waar kan ik u mee helpen?"
    assert button_ids(welcome[-1:]) == ["m:ask", "m:tree", "m:person"]
    assert [m["id"] for m in welcome] == sorted({m["id"] for m in welcome})
    assert not any(m["end"] for m in welcome)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", welcome[0]["at"])


async def test_a_tab_without_a_token_is_given_one(web_world):
    client = web_world.session()
    ws = await client.ws_connect(f"{web_world.url}/ws")
    session = json.loads((await ws.receive(timeout=5)).data)
    assert session["type"] == "session"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", session["token"])
    await ws.close()
    parent = await web_world.parent(token=session["token"])
    assert "Welkom" in (await parent.messages())[0]["text"]
    assert not any(f["type"] == "session" for f in parent.frames)


async def test_out_of_hours_the_status_says_closed_and_the_bot_still_answers(
    tmp_path, full_content
):
    from bot.core.engine import EngineSettings

    closed = EngineSettings(handoff=HandoffSettings(hours=OpeningHours(periods=((),) * 7)))
    async with WebWorld(tmp_path, full_content, engine_settings=closed) as world:
        parent = await fresh_parent(world)
        assert parent.frames[0]["type"] == "status" and parent.frames[0]["open"] is False
        assert "OPP" in (await parent.says("wat is een opp"))[0]["text"]


async def test_a_question_gets_the_faq_answer(web_world):
    parent = await fresh_parent(web_world)
    answer = await parent.says("wat is een opp")
    assert answer[0]["text"].startswith("Wat is een OPP?\n\nOPP staat voor ontwikkelings")
    assert answer[0]["from"] == "bot"


async def test_pressing_buttons_walks_the_tree_to_advice(web_world):
    parent = await fresh_parent(web_world)
    shown = await parent.presses("m:tree")
    assert shown[-1]["text"] == "Wat speelt er nu het meest?"
    route = []
    for _ in range(10):
        onward = [b for b in shown[-1]["buttons"] if ONWARD.match(b["id"])]
        if not onward:
            break
        route.append(onward[0]["label"])
        shown = await parent.presses(onward[0]["id"])
    leaf = shown[-1]
    assert len(route) >= 2, route
    assert "Dit kunt u nu doen:" in leaf["text"]
    assert "m:person" in button_ids([leaf])
    assert any(i.startswith("f:") for i in button_ids([leaf]))


async def test_asking_for_a_person_puts_the_parent_first_in_the_queue(web_world):
    await web_world.volunteer("Eva")
    parent = await fresh_parent(web_world)
    said = await parent.asks_for_person()
    assert said[-1]["text"].startswith("U staat in de rij. U bent nummer 1.")
    queue = [f for f in parent.frames if f["type"] == "queue"]
    assert queue[-1]["place"] == 1 and isinstance(queue[-1]["wait_minutes"], int)
    assert parent.queue_places().count(1) == 1  # told when it changed, not on every message


async def test_the_same_client_id_twice_is_answered_once(web_world):
    parent = await fresh_parent(web_world)
    answer = await parent.says("wat is een opp", client_id="same-message-1")
    assert answer and "OPP" in answer[0]["text"]
    again = await parent.says("wat is een opp", client_id="same-message-1")
    assert again == []
    acks = [f for f in parent.frames if f["type"] == "ack"]
    assert [a["duplicate"] for a in acks] == [False, True]
    own_lines = "SELECT count(*) FROM web_messages WHERE address = ? AND sender = 'parent'"
    assert web_world.rows(own_lines, parent.address) == [(1,)]


async def test_a_message_resent_after_a_lost_connection_counts_once(web_world):
    parent = await fresh_parent(web_world)
    frame = {"type": "text", "text": "wat is een opp", "client_id": "resent-1"}
    await parent.send(frame)
    await parent.ws.close()  # gone before the ack was read: the tab sends it again
    while web_world.rows("SELECT count(*) FROM inbox") == [(0,)]:
        await asyncio.sleep(0.02)
    await parent.connect()
    await parent.send(frame)
    assert await parent.reply_to("resent-1") == {
        "type": "ack",
        "client_id": "resent-1",
        "duplicate": True,
    }
    await asyncio.sleep(0.5)
    everything = await web_world.parent(token=parent.token)
    history = await everything.messages()
    assert sum(m["text"].startswith("Wat is een OPP?") for m in history) == 1
    assert [m["from"] for m in history if m["text"] == "wat is een opp"] == ["parent"]


async def test_what_the_volunteer_said_while_the_tab_was_away_arrives_once(web_world):
    eva = await web_world.volunteer("Eva")
    parent = await fresh_parent(web_world)
    await parent.asks_for_person()
    handoff = await eva.first_in_queue()
    await eva.act("claim", handoff=handoff)
    assert "Eva is er nu voor u" in (await parent.messages())[-1]["text"]
    seen = parent.last_id
    await parent.ws.close()

    await eva.act("say", handoff=handoff, text="Bent u er nog? Ik wacht even op u.")
    await web_world.until_shown(parent, "Bent u er nog? Ik wacht even op u.")
    await parent.connect()  # resume after the last id the tab saw
    missed = await parent.messages()
    assert [(m["from"], m["name"], m["text"]) for m in missed] == [
        ("volunteer", "Eva", "Bent u er nog? Ik wacht even op u.")
    ]
    assert missed[0]["id"] > seen
    assert await parent.reconnect() == []


async def test_a_new_tab_of_a_known_session_gets_the_history_without_a_new_welcome(web_world):
    parent = await web_world.parent()
    shown = await parent.messages()
    shown += await parent.says("wat is een opp", client_id="question-1")
    second_tab = await web_world.parent(token=parent.token)  # a reload: resume after 0
    history = await second_tab.messages()
    own = [m for m in history if m["from"] == "parent"]
    assert [(m["text"], m["client_id"]) for m in own] == [("wat is een opp", "question-1")]
    assert [m["id"] for m in history if m["from"] != "parent"] == [m["id"] for m in shown]
    assert [m["id"] for m in history] == sorted(m["id"] for m in history)
    assert sum(m["text"].startswith("Welkom") for m in history) == 1
    assert await parent.messages() == []  # the first tab is not greeted again either
    welcomes = web_world.rows(
        "SELECT count(*) FROM web_messages WHERE address = ? AND text LIKE 'Welkom%'",
        parent.address,
    )
    assert welcomes == [(1,)]


async def test_a_reload_shows_the_label_of_what_the_parent_pressed(web_world):
    parent = await fresh_parent(web_world)
    await parent.presses("m:tree")
    await parent.presses("t:does-not-exist")  # no label: nothing of theirs to show
    history = await (await web_world.parent(token=parent.token)).messages()
    assert [m["text"] for m in history if m["from"] == "parent"] == ["School lukt niet — wat nu?"]


async def test_vergeet_ends_the_chat_and_erases_what_was_said(web_world):
    parent = await fresh_parent(web_world)
    await parent.says("Mijn zoon Daan van Dijk zit al weken thuis")
    assert (
        web_world.rows("SELECT count(*) FROM web_messages WHERE address = ?", parent.address)[0][0]
        >= 3
    )
    asked = await parent.says("/vergeet")
    assert "Weet u het zeker?" in asked[-1]["text"]
    assert button_ids(asked[-1:]) == ["m:forget:yes", "m:forget:no"]
    farewell = await parent.presses("m:forget:yes")
    assert farewell[-1]["end"] is True
    assert "gewist" in farewell[-1]["text"]
    await asyncio.sleep(0.3)
    # the open tab got the farewell and wipes itself, so nothing under the pseudonym stays
    assert web_world.rows("SELECT id FROM web_messages WHERE address = ?", parent.address) == []
    assert web_world.tables_holding(parent.address) == []
    assert web_world.tables_holding("Daan van Dijk") == []
    assert web_world.tables_holding("Welkom bij Ouderlijn") == []


async def test_a_text_over_10000_characters_is_refused_and_not_stored(web_world):
    parent = await fresh_parent(web_world)
    long_text = "Mijn verhaal. " * 715  # 10,010 characters
    await parent.send({"type": "text", "text": long_text, "client_id": "long-1"})
    refused = await parent.reply_to("long-1")
    assert refused["type"] == "error" and refused["code"] == "too_long"
    assert "10.000" in refused["text"]
    assert await parent.messages() == []
    assert web_world.tables_holding("Mijn verhaal. Mijn verhaal.") == []
    assert web_world.rows("SELECT count(*) FROM inbox") == [(0,)]


async def test_a_text_of_exactly_10000_characters_is_taken(web_world):
    parent = await fresh_parent(web_world)
    await parent.send({"type": "text", "text": "a" * 10_000, "client_id": "max-1"})
    assert (await parent.reply_to("max-1", timeout=10))["type"] == "ack"


@pytest.mark.parametrize(
    "frame",
    [
        b"\x00\x01binary",
        "this is not json",
        '{"type": "shout", "text": "hoi"}',
        '["text", "hoi"]',
        '{"type": "text", "text": "hoi"}',
        '{"type": "text", "text": "hoi", "client_id": "spaces are not allowed"}',
        '{"type": "text", "text": "   ", "client_id": "blank-1"}',
        '{"type": "button", "id": "' + "x" * 65 + '", "client_id": "long-button"}',
        '{"type": "button", "id": 7, "client_id": "number-button"}',
    ],
    ids=[
        "binary",
        "not-json",
        "unknown-type",
        "a-list",
        "no-client-id",
        "bad-client-id",
        "blank-text",
        "long-button",
        "number-button",
    ],
)
async def test_an_unreadable_frame_gets_bad_frame_and_the_tab_keeps_working(web_world, frame):
    parent = await fresh_parent(web_world)
    if isinstance(frame, bytes):
        await parent.ws.send_bytes(frame)
    else:
        await parent.ws.send_str(frame)
    error = await parent.wait_for("error")
    assert error["code"] == "bad_frame" and error["text"].startswith("Dat bericht kon ik niet")
    assert "OPP" in (await parent.says("wat is een opp"))[0]["text"]


async def test_a_resume_with_an_impossible_id_does_not_break_the_tab(web_world):
    parent = await fresh_parent(web_world)
    await parent.send({"type": "resume", "after": 10**30})
    await parent.quiet()
    assert "OPP" in (await parent.says("wat is een opp"))[0]["text"]


async def test_a_frame_over_64_kib_closes_that_socket_and_others_go_on(web_world):
    other = await fresh_parent(web_world)
    parent = await fresh_parent(web_world)
    await parent.ws.send_str(json.dumps({"type": "text", "text": "a" * 70_000, "client_id": "x"}))
    closing = await parent.ws.receive(timeout=5)
    assert closing.type == aiohttp.WSMsgType.CLOSE
    assert closing.data == 1009  # aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    assert "OPP" in (await other.says("wat is een opp"))[0]["text"]
    await parent.connect()  # the same session may come back
    assert "OPP" in (await parent.says("wat is een opp"))[0]["text"]


async def test_a_burst_of_texts_is_slowed_down_kindly_and_then_works_again(web_world):
    parent = await fresh_parent(web_world)
    for i in range(20):
        await parent.send({"type": "text", "text": f"hallo {i}", "client_id": f"burst-{i}"})
    answers = [await parent.reply_to(f"burst-{i}") for i in range(20)]
    refused = [a for a in answers if a["type"] == "error"]
    taken = [a for a in answers if a["type"] == "ack"]
    assert refused and taken and len(taken) <= 10
    assert {a["code"] for a in refused} == {"rate_limited"}
    assert refused[0]["text"].startswith("U stuurt veel berichten snel achter elkaar.")
    await parent.messages()
    await asyncio.sleep(1.5)
    await parent.send({"type": "text", "text": "wat is een opp", "client_id": "later-1"})
    assert (await parent.reply_to("later-1"))["type"] == "ack"


async def test_a_button_that_no_longer_fits_gets_the_verlopen_answer(web_world):
    parent = await fresh_parent(web_world)
    await parent.presses("m:tree")
    answer = await parent.presses("t:does-not-exist")
    assert answer[0]["text"] == "Deze keuze is verlopen. Hier is wat u nu kunt kiezen."
    assert answer[-1]["text"] == "Wat speelt er nu het meest?"  # where the parent was
    assert any(ONWARD.match(i) for i in button_ids(answer[-1:]))


async def test_a_tab_that_missed_the_farewell_gets_it_on_resume_and_then_it_is_gone(web_world):
    from bot.core.messages import Outbound

    parent = await fresh_parent(web_world)
    await parent.ws.close()
    await asyncio.sleep(0.1)
    farewell = Outbound(parent.address, "Uw gegevens zijn gewist.", farewell=True)
    await web_world.surfaces.chat.deliver(farewell)
    kept = web_world.rows("SELECT ends FROM web_messages WHERE address = ?", parent.address)
    assert (1,) in kept  # nobody saw it yet: kept for the reconnect
    back = await web_world.parent(token=parent.token)
    shown = await back.messages()
    assert shown[-1]["end"] is True
    await asyncio.sleep(0.2)
    assert web_world.rows("SELECT 1 FROM web_messages WHERE address = ?", parent.address) == []


async def test_replies_to_closed_tabs_keep_no_state_in_memory(web_world):
    """A parent who closed the tab before the answer came: the answer waits in the web log
    for the next visit, and the server keeps nothing per such address (a soak found it)."""
    from bot.core.messages import Outbound

    chat = web_world.surfaces.chat
    for n in range(20):
        await chat.deliver(Outbound(f"web:gesloten-{n}", "Het antwoord op uw vraag."))
    assert len(chat.live) == 0
    parent = await web_world.parent()
    await parent.connect()
    await parent.says("wat is een opp")
    assert len(chat.live) == 1  # an open tab is followed
