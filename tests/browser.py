"""Real Chromium (Debian's /usr/bin/chromium, driven by Playwright; never a downloaded browser)
against real servers on 127.0.0.1: the browser tests' fixtures and helpers.

One browser for the whole test session, a fresh context (no cookies, no storage) per page, a
WebWorld (aiohttp + SQLite) per test, and tiny extra sites on other ports (another port is
another origin) for the widget's host pages and the quick-exit target. Every page fails its
test on an uncaught script error or a Content-Security-Policy violation. axe-core
(tests/vendor/axe-core) checks accessibility. A test module uses them with

    from tests.browser import BROWSER_TESTS, browser_fixture, ...  # noqa: F401 (fixtures)
    pytestmark = BROWSER_TESTS
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Frame,
    FrameLocator,
    Locator,
    Page,
    async_playwright,
    expect,
)
from playwright.async_api import TimeoutError as PlaywrightTimeout

from bot.app import Content
from bot.web_settings import WebSettings
from tests.web_world import WebWorld

CHROMIUM = Path(
    os.environ.get("OUDERLIJN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
)
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",  # a closed network: no calls home to Google
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
TIMEOUT_MS = 10_000
BROWSER_TESTS = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does it)",
    ),
    pytest.mark.asyncio(loop_scope="session"),
]
expect.set_options(timeout=TIMEOUT_MS)


# -- fixtures ----------------------------------------------------------------------------------


@pytest_asyncio.fixture(scope="session", loop_scope="session", name="browser")
async def browser_fixture() -> AsyncIterator[Browser]:
    """One headless Chromium for the whole session."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        await browser.close()


