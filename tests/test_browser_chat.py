"""The parent's chat in a real Chromium against a real server: FAQ, tree and queue, a reload
mid-conversation, quick exit, the widget on allowed and refused sites, accessibility (axe-core,
320 px, keyboard only)."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser import (  # noqa: F401 (fixtures)
    BROWSER_TESTS,
    Chat,
    arrives,
    assert_accessible,
    browser_fixture,
    host_page,
    no_horizontal_scroll,
    pages_fixture,
    sites_fixture,
    storage_of,
    world_fixture,
    worlds_fixture,
)

pytestmark = BROWSER_TESTS
LONG_WORD = (
    "https://www.voorbeeld.nl/" + "passendonderwijs" * 8 + " " + "ontwikkelingsperspectief" * 5
)
LAUNCHER = "Chat met Ouderlijn"


async def walk_tree(chat: Chat) -> list[str]:
    """Press the first answer of each question until a leaf (it offers "Menu")."""
    route: list[str] = []
    for _ in range(8):
        await expect(chat.choices().first).to_be_visible()  # the next question came
        labels = await chat.choices().all_inner_texts()
        if "Menu" in labels:
            return route
        route.append(labels[0])
        await chat.press(labels[0])
        await expect(chat.root.locator("#log .msg-parent").last).to_contain_text(labels[0])
    raise AssertionError(f"no leaf after {route}")


async def test_parent_gets_an_answer_walks_the_tree_and_joins_the_queue(world, pages):
    page = await pages.new()
    sockets = []
    page.on("websocket", lambda ws: sockets.append(ws))
    chat = await Chat(page).open(world.url)
    await expect(page.get_by_role("heading", level=1)).to_have_count(1)
    assert sockets == [] and await storage_of(page) == {"session": 0, "local": 0}
    assert await page.context.cookies() == [], "nothing is stored before the parent starts"

    await chat.start()
    assert len(sockets) == 1
    token = await page.evaluate("sessionStorage.getItem('ouderlijn.session')")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token), "32 random bytes, base64url"
    await chat.say("wat is een opp")
    answer = page.locator("#log .msg-bot").last
    await expect(answer).to_contain_text("OPP")
    await expect(answer).to_contain_text("ontwikkelingsperspectief")

    await chat.say("menu")
    await chat.press("School lukt niet")
    route = await walk_tree(chat)
    assert len(route) >= 2, route
    await chat.press("Praat met een mens")
    status = page.locator("#queue-status")
    await expect(status).to_have_attribute("role", "status")
    await expect(status).to_contain_text("U bent nummer 1 in de rij.")
    own = await page.locator("#log .msg-parent").all_inner_texts()
    assert [" ".join(t.split()) for t in own][-1].endswith("Praat met een mens")


async def test_quick_exit_leaves_no_trace(worlds, pages, sites):
    away = await sites()
    away.pages["/weg"] = host_page("Het weer vandaag")
    world = await worlds.new(exit_url=f"{away.url}/weg")
    for how in ("button", "escape twice"):
        page = await pages.new()
        chat = await Chat(page).open(world.url)
        await chat.start()
        await chat.say("wat is een opp")
        assert (await storage_of(page))["session"] > 0
        if how == "button":
            await page.get_by_role("button", name="Snel weg").click()
        else:
            await page.keyboard.press("Escape")
            await page.keyboard.press("Escape")
        await arrives(page, f"{away.url}/weg")
        await expect(page.get_by_role("heading", name="Het weer vandaag")).to_be_visible()
        assert await page.context.cookies() == []
        await page.goto(f"{world.url}/healthz")  # the same tab, back on the chat's origin
        assert await storage_of(page) == {"session": 0, "local": 0}, how
        await page.goto(f"{world.url}/chat")
        await expect(page.get_by_role("button", name="Start het gesprek")).to_be_visible()
        await expect(page.locator("#log .msg")).to_have_count(0)


async def test_a_reload_mid_conversation_shows_every_message_once(world, pages):
    page = await pages.new()
    chat = await Chat(page).open(world.url)
    await chat.start()
    await chat.say("wat is een opp")
    await chat.press("Praat met een mens")
    await expect(page.locator("#queue-status")).to_contain_text("nummer 1")
    before = await chat.texts()

    await page.reload()
    await expect(page.locator("#chat-screen")).to_be_visible()
    await expect(page.locator("#queue-status")).to_contain_text("nummer 1")
    await expect(chat.bubbles).to_have_count(len(before))
    await page.wait_for_timeout(500)  # a late duplicate would show up now
    assert await chat.texts() == before, "the same messages, the parent's own lines too"
    await chat.say("Ik wacht nog even")
    await expect(page.locator("#log .msg-parent").filter(has_text="Ik wacht")).to_have_count(1)


def widget_host(chat_url: str) -> str:
    script = f'<script src="{chat_url}/static/widget.js" data-ouderlijn defer></script>'
    return host_page("Hulplijn voor ouders", script)


async def test_the_widget_works_on_an_allowed_site(worlds, pages, sites):
    host = await sites()
    world = await worlds.new(widget_origins=(host.url,), exit_url=f"{host.url}/weg")
    host.pages["/"] = widget_host(world.url)
    host.pages["/weg"] = host_page("Het weer vandaag")
    page = await pages.new()
    await page.goto(host.url + "/")
    launcher = page.get_by_role("button", name=LAUNCHER)
    await expect(launcher).to_have_attribute("aria-expanded", "false")
    await launcher.click()
    await expect(launcher).to_have_attribute("aria-expanded", "true")
    frame = page.frame_locator(f"iframe[title='{LAUNCHER}']")
    chat = Chat(page, frame)
    await chat.start()
    await chat.say("wat is een opp")
    await expect(frame.locator("#log .msg-bot").last).to_contain_text("OPP")
    widget = next(f for f in page.frames if f.url.startswith(f"{world.url}/widget"))
    await assert_accessible(widget, "the widget (mid-conversation)")
    await assert_accessible(page, "the host page with the widget open")

    iframe = page.locator(f"iframe[title='{LAUNCHER}']")
    await chat.input.press("Escape")  # once: the widget hides, the conversation goes on
    await expect(iframe).to_be_hidden()
    await expect(launcher).to_be_focused()
    await expect(launcher).to_have_attribute("aria-expanded", "false")
    await page.keyboard.press("Enter")
    await expect(iframe).to_be_visible()
    await expect(frame.locator("#log .msg-bot").last).to_contain_text("OPP")

    await frame.get_by_role("button", name="Snel weg").click()  # the host page leaves too
    await arrives(page, f"{host.url}/weg")
    await expect(page.get_by_role("heading", name="Het weer vandaag")).to_be_visible()


async def test_the_widget_is_refused_on_a_site_not_on_the_list(worlds, pages, sites):
    allowed, other = await sites(), await sites()
    world = await worlds.new(widget_origins=(allowed.url,))
    other.pages["/"] = widget_host(world.url)
    pages.allow("frame-ancestors")
    page = await pages.new()
    await page.goto(other.url + "/")
    async with page.expect_event("console", lambda m: "frame-ancestors" in m.text):
        await page.get_by_role("button", name=LAUNCHER).click()
    frame = await page.locator(f"iframe[title='{LAUNCHER}']").element_handle()
    content = await frame.content_frame()
    assert content is not None
    await content.wait_for_load_state()
    assert not content.url.startswith(world.url), content.url
    assert await content.locator("#start-button, #log, #message-input").count() == 0


async def test_the_chat_has_no_serious_accessibility_problems(world, pages):
    page = await pages.new()
    chat = await Chat(page).open(world.url)
    await assert_accessible(page, "the chat's start screen")
    await chat.start()
    await chat.say("wat is een opp")
    await chat.press("Praat met een mens")
    await expect(page.locator("#queue-status")).to_contain_text("nummer 1")
    await assert_accessible(page, "the chat mid-conversation")
    reduced = await pages.new(reduced_motion="reduce")
    await Chat(reduced).open(world.url)
    await assert_accessible(reduced, "the chat with reduced motion")


async def test_the_chat_fits_320_pixels_with_a_long_word(world, pages):
    page = await pages.new(320, 640)
    chat = await Chat(page).open(world.url)
    await no_horizontal_scroll(page)
    await chat.start()
    await chat.say("wat is een opp")
    await chat.say(LONG_WORD)
    await expect(page.locator("#log .msg-parent").last).to_contain_text("passendonderwijs")
    await expect(chat.choices().first).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 320
    await no_horizontal_scroll(page)


async def focus_by_tab(page, name: str, key: str = "Tab", limit: int = 40) -> None:
    """Press Tab (or Shift+Tab) until the focused element is `name`: its text, or #its-id."""
    seen = []
    for _ in range(limit):
        await page.keyboard.press(key)
        focused = await page.evaluate(
            "() => { const a = document.activeElement; if (!a) return ['', ''];"
            " return ['#' + a.id, (a.getAttribute('aria-label') || a.textContent).trim()]; }"
        )
        seen.append(focused[0] if focused[0] != "#" else focused[1][:30])
        if name == focused[0] or (focused[1] and focused[1].startswith(name)):
            return
    raise AssertionError(f"{name!r} not reached with {key}: {seen}")


