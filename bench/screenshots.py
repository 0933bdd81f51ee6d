"""Screenshots of the web surfaces for the docs, from a real demo conversation in Chromium.

A WebWorld (the web part of `ouderlijn run`: aiohttp on 127.0.0.1 and a fresh SQLite file) is
started in this process; a parent asks an FAQ question and for a person, a volunteer logs in
with a one-time link in a second browser context, claims and says hello. Written:
docs/screenshots/chat.png (1280x800), chat-320.png (320x640) and console.png (1280x800).

Run from the project root (Debian's chromium, never a downloaded browser):
    .venv/bin/python -m bench.screenshots [--out docs/screenshots] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
from pathlib import Path

from playwright.async_api import Browser, Page, ViewportSize, async_playwright, expect

from bot.app import load_content
from tests.web_world import WebWorld

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDE: ViewportSize = {"width": 1280, "height": 800}
NARROW: ViewportSize = {"width": 320, "height": 640}
HELLO = (
    "Hallo, ik ben Sanne van Ouderlijn. Ik heb gelezen wat u de chatbot vroeg. "
    "Waar kan ik u mee helpen?"
)
PARENT_REPLY = "Dank u. De school wil een OPP maken voor mijn zoon. Moet ik dat tekenen?"
TIMEOUT_MS = 15_000


async def new_page(browser: Browser, viewport: ViewportSize) -> Page:
    context = await browser.new_context(
        viewport=viewport,
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        reduced_motion="reduce",
    )
    context.set_default_timeout(TIMEOUT_MS)
    return await context.new_page()


async def parent_asks(page: Page, url: str) -> None:
    """Start, ask about an OPP, ask for a person (the parent is then in the queue)."""
    await page.goto(f"{url}/chat")
    await page.get_by_role("button", name="Start het gesprek").click()
    box = page.locator("#message-input")
    await box.fill("wat is een opp")
    await box.press("Enter")
    await expect(page.locator("#log .msg-bot").last).to_contain_text("OPP")
    await page.locator("#log .choices button").filter(has_text="Praat met een mens").click()
    await expect(page.locator("#queue-status")).to_contain_text("nummer 1")


async def volunteer_claims(page: Page, world: WebWorld) -> None:
    """Sanne logs in with a one-time link, claims the parent and says hello."""
    volunteer_id = await world.add_volunteer("Sanne", "advisor")
    await page.goto(await world.login_link(volunteer_id))
    await page.get_by_role("button", name="Inloggen").click()
    await page.wait_for_url(re.compile(r"/console$"))
    await page.locator("#queue-list button.claim").first.click()
    panel = page.locator("[role=tabpanel]:not([hidden])")
    reply = panel.locator("textarea[name=reply]")
    await reply.fill(HELLO)
    await reply.press("Enter")
    await expect(panel.locator(".msg-volunteer")).to_contain_text("Sanne")


async def shoot(page: Page, path: Path) -> None:
    await page.wait_for_timeout(300)  # let the last message settle (no motion: reduced)
    await page.screenshot(path=str(path), animations="disabled", caret="hide")
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


async def main(out: Path, chromium: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        world = await WebWorld(Path(folder), load_content()).start()
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=chromium, args=CHROMIUM_ARGS
                )
                parent, console = await new_page(browser, WIDE), await new_page(browser, WIDE)
                await parent_asks(parent, world.url)
                await volunteer_claims(console, world)
                await expect(parent.locator("#log .msg-volunteer")).to_contain_text("Sanne van")
                box = parent.locator("#message-input")
                await box.fill(PARENT_REPLY)
                await box.press("Enter")
                await expect(console.locator("[role=tabpanel]:not([hidden])")).to_contain_text(
                    "Moet ik dat tekenen?"
                )
                await shoot(parent, out / "chat.png")
                await shoot(console, out / "console.png")
                await parent.set_viewport_size(NARROW)
                await parent.locator("#log .msg").last.scroll_into_view_if_needed()
                await shoot(parent, out / "chat-320.png")
                await browser.close()
        finally:
            await world.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    asyncio.run(main(args.out.resolve(), args.chromium))