class Pages:
    """Opens pages, each in its own fresh context; checks them for script and CSP errors."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []
        self.errors: dict[Page, list[str]] = {}
        self.allowed: list[re.Pattern[str]] = []

    async def new(self, width: int = 1280, height: int = 800, **options: Any) -> Page:
        context = await self.browser.new_context(
            viewport={"width": width, "height": height},
            locale="nl-NL",
            timezone_id="Europe/Amsterdam",
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = await context.new_page()
        errors = self.errors.setdefault(page, [])
        page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
        page.on("console", lambda message: self._console(errors, message))
        return page

    def allow(self, pattern: str) -> None:
        """A console error this test expects (e.g. a refused frame)."""
        self.allowed.append(re.compile(pattern))

    def _console(self, errors: list[str], message: ConsoleMessage) -> None:
        text = message.text
        if message.type != "error" or "Content Security Policy" not in text:
            return
        if not any(p.search(text) for p in self.allowed):
            errors.append(f"CSP violation: {text}")

    def problems(self) -> list[str]:
        return [problem for errors in self.errors.values() for problem in errors]

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


@pytest_asyncio.fixture(loop_scope="session", name="pages")
async def pages_fixture(browser: Browser) -> AsyncIterator[Pages]:
    pages = Pages(browser)
    yield pages
    problems = pages.problems()
    await pages.close()
    assert not problems, "\n".join(problems)


class Worlds:
    """Starts WebWorlds (a test may need one with its own [web] settings) and stops them."""

    def __init__(self, tmp_path: Path, content: Content) -> None:
        self.tmp_path, self.content = tmp_path, content
        self.started: list[WebWorld] = []

    async def new(self, **web: Any) -> WebWorld:
        folder = self.tmp_path / f"world{len(self.started)}"
        folder.mkdir()
        world = WebWorld(folder, self.content, WebSettings(port=0, **web))
        self.started.append(await world.start())
        return world

    async def stop(self) -> None:
        for world in self.started:
            await world.stop()


@pytest_asyncio.fixture(loop_scope="session", name="worlds")
async def worlds_fixture(tmp_path: Path, full_content: Content) -> AsyncIterator[Worlds]:
    worlds = Worlds(tmp_path, full_content)
    yield worlds
    await worlds.stop()


@pytest_asyncio.fixture(loop_scope="session", name="world")
async def world_fixture(worlds: Worlds) -> WebWorld:
    """The helpline with default web settings (always open, nobody available yet)."""
    return await worlds.new()


class Site:
    """A tiny site on its own port (another origin): fixed HTML pages by path."""

    def __init__(self) -> None:
        self.pages: dict[str, str | Callable[[], str]] = {}
        self.url = ""

    async def start(self) -> Site:
        app = web.Application()
        app.router.add_get("/{path:.*}", self._serve)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def _serve(self, request: web.Request) -> web.Response:
        page = self.pages.get(request.path)
        if page is None:
            raise web.HTTPNotFound()
        return web.Response(text=page() if callable(page) else page, content_type="text/html")


@pytest_asyncio.fixture(loop_scope="session", name="sites")
async def sites_fixture() -> AsyncIterator[Callable[[], Awaitable[Site]]]:
    started: list[Site] = []

    async def new() -> Site:
        started.append(await Site().start())
        return started[-1]

    yield new
    for site in started:
        await site.runner.cleanup()


def host_page(title: str, script: str = "") -> str:
    """A helpline's own page (the widget's host, or where quick exit lands)."""
    return (
        f'<!doctype html><html lang="nl"><head><meta charset="utf-8"><title>{title}</title>'
        f"</head><body><main><h1>{title}</h1><p>Een gewone pagina van de hulplijn.</p></main>"
        f"{script}</body></html>"
    )


# -- the parent's chat -------------------------------------------------------------------------


class Chat:
    """A parent's chat page (or the chat inside the widget's iframe)."""

    def __init__(self, page: Page, root: FrameLocator | None = None) -> None:
        self.page = page
        self.root: Page | FrameLocator = root if root is not None else page
        self.log = self.root.locator("#log")
        self.bubbles = self.root.locator("#log .msg")
        self.input = self.root.locator("#message-input")

    async def open(self, url: str) -> Chat:
        await self.page.goto(f"{url}/chat")
        return self

    async def start(self) -> None:
        await self.root.get_by_role("button", name="Start het gesprek").click()
        await expect(self.root.locator("#log .msg-bot").first).to_be_visible()
        await self.settled()

    def choices(self) -> Locator:
        """The buttons of the latest message (older ones are gone)."""
        return self.root.locator("#log .choices button")

    async def say(self, text: str) -> None:
        await self.input.fill(text)
        await self.input.press("Enter")
        await self.settled()

    async def press(self, label: str) -> None:
        await self.choices().filter(has_text=label).first.click()
        await self.settled()

    async def settled(self) -> None:
        """Every message the parent sent is acked (no "sending" left)."""
        await expect(self.root.locator("#log .msg-sending")).to_have_count(0)

    async def shows(self, text: str | re.Pattern[str]) -> None:
        await expect(self.log).to_contain_text(text)

    async def texts(self) -> list[str]:
        """Each message as "who: text" (times and "sending" marks left out)."""
        return list(
            await self.bubbles.evaluate_all(
                "nodes => nodes.map(n => [n.querySelector('.msg-who'), n.querySelector('.bubble')]"
                ".map(p => p ? p.textContent.replace(/\\s+/g, ' ').trim() : '').join(': '))"
            )
        )


# -- the volunteer's console -------------------------------------------------------------------


class ConsolePage:
    """A volunteer's console, logged in with a one-time link in a browser."""

    def __init__(self, page: Page) -> None:
        self.page = page

    async def login(self, link: str) -> ConsolePage:
        await self.page.goto(link)
        await self.page.get_by_role("button", name="Inloggen").click()
        await self.page.wait_for_url(re.compile(r"/console$"))
        await expect(self.page.locator("#conn-status")).to_have_text("Verbonden.")
        return self

    async def claim(self) -> None:
        await self.page.locator("#queue-list button.claim").first.click()
        await expect(self.page.locator("#tabs [role=tab]").first).to_be_visible()

    def panel(self) -> Locator:
        return self.page.locator("[role=tabpanel]:not([hidden])")

    async def say(self, text: str) -> None:
        reply = self.panel().locator("textarea[name=reply]")
        await reply.fill(text)
        await reply.press("Enter")
        await expect(self.panel().locator(".msg-volunteer").filter(has_text=text)).to_be_visible()

    async def shows(self, text: str) -> None:
        await expect(self.panel().locator("[role=log]")).to_contain_text(text)