async def test_the_chat_works_with_the_keyboard_only(world, pages):
    page = await pages.new()
    chat = await Chat(page).open(world.url)
    await focus_by_tab(page, "Start het gesprek")
    await page.keyboard.press("Enter")
    await expect(page.locator("#log .msg-bot").first).to_be_visible()
    await focus_by_tab(page, "#message-input")
    await page.keyboard.type("wat is een opp")
    await page.keyboard.press("Enter")
    await expect(page.locator("#log .msg-bot").last).to_contain_text("OPP")
    await chat.settled()

    await focus_by_tab(page, "Praat met een mens", key="Shift+Tab")
    ring = await page.evaluate(
        "() => { const a = document.activeElement, s = getComputedStyle(a);"
        " return a.matches(':focus-visible')"
        " && (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2"
        " || s.boxShadow !== 'none'); }"
    )
    assert ring, "the focused button shows a visible focus ring"
    await page.keyboard.press("Enter")
    await expect(page.locator("#log .msg-parent").last).to_contain_text("Praat met een mens")
    await expect(page.locator("#queue-status")).to_contain_text("nummer 1")
    await focus_by_tab(page, "#message-input")
    await page.keyboard.type("Dank u")
    await page.keyboard.press("Enter")
    await expect(page.locator("#log .msg-parent").last).to_contain_text("Dank u")
    await chat.settled()


