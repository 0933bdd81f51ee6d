"""The coordinators' pages in a real Chromium: the dashboard opens for a coordinator and is
refused to a volunteer (with the way back to the console) and to a parent, a CSV downloads
with "<5" in it, axe-core finds no serious problem on /dashboard and /dashboard/vragen, a long
chart label stays whole at 1280 px, and 320 px needs no sideways scrolling (no grid chart)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.async_api import Page, expect

from bot.storage import Event
from bot.storage.contract import Tx
from tests.browser import (  # noqa: F401 (fixtures)
    BROWSER_TESTS,
    Chat,
    Pages,
    assert_accessible,
    browser_fixture,
    pages_fixture,
    world_fixture,
    worlds_fixture,
)
from tests.web_world import WebWorld

pytestmark = BROWSER_TESTS
RANGE = "from=2026-11-01&to=2026-11-07&group=day"


async def seed(world: WebWorld) -> None:
    """7 web contacts on 2 November and 2 on 3 November; two questions for review."""
    events = [Event("contact", None, None, "2026-11-02T09", "web") for _ in range(7)]
    events += [Event("contact", None, None, "2026-11-03T14", "telegram") for _ in range(2)]
    now = datetime(2026, 11, 3, 10, tzinfo=UTC)

    def work(tx: Tx) -> None:
        tx.events.record(events)
        tx.review.add_item("web:a", "no_match", "wie betaalt de taxi naar school", None, now)
        tx.review.add_item("web:b", "suggestions", "de juf stuurt hem eerder weg", None, now)

    await world.store.transaction(work)


async def coordinator(world: WebWorld, pages: Pages, width: int = 1280, **options: object) -> Page:
    """Carla logs in with her link and lands on the dashboard."""
    carla = await world.add_volunteer("Carla", "coordinator")
    page = await pages.new(width, 800, **options)
    await page.goto(await world.login_link(carla))
    await page.get_by_role("button", name="Inloggen").click()
    await page.wait_for_url(re.compile(r"/dashboard$"))
    return page


async def test_a_coordinator_opens_the_dashboard_and_picks_a_period(world, pages):
    await seed(world)
    page = await coordinator(world, pages)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Cijfers van de hulplijn")
    await page.get_by_label("Van", exact=True).fill("2026-11-01")
    await page.get_by_label("Tot en met", exact=True).fill("2026-11-07")
    await page.get_by_label("Tel per", exact=True).select_option("day")
    await page.get_by_role("button", name="Toon de cijfers").click()
    await page.wait_for_url(re.compile(r"from=2026-11-01&to=2026-11-07&group=day"))
    contacts = page.locator("#tabel-contacts")
    await expect(contacts.get_by_role("img")).to_be_visible()
    row = contacts.locator("tr", has=page.locator("th", has_text="2026-11-03"))
    await expect(row.locator("td").first).to_have_text("<5")
    row = contacts.locator("tr", has=page.locator("th", has_text="2026-11-02"))
    await expect(row.locator("td").first).to_have_text("7")
    await expect(page.locator(".small-note")).to_have_text(re.compile("^<5 betekent: minder dan 5"))
    await expect(page.locator("#tabel-heatmap svg")).to_be_visible()
    chart = page.locator("#tabel-resolved svg")
    await expect(chart).to_contain_text("Antwoord uit de veelgestelde vragen")  # not cut off
    inside = "s => [...s.querySelectorAll('.chart-label')].every(t => t.getBBox().x >= 0)"
    assert await chart.evaluate(inside)  # and no line sticks out on the left


async def test_a_volunteer_and_a_parent_are_refused(world, pages):
    eva_id = await world.add_volunteer("Eva", "advisor")
    eva = await pages.new()
    await eva.goto(await world.login_link(eva_id))
    await eva.get_by_role("button", name="Inloggen").click()
    await eva.wait_for_url(re.compile(r"/console$"))
    refused = await eva.goto(f"{world.url}/dashboard")
    assert refused is not None and refused.status == 403
    await expect(eva.get_by_text("Deze pagina is alleen voor coördinatoren.")).to_be_visible()
    await expect(eva.locator("svg, table, form[action='/dashboard']")).to_have_count(0)
    await assert_accessible(eva, "the page that refuses a volunteer")
    await eva.get_by_role("link", name="Terug naar de console").click()
    await eva.wait_for_url(re.compile(r"/console$"))

    parent = await pages.new()
    await Chat(parent).open(world.url)
    for path in ("/dashboard", "/dashboard/vragen"):
        response = await parent.goto(f"{world.url}{path}")
        assert response is not None and response.status == 403
        await expect(parent.get_by_role("heading", name="Inloggen lukt niet")).to_be_visible()
        await expect(parent.locator("svg, .review-card, [name=csrf]")).to_have_count(0)


async def test_a_csv_downloads_with_small_counts_hidden(world, pages):
    await seed(world)
    page = await coordinator(world, pages, accept_downloads=True)
    await page.goto(f"{world.url}/dashboard?{RANGE}")
    link = page.locator("#tabel-contacts").get_by_role("link", name=re.compile("Download als CSV"))
    async with page.expect_download() as waiting:
        await link.click()
    download = await waiting.value
    assert download.suggested_filename == "ouderlijn-contacts-2026-11-01-2026-11-07.csv"
    text = (await download.path()).read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "Periode,Contacten,Telegram,Webchat"
    assert "2026-11-02,7,<5,7" in lines and "2026-11-03,<5,<5,<5" in lines
    assert ",2," not in text


async def test_dashboard_and_review_have_no_serious_accessibility_problems(world, pages):
    await seed(world)
    page = await coordinator(world, pages)
    await page.goto(f"{world.url}/dashboard?{RANGE}")
    await assert_accessible(page, "the dashboard")
    await page.goto(f"{world.url}/dashboard?from=2026-11-07&to=2026-11-01")
    await expect(page.get_by_role("alert")).to_contain_text("De eerste datum ligt na")
    await assert_accessible(page, "the dashboard with a bad range")
    await page.goto(f"{world.url}/dashboard/vragen")
    await expect(page.locator(".review-card")).to_have_count(2)
    await assert_accessible(page, "the review page")


async def test_the_review_page_marks_a_question_handled(world, pages):
    await seed(world)
    page = await coordinator(world, pages)
    await page.get_by_role("link", name="Vragen zonder goed antwoord").click()
    card = page.locator(".review-card").filter(has_text="wie betaalt de taxi naar school")
    await expect(card).to_contain_text("geen antwoord gevonden")
    await card.get_by_role("button", name="Afgehandeld").click()
    await expect(page.get_by_role("status")).to_have_text("De vraag is afgehandeld.")
    await expect(page.locator(".review-card")).to_have_count(1)
    await expect(page.locator(".audit-list")).to_contain_text("Carla")


async def test_both_pages_fit_320_pixels(world, pages):
    await seed(world)
    page = await coordinator(world, pages, width=320)
    for path in (f"/dashboard?{RANGE}", "/dashboard?group=week", "/dashboard/vragen"):
        await page.goto(f"{world.url}{path}")
        width = await page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 320 + 1, (path, width)
    await page.goto(f"{world.url}/dashboard?{RANGE}")
    region = page.get_by_role("region", name="Tabel: Contacten per dag en uur")
    await region.focus()  # a wide table scrolls inside its own labelled region
    assert await region.evaluate("r => r.scrollWidth > r.clientWidth")
    await expect(page.locator("#tabel-heatmap svg")).to_be_hidden()  # too small to read here