async def volunteer(world: WebWorld, pages: Pages, name: str = "Sanne", **size: int) -> ConsolePage:
    """A volunteer who logs in in their own browser context; returns the console page."""
    volunteer_id = await world.add_volunteer(name, "advisor")
    page = await pages.new(**size)
    return await ConsolePage(page).login(await world.login_link(volunteer_id))


# -- checks ------------------------------------------------------------------------------------

_AXE_RUN = """async (iframes) => {
  const result = await axe.run(document, {iframes, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}));
}"""


async def _inject_axe(target: Page | Frame) -> None:
    """axe into a page or frame. Not with add_script_tag: that makes an inline <script>,
    which our pages' CSP (script-src 'self') rightly refuses. The source is evaluated through
    DevTools instead, which is no page script: the CSP stays fully on for every other check
    (no bypass_csp anywhere)."""
    if not await target.evaluate("typeof window.axe === 'object'"):
        await target.evaluate(_axe_source())


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


async def animations_done(target: Page | Frame) -> None:
    """Wait for every finite animation (a message fading in is not its final colour)."""
    await target.evaluate(
        "() => Promise.all(document.getAnimations()"
        ".filter(a => a.effect && a.effect.getComputedTiming().endTime !== Infinity)"
        ".map(a => a.finished.catch(() => null)))"
    )


async def axe_violations(target: Page | Frame, iframes: bool = False) -> list[dict[str, Any]]:
    await _inject_axe(target)
    await animations_done(target)
    found: list[dict[str, Any]] = await target.evaluate(_AXE_RUN, iframes)
    return found


async def assert_accessible(target: Page | Frame, where: str) -> None:
    """No serious or critical axe-core violation on this page or frame."""
    bad = [v for v in await axe_violations(target) if v["impact"] in ("serious", "critical")]
    report = [
        f"{v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {n['target']}: {n['summary']}" for n in v["nodes"])
        for v in bad
    ]
    assert not bad, f"axe-core on {where}:\n" + "\n".join(report)


async def no_horizontal_scroll(page: Page, width: int = 320) -> None:
    """Nothing sticks out sideways: neither the page nor any scrolling box in it."""
    wide = await page.evaluate(
        """(width) => {
          const out = [];
          const doc = document.documentElement;
          if (doc.scrollWidth > width) out.push('document ' + doc.scrollWidth);
          for (const node of document.querySelectorAll('body *')) {
            const style = getComputedStyle(node);
            if (node.offsetParent === null && style.position !== 'fixed') continue;
            if (/(auto|scroll)/.test(style.overflowX) && node.scrollWidth > node.clientWidth + 1)
              out.push(`${node.id || node.className} ${node.scrollWidth}>${node.clientWidth}`);
            if (node.getBoundingClientRect().right > width + 1)
              out.push((node.id || node.className || node.tagName) + ' right '
                + Math.round(node.getBoundingClientRect().right));
          }
          return out;
        }""",
        width,
    )
    assert not wide, f"wider than {width} px: {json.dumps(wide[:10])}"


async def arrives(page: Page, url: str) -> None:
    """The page goes to `url` (else say where it and its frames are)."""
    try:
        await page.wait_for_url(url)
    except PlaywrightTimeout:
        frames = [f.url for f in page.frames]
        raise AssertionError(f"never went to {url}: the page is at {frames}") from None


async def storage_of(page: Page) -> dict[str, int]:
    return dict(
        await page.evaluate("() => ({session: sessionStorage.length, local: localStorage.length})")
    )