async def test_a_parent_at_the_end_of_their_strength_can_call_113_with_one_tap(world, pages):
    page = await pages.new(width=375, height=740)
    chat = await Chat(page).open(world.url)
    await chat.start()
    await chat.say("ik kan niet meer, ik weet het echt niet meer")
    help_text = page.locator("#log .msg-bot").last
    await expect(help_text).to_contain_text("113")
    call = help_text.locator("a[href='tel:113']")
    await expect(call).to_have_count(1)
    assert await call.get_attribute("target") is None, "a call, not a new window"


async def test_wiping_the_chat_says_how_to_begin_again(world, pages):
    page = await pages.new()
    chat = await Chat(page).open(world.url)
    await chat.start()
    await chat.say("wat is een opp")
    await expect(chat.root.locator("#log .msg-bot").last).to_contain_text("OPP")
    await page.get_by_role("button", name="Gesprek beëindigen en wissen").click()
    await chat.press("Ja, alles wissen")
    await expect(page.locator("#farewell")).to_have_text(
        "Uw gegevens zijn gewist. Wilt u opnieuw beginnen? Druk dan op Nieuw gesprek."
    )
    await expect(page.get_by_role("button", name="Nieuw gesprek")).to_be_visible()
    assert await storage_of(page) == {"session": 0, "local": 0}
