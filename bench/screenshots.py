"""Screenshots of the web surfaces for the docs, from a real demo conversation in Chromium.

A WebWorld (the web part of `ouderlijn run`: aiohttp on 127.0.0.1 and a fresh SQLite file) is
started in this process; a parent asks an FAQ question and for a person, a volunteer logs in
with a one-time link in a second browser context, claims and says hello. Written:
docs/screenshots/chat.png (1280x800), chat-320.png (320x640) and console.png (1280x800).
Then four weeks of made-up anonymous events (`seed_dashboard`: eight kinds, counts of 5 and
more and some below 5) and a few questions for review, and a
coordinator's pages at 1280 px: dashboard.png (per week, from the top to the fifth table) and
review.png (the whole page).

Run from the project root (Debian's chromium, never a downloaded browser):
    .venv/bin/python -m bench.screenshots [--out docs/screenshots] [--chromium /usr/bin/chromium]
        [--only coordinator]   (just dashboard.png and review.png)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import (
    Browser,
    FloatRect,
    Page,
    ViewportSize,
    async_playwright,
    expect,
)

from bot.app import load_content
from bot.storage import Event
from bot.storage.contract import Tx
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


FAQ_OUTCOMES = ("answer", "answer", "answer", "chosen", "suggestions", "no_match")
REVIEW_QUESTIONS = (  # (scrubbed text, kind, the entry involved, times asked)
    ("de juf stuurt hem steeds eerder weg uit de klas", "suggestions", "naar-huis-gestuurd", 7),
    ("mag school zeggen dat hij alleen ochtenden mag komen", "no_match", None, 6),
    ("wie betaalt de taxi naar de nieuwe school", "no_match", "leerlingenvervoer", 3),
    ("het antwoord over het opp klopte niet voor ons", "not_helped", "opp", 2),
    ("de juf stuurt hem vaak eerder weg uit de klas", "no_match", None, 2),
    ("juf stuurt mijn zoon steeds eerder weg uit de klas", "suggestions", "naar-huis-gestuurd", 1),
    ("is er ook een zomerschool", "no_match", None, 1),
)


class Seeder:
    """Collects events with their hour bucket (UTC, as the engine writes them)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(
        self,
        kind: str,
        topic: str | None,
        outcome: str | None,
        at: datetime,
        channel: str | None = None,
        minutes: int | None = None,
        volunteer: int | None = None,
    ) -> None:
        hour = at.strftime("%Y-%m-%dT%H")
        self.events.append(Event(kind, topic, outcome, hour, channel, None, minutes, volunteer))


def dashboard_events(
    world: WebWorld, volunteers: list[int], today: datetime, days: int = 28
) -> list[Event]:
    """Four weeks of plausible anonymous events: busy weekday mornings and evenings, a quiet
    weekend, FAQ use, tree walks, handoffs with waits and outcomes, a few urgent messages."""
    rng = random.Random(13)
    entries = sorted(world.content.knowledge.faq.by_id)[:14]
    nodes = sorted(world.content.tree.nodes)
    seed = Seeder()
    for back in range(days):
        day = today - timedelta(days=back)
        busy = 2 if day.weekday() >= 5 else rng.randint(6, 11)
        for _ in range(busy):
            at = day.replace(hour=rng.choice((7, 8, 9, 10, 11, 12, 13, 18, 19, 19, 20, 21)))
            seed.add("contact", None, None, at, channel=rng.choice(("web", "web", "telegram")))
            entry = rng.choice(entries[: rng.randint(3, len(entries))])
            outcome = rng.choice(
                ("answer", "answer", "answer", "chosen", "suggestions", "no_match")
            )
            seed.add("faq", entry if outcome in ("answer", "chosen") else None, outcome, at)
            if outcome in ("answer", "chosen") and rng.random() < 0.6:
                helped = "helped" if rng.random() < 0.75 else "not_helped"
                seed.add("feedback", entry, helped, at)
            if rng.random() < 0.4:
                seed.add("tree", "start", "start", at)
                seed.add("tree", rng.choice(nodes), rng.choice(("leaf", "leaf", "left")), at)
            if rng.random() < 0.3:
                _handoff(seed, rng, at, rng.choice(volunteers))
        if back % 9 == 0:
            seed.add("crisis", rng.choice(("suicide", "harm")), None, day.replace(hour=20))
        if back % 3 == 0:
            seed.add("distress", None, None, day.replace(hour=21))
    return seed.events


