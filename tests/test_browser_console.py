"""The volunteer console in a real Chromium, next to a parent in a second browser context:
login with a one-time link, claim, messages both ways, a reload mid-handoff, a parent's
session refused, accessibility (axe-core, 320 px), and `ouderlijn run --demo` as a process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys

from playwright.async_api import expect

from tests.browser import (  # noqa: F401 (fixtures)
    BROWSER_TESTS,
    Chat,
    ConsolePage,
    assert_accessible,
    browser_fixture,
    no_horizontal_scroll,
    pages_fixture,
    volunteer,
    world_fixture,
    worlds_fixture,
)

pytestmark = BROWSER_TESTS
HELLO = "Hallo, ik ben Sanne van Ouderlijn. Ik lees met u mee."
LONG_URL = "https://www.voorbeeld.nl/" + "passend-onderwijs-" * 6 + "?" + "x" * 60


async def ask_for_a_person(url: str, pages, width: int = 1280, height: int = 800) -> Chat:
    chat = await Chat(await pages.new(width, height)).open(url)
    await chat.start()
    await chat.say("wat is een opp")
    await chat.press("Praat met een mens")
    await expect(chat.page.locator("#queue-status")).to_contain_text("nummer 1")
    return chat


async def handoff(world, pages, width: int = 1280, height: int = 800):
    """A parent in the queue, a volunteer who logs in, claims and says hello."""
    chat = await ask_for_a_person(world.url, pages, width, height)
    console = await volunteer(world, pages, width=width, height=height)
    await expect(console.page.locator("#queue-list .queue-item")).to_contain_text("Ouder #")
    await console.claim()
    await console.say(HELLO)
    await chat.shows(HELLO)
    return chat, console


async def test_a_volunteer_claims_and_they_talk_both_ways(world, pages):
    chat, console = await handoff(world, pages)
    said = chat.page.locator("#log .msg-volunteer").last
    await expect(said).to_contain_text(HELLO)
    await expect(said.locator(".msg-who")).to_have_text("Sanne")
    await expect(chat.page.locator("#queue-status")).to_have_text("")
    tab = console.page.locator("#tabs [role=tab]")
    await expect(tab).to_have_count(1)
    await expect(tab).to_have_attribute("aria-selected", "true")
    await expect(console.panel().locator(".summary")).to_contain_text("OPP")

    await chat.say("Fijn dat u er bent. Mijn zoon heeft een OPP.")
    await console.shows("Mijn zoon heeft een OPP.")
    await expect(console.panel().locator(".msg-parent").last).to_contain_text("Ouder #")
    await console.say("Wat staat er in het OPP?")
    await expect(chat.page.locator("#log .msg-volunteer")).to_have_count(2)
    await chat.shows("Wat staat er in het OPP?")


async def test_the_parent_reloads_mid_handoff_and_goes_on_without_duplicates(world, pages):
    chat, console = await handoff(world, pages)
    await chat.say("Ik ben er nog.")
    await console.shows("Ik ben er nog.")
    before = await chat.texts()

    await chat.page.reload()
    await expect(chat.page.locator("#chat-screen")).to_be_visible()
    await expect(chat.bubbles).to_have_count(len(before))
    await chat.page.wait_for_timeout(500)  # a late duplicate would show up now
    assert await chat.texts() == before
    await expect(chat.page.locator("#log .msg-volunteer").filter(has_text=HELLO)).to_have_count(1)

    await chat.say("Na het herladen typ ik verder.")
    await console.shows("Na het herladen typ ik verder.")
    await console.say("Ik zie uw bericht.")
    await chat.shows("Ik zie uw bericht.")
    await expect(chat.page.locator("#log .msg-volunteer")).to_have_count(2)
    await expect(
        console.panel().locator(".msg-parent").filter(has_text="Ik ben er nog.")
    ).to_have_count(1)


async def test_a_parents_session_is_refused_at_the_console(world, pages):
    page = await pages.new()
    chat = await Chat(page).open(world.url)
    await chat.start()
    response = await page.goto(f"{world.url}/console")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", name="Inloggen lukt niet")).to_be_visible()
    await expect(page.locator("form[action='/console/login']")).to_be_hidden()
    for console_part in ("#queue-list", "#tabs", "#desk-log", "[data-csrf]", "script"):
        await expect(page.locator(console_part)).to_have_count(0)
    socket = await page.evaluate(
        """() => new Promise(done => {
          const ws = new WebSocket(`ws://${location.host}/console/ws?csrf=guess`);
          ws.onmessage = e => done('message ' + e.data.slice(0, 40));
          ws.onclose = () => done('closed');
        })"""
    )
    assert socket == "closed"
    assert await page.context.cookies() == []


async def test_login_page_and_console_have_no_serious_accessibility_problems(world, pages):
    volunteer_id = await world.add_volunteer("Eva", "advisor")
    login = await pages.new()
    await login.goto(await world.login_link(volunteer_id))
    await expect(login.get_by_role("button", name="Inloggen")).to_be_visible()
    await assert_accessible(login, "the login page")
    await login.goto(f"{world.url}/console/login?token=used-or-wrong")
    await expect(login.get_by_role("heading", name="Inloggen lukt niet")).to_be_visible()
    await assert_accessible(login, "the refused login page")

    chat, console = await handoff(world, pages)
    await chat.say("Dank u. Ik heb een vraag over school.")
    await console.shows("Ik heb een vraag over school.")
    await assert_accessible(console.page, "the console with a conversation open")
    await assert_accessible(chat.page, "the chat talking with a volunteer")


async def test_chat_and_console_fit_320_pixels_mid_conversation(world, pages):
    chat, console = await handoff(world, pages, width=320, height=640)
    await chat.say(f"Kijk hier: {LONG_URL} en ook {'schoolondersteuningsprofiel' * 4}")
    await console.shows("schoolondersteuningsprofiel")
    await console.say(f"Lees ook {LONG_URL}")
    await chat.shows("passend-onderwijs-")
    for page in (chat.page, console.page):
        assert await page.evaluate("document.documentElement.scrollWidth") <= 320, page.url
        await no_horizontal_scroll(page)


async def start_ouderlijn_run(cwd) -> tuple[asyncio.subprocess.Process, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUDERLIJN_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", "--demo", "--listen", "127.0.0.1:0",
        cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or "Stop with Ctrl-C" not in lines[-1]:
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        if not line:
            raise AssertionError("ouderlijn run ended early:\n" + "\n".join(lines))
        lines.append(line.decode().rstrip())
    return process, "\n".join(lines)


async def test_ouderlijn_run_serves_parent_and_volunteer_in_a_browser(tmp_path, pages):
    process, started = await start_ouderlijn_run(tmp_path)
    try:
        found = re.search(r"running on (http://127\.0\.0\.1:\d+)", started)
        assert found is not None, started
        eva = re.search(r"Eva \([^)]*\): (\S+/console/login\?token=\S+)", started)
        assert eva is not None, started
        chat = await ask_for_a_person(found.group(1), pages)
        console = await ConsolePage(await pages.new()).login(eva.group(1))
        await expect(console.page.locator("#queue-list .queue-item")).to_contain_text("Ouder #")
        await console.claim()
        await console.say("Hallo, met Eva.")
        await chat.shows("Hallo, met Eva.")
        await expect(chat.page.locator("#log .msg-volunteer .msg-who").last).to_have_text("Eva")
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 20)
    assert code == 0
