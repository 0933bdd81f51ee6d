"""The volunteer console: one-time login links, the session cookie, and working a
conversation from /console/ws while the parent is on /ws."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest

from bot.channels.web.console_auth import COOKIE
from bot.web_settings import WebSettings
from tests.web_world import WebWorld

NO_SESSION = "Je bent niet ingelogd."
LINK_INVALID = "Deze inloglink werkt niet meer."


async def post_login(world: WebWorld, browser: aiohttp.ClientSession, token: str):
    return await browser.post(
        f"{world.url}/console/login",
        data={"token": token},
        headers={"Origin": world.url},
        allow_redirects=False,
    )


async def link_for(world: WebWorld, name: str, role: str = "advisor") -> tuple[str, str]:
    link = await world.login_link(await world.add_volunteer(name, role))
    return link, link.split("token=", 1)[1]


async def talking(world: WebWorld, name: str = "Eva"):
    """A volunteer who has claimed a waiting parent: (console, parent, handoff id)."""
    console = await world.volunteer(name)
    parent = await world.parent()
    await parent.messages()
    await parent.asks_for_person()
    handoff = await console.first_in_queue()
    await console.act("claim", handoff=handoff)
    await parent.messages()
    await console.desk(button="v:closemenu:")
    return console, parent, handoff


# -- login --------------------------------------------------------------------------------------


async def test_opening_the_link_shows_a_button_and_does_not_use_it_up(web_world):
    link, token = await link_for(web_world, "Eva")
    browser = web_world.session()
    for _ in range(2):  # a mail scanner opened it first
        page = await browser.get(link)
        html = await page.text()
        assert page.status == 200
        assert 'action="/console/login"' in html and f'value="{token}"' in html
        assert "Eva" in html and LINK_INVALID not in html
        assert "Set-Cookie" not in page.headers
    signed_in = await post_login(web_world, browser, token)
    assert signed_in.status == 303 and signed_in.headers["Location"] == "/console"
    assert COOKIE in signed_in.cookies
    console = await browser.get(f"{web_world.url}/console")
    assert console.status == 200 and 'data-csrf="' in await console.text()


async def test_the_link_works_once(web_world):
    link, token = await link_for(web_world, "Eva")
    assert (await post_login(web_world, web_world.session(), token)).status == 303
    thief = web_world.session()
    again = await post_login(web_world, thief, token)
    assert again.status == 403 and LINK_INVALID in await again.text()
    assert "Set-Cookie" not in again.headers and COOKIE not in again.cookies
    shown = await thief.get(link)
    assert shown.status == 403 and token not in await shown.text()


async def test_an_expired_link_is_refused(web_world):
    volunteer = await web_world.add_volunteer("Eva", "advisor")
    past = web_world.service.engine.clock() - timedelta(minutes=1)
    await web_world.store.transaction(
        lambda tx: tx.web.new_login("expired-token-0123456789abcdef", volunteer, past)
    )
    browser = web_world.session()
    page = await browser.get(f"{web_world.url}/console/login?token=expired-token-0123456789abcdef")
    assert page.status == 403 and LINK_INVALID in await page.text()
    used = await post_login(web_world, browser, "expired-token-0123456789abcdef")
    assert used.status == 403 and COOKIE not in used.cookies


async def test_a_link_from_another_site_is_refused(web_world):
    _, token = await link_for(web_world, "Eva")
    browser = web_world.session()
    forged = await browser.post(
        f"{web_world.url}/console/login",
        data={"token": token},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
    )
    assert forged.status == 403 and COOKIE not in forged.cookies
    assert (await post_login(web_world, browser, token)).status == 303  # not used up


async def test_the_cookie_is_httponly_and_strict_but_not_secure_over_http(web_world):
    _, token = await link_for(web_world, "Eva")
    cookie = (await post_login(web_world, web_world.session(), token)).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie


async def test_behind_https_the_cookie_is_secure(tmp_path, full_content):
    settings = WebSettings(port=0, public_url="https://chat.example.org")
    async with WebWorld(tmp_path, full_content, settings) as world:
        link, token = await link_for(world, "Eva")
        assert link.startswith(world.url)
        cookie = (await post_login(world, world.session(), token)).headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


async def test_a_coordinator_lands_on_the_dashboard_and_others_may_not(web_world):
    _, token = await link_for(web_world, "Carla", "coordinator")
    browser = web_world.session()
    signed_in = await post_login(web_world, browser, token)
    assert signed_in.headers["Location"] == "/dashboard"
    assert (await browser.get(f"{web_world.url}/dashboard")).status == 200
    eva = await web_world.volunteer("Eva")
    refused = await eva.client.get(f"{web_world.url}/dashboard")
    assert refused.status == 403 and "alleen voor coördinatoren" in await refused.text()


async def test_the_console_without_a_session_shows_the_login_refused_page(web_world):
    page = await web_world.session().get(f"{web_world.url}/console")
    html = await page.text()
    assert page.status == 403 and NO_SESSION in html
    assert "data-csrf" not in html and "console.js" not in html


@pytest.mark.parametrize("case", ["no-cookie", "wrong-csrf", "other-csrf", "foreign-origin"])
async def test_the_console_socket_refuses_strangers(web_world, case):
    eva = await web_world.volunteer("Eva")
    kees = await web_world.volunteer("Kees")
    client, csrf, origin = eva.client, eva.csrf, web_world.url
    if case == "no-cookie":
        client = web_world.session()
    elif case == "wrong-csrf":
        csrf = "x" * 43
    elif case == "other-csrf":
        csrf = kees.csrf
    else:
        origin = "https://evil.example"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(
            f"{web_world.url}/console/ws?csrf={csrf}", headers={"Origin": origin}
        )
    assert refused.value.status == 403


async def test_logout_needs_the_csrf_token_and_then_the_cookie_is_dead(web_world):
    eva = await web_world.volunteer("Eva")
    logout = f"{web_world.url}/console/logout"
    origin = {"Origin": web_world.url}
    refused = await eva.client.post(logout, data={}, headers=origin, allow_redirects=False)
    assert refused.status == 403
    assert (await eva.client.get(f"{web_world.url}/console")).status == 200
    done = await eva.client.post(
        logout, data={"csrf": eva.csrf}, headers=origin, allow_redirects=False
    )
    assert done.status == 303 and done.headers["Location"] == "/console"
    assert (await eva.client.get(f"{web_world.url}/console")).status == 403
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await eva.client.ws_connect(f"{web_world.url}/console/ws?csrf={eva.csrf}", headers=origin)
    assert web_world.rows("SELECT count(*) FROM console_sessions") == [(0,)]


async def test_logout_also_ends_the_console_that_is_still_open(web_world):
    eva = await web_world.volunteer("Eva")
    await eva.state()
    await eva.client.post(
        f"{web_world.url}/console/logout",
        data={"csrf": eva.csrf},
        headers={"Origin": web_world.url},
        allow_redirects=False,
    )
    with pytest.raises((ConnectionError, TimeoutError)):
        await eva.act("available", value=False)


# -- working a conversation ---------------------------------------------------------------------


async def test_a_new_request_is_announced_and_claiming_it_tells_the_parent(web_world):
    eva = await web_world.volunteer("Eva")
    parent = await web_world.parent()
    await parent.messages()
    await parent.asks_for_person()
    announced = await eva.desk(button="v:claim:")
    assert announced["text"].startswith("Nieuwe vraag: Ouder #")
    state = await eva.state()
    waiting = state["queue"][0]
    assert waiting["channel"] == "web" and waiting["may_claim"] is True
    assert waiting["topic_label"] == "Autisme" and waiting["label"].startswith("Ouder #")
    await eva.act("claim", handoff=waiting["id"])
    heard = await parent.messages()
    assert heard[-1]["text"].startswith("Eva is er nu voor u (adviseur).")
    assert parent.queue_places()[-1] is None
    state = await eva.state()
    assert state["queue"] == [] and [c["id"] for c in state["conversations"]] == [waiting["id"]]


async def test_say_reaches_the_parent_and_the_answer_shows_in_the_console(web_world):
    eva, parent, handoff = await talking(web_world)
    await eva.act("say", handoff=handoff, text="Hallo, ik ben Eva. Wat speelt er?")
    heard = await parent.messages()
    assert [(m["from"], m["name"], m["text"]) for m in heard] == [
        ("volunteer", "Eva", "Hallo, ik ben Eva. Wat speelt er?")
    ]
    await parent.says("Mijn zoon wil niet meer naar school.")
    messages = (await eva.state())["conversations"][0]["messages"]
    assert [(m["from"], m["text"]) for m in messages][-2:] == [
        ("volunteer", "Hallo, ik ben Eva. Wat speelt er?"),
        ("parent", "Mijn zoon wil niet meer naar school."),
    ]
    assert messages[-1]["name"].startswith("Ouder #") and messages[-2]["name"] == "Eva"
    desk = [f["message"]["text"] for f in eva.frames if f["type"] == "desk"]
    assert not any("niet meer naar school" in text for text in desk)  # the tab, not the panel


async def test_a_note_stays_among_colleagues(web_world):
    eva, parent, handoff = await talking(web_world)
    await eva.act("note", handoff=handoff, text="Moeder klinkt erg moe, let op.")
    messages = (await eva.state())["conversations"][0]["messages"]
    assert ("note", "Moeder klinkt erg moe, let op.") in [(m["from"], m["text"]) for m in messages]
    await asyncio.sleep(0.3)
    assert await parent.messages() == []
    assert not web_world.rows(
        "SELECT 1 FROM web_messages WHERE address = ? AND text LIKE '%moe%'", parent.address
    )


async def test_a_resent_console_message_reaches_the_parent_once(web_world):
    eva, parent, handoff = await talking(web_world)
    frame = {"type": "say", "handoff": handoff, "text": "Eén keer graag.", "client_id": "say-1"}
    await eva.send(frame)
    await eva.send(frame)
    await asyncio.sleep(0.5)
    assert [m["text"] for m in await parent.messages()] == ["Eén keer graag."]


async def test_closing_asks_the_outcome_and_the_parent_gets_feedback_buttons(web_world):
    eva, parent, handoff = await talking(web_world)
    await eva.act("action", action="close", handoff=handoff)
    outcomes = await eva.desk(button=f"v:close:{handoff}:")
    assert outcomes["text"].startswith("Hoe sluit je het gesprek met Ouder #")
    assert f"v:close:{handoff}:advice" in [b["id"] for b in outcomes["buttons"]]
    await eva.act("press", id=f"v:close:{handoff}:advice")
    sure = await eva.desk(button="v:close!:")
    assert sure["text"].startswith("Weet je het zeker?")
    await eva.act("press", id=sure["buttons"][0]["id"])
    told = await parent.messages()
    assert "Eva heeft het gesprek afgesloten" in " ".join(m["text"] for m in told)
    labels = [b["label"] for m in told for b in m["buttons"]]
    assert any(label.startswith("👍") for label in labels)
    assert any(label.startswith("👎") for label in labels)
    assert (await eva.state())["conversations"] == []


async def test_the_availability_toggle_shows_in_the_state(web_world):
    eva = await web_world.volunteer("Eva")
    assert (await eva.state())["me"]["available"] is True
    await eva.act("available", value=False)
    assert (await eva.state())["me"]["available"] is False
    await eva.act("available", value=True)
    assert (await eva.state())["me"]["available"] is True


async def test_two_consoles_claiming_at_once_exactly_one_wins(web_world):
    eva = await web_world.volunteer("Eva")
    kees = await web_world.volunteer("Kees")
    parent = await web_world.parent()
    await parent.messages()
    await parent.asks_for_person()
    handoff = await eva.first_in_queue()
    await kees.first_in_queue()
    await asyncio.gather(eva.act("claim", handoff=handoff), kees.act("claim", handoff=handoff))
    await asyncio.sleep(0.5)
    heard = [m["text"] for m in await parent.messages()]
    assert sum("is er nu voor u" in t for t in heard) == 1
    [(owner,)] = web_world.rows("SELECT volunteer_id FROM handoffs WHERE id = ?", handoff)
    winner, loser = (eva, kees) if owner == eva.volunteer_id else (kees, eva)
    assert (await winner.state())["conversations"][0]["id"] == handoff
    assert (await loser.state())["conversations"] == []
    told = [f["message"]["text"] for f in loser.frames if f["type"] == "desk"]
    assert told[-1].startswith("Een collega was je net voor.")


async def test_vergeet_also_erases_the_parents_words_from_the_console(web_world):
    eva, parent, _ = await talking(web_world)
    await parent.says("Mijn zoon Daan van Dijk is negen.")
    shown = (await eva.state())["conversations"][0]["messages"]
    assert shown[-1]["text"] == "Mijn zoon Daan van Dijk is negen."
    assert "handoff_messages" in web_world.tables_holding("Daan van Dijk")
    await parent.says("/vergeet")
    await parent.presses("m:forget:yes")
    assert (await eva.desk(timeout=5))["text"].endswith("heeft het gesprek gestopt.")
    assert (await eva.state())["conversations"] == []
    assert web_world.tables_holding("Daan van Dijk") == []


async def test_typing_shows_on_the_other_side(web_world):
    eva, parent, handoff = await talking(web_world)
    await parent.send({"type": "typing"})
    assert await eva.wait_for("typing", handoff=handoff)
    await eva.send({"type": "typing", "handoff": handoff})
    typing = await parent.wait_for("typing")
    assert typing == {"type": "typing", "from": "volunteer", "name": "Eva"}


async def test_canned_replies_carry_the_volunteers_name(web_world):
    eva = await web_world.volunteer("Eva")
    canned = (await eva.state())["canned"]
    assert canned and all(c["label"] and c["text"] for c in canned)
    assert "{name}" not in " ".join(c["text"] for c in canned)
    assert any("Eva" in c["text"] for c in canned)


async def test_passing_on_takes_the_note_from_the_console_note_box(web_world):
    eva, parent, handoff = await talking(web_world)
    sanne = await web_world.volunteer("Sanne", "buddy")
    await eva.act("action", action="pass", handoff=handoff)
    choices = await eva.desk(button=f"v:pass:{handoff}:")
    to_sanne = next(b["id"] for b in choices["buttons"] if b["label"].startswith("Sanne"))
    await eva.act("press", id=to_sanne)
    sure = await eva.desk(button="v:pass!:")
    await eva.act("press", id=sure["buttons"][0]["id"])
    assert "notitie" in (await eva.desk())["text"]
    await eva.act("note", handoff=handoff, text="Vader is erg moe, wil graag een ervaren ouder.")
    await web_world.settled()
    await sanne.act("claim", handoff=handoff)
    conversation = (await sanne.state())["conversations"][0]
    notes = [m["text"] for m in conversation["messages"] if m["from"] == "note"]
    assert any("Vader is erg moe" in n for n in notes), conversation["messages"]
    assert "Vader is erg moe" not in " ".join(m["text"] for m in await parent.messages())


async def test_a_quick_exit_tells_the_volunteer_the_parent_is_gone(web_world):
    eva, parent, _ = await talking(web_world)
    await parent.send({"type": "exit"})
    await web_world.settled()
    gone = await eva.desk()
    assert "gestopt" in gone["text"] and "Ouder #" in gone["text"]
    assert (await eva.state())["conversations"] == []


async def test_a_volunteer_whose_console_closed_is_set_away_and_back_when_they_return(web_world):
    eva = await web_world.volunteer("Eva")
    web_world.surfaces.console.presence.away_after = 0.2
    assert (await eva.state())["me"]["available"] is True
    await eva.ws.close()
    await asyncio.sleep(0.5)
    await web_world.settled()
    rows = web_world.rows("SELECT available FROM volunteers WHERE id = ?", eva.volunteer_id)
    assert rows == [(0,)], "nobody watches that console: no parent may hear someone is there"
    await eva.connect()
    await web_world.settled()
    assert (await eva.state())["me"]["available"] is True


async def test_a_console_that_reconnects_within_the_grace_period_stays_available(web_world):
    eva = await web_world.volunteer("Eva")
    web_world.surfaces.console.presence.away_after = 1.0
    await eva.ws.close()
    await eva.connect()
    await asyncio.sleep(1.3)
    await web_world.settled()
    rows = web_world.rows("SELECT available FROM volunteers WHERE id = ?", eva.volunteer_id)
    assert rows == [(1,)]