def _handoff(seed: Seeder, rng: random.Random, at: datetime, volunteer: int) -> None:
    role = rng.choice(("advisor", "advisor", "buddy"))
    seed.add("handoff", role, "urgent" if rng.random() < 0.08 else "queued", at)
    if rng.random() < 0.1:
        seed.add("handoff", role, "parent_left_queue", at, minutes=rng.randint(5, 30))
        return
    seed.add("handoff", role, "claimed", at, minutes=rng.randint(1, 40), volunteer=volunteer)
    outcome = rng.choice(("advice", "advice", "referred", "buddy_contact", "other"))
    seed.add("handoff", role, outcome, at, minutes=rng.randint(8, 55), volunteer=volunteer)
    if rng.random() < 0.6:
        seed.add("handoff_feedback", role, rng.choice(("helped", "helped", "not_helped")), at)


async def seed_dashboard(world: WebWorld) -> None:
    """Volunteers, events and review questions for the coordinator's screenshots."""
    volunteers = [await world.add_volunteer(n, "advisor") for n in ("Eva", "Kees", "Fatima")]
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    events = dashboard_events(world, volunteers, now)

    def work(tx: Tx) -> None:
        tx.events.record(events)
        n = 0
        for text, kind, entry, times in REVIEW_QUESTIONS:
            for _ in range(times):
                n += 1
                tx.review.add_item(f"web:bench{n}", kind, text, entry, now)

    await world.store.transaction(work)


async def coordinator_pages(browser: Browser, world: WebWorld, out: Path) -> None:
    """Carla logs in, the dashboard and the review page are shot at 1280 px."""
    await seed_dashboard(world)
    page = await new_page(browser, WIDE)
    carla = await world.add_volunteer("Carla", "coordinator")
    await page.goto(await world.login_link(carla))
    await page.get_by_role("button", name="Inloggen").click()
    await page.wait_for_url(re.compile(r"/dashboard$"))
    await page.get_by_label("Tel per", exact=True).select_option("week")
    await page.get_by_role("button", name="Toon de cijfers").click()
    await expect(page.locator("#tabel-heatmap svg")).to_be_visible()
    # From the top to the FAQ outcomes: the form, the contents and the first five charts.
    box = await page.locator("#tabel-faq_outcomes").bounding_box()
    height = int(box["y"] + box["height"] + 16) if box else None
    await shoot(page, out / "dashboard.png", height)
    await page.goto(f"{world.url}/dashboard/vragen")
    summer = page.locator(".review-card").filter(has_text="zomerschool")
    await summer.get_by_role("button", name="Afgehandeld").click()  # the audit log shows it
    await expect(page.get_by_role("status")).to_be_visible()
    await shoot(page, out / "review.png", -1)


async def shoot(page: Page, path: Path, height: int | None = None) -> None:
    """The viewport; with a height, the page from the top down to it (-1: the whole page)."""
    await page.wait_for_timeout(300)  # let the last message settle (no motion: reduced)
    clip: FloatRect | None = None
    if height is not None and height > 0:
        clip = FloatRect(x=0, y=0, width=WIDE["width"], height=height)
    await page.screenshot(
        path=str(path),
        animations="disabled",
        caret="hide",
        full_page=height is not None,
        clip=clip,
    )
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


async def main(out: Path, chromium: str, only: str = "") -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        world = await WebWorld(Path(folder), load_content()).start()
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=chromium, args=CHROMIUM_ARGS
                )
                if only == "coordinator":
                    await coordinator_pages(browser, world, out)
                    await browser.close()
                    return
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
                await coordinator_pages(browser, world, out)
                await browser.close()
        finally:
            await world.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--only", choices=["coordinator"], default="")
    args = parser.parse_args()
    asyncio.run(main(args.out.resolve(), args.chromium, args.only))
