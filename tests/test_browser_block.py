"""Blocking in a real Chromium: the console's folded "Ouder blokkeren" box sends the reason,
the parent's chat shows the neutral text, and the coordinator's Blokkades page lists the block
and lifts it; both pages pass axe-core."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser import (  # noqa: F401 (fixtures)
    BROWSER_TESTS,
    assert_accessible,
    browser_fixture,
    pages_fixture,
    world_fixture,
    worlds_fixture,
)
from tests.test_browser_console import handoff
from tests.test_browser_dashboard import coordinator

pytestmark = BROWSER_TESTS
REASON = "Scheldt de hele tijd"


async def test_a_volunteer_blocks_from_the_console_and_a_coordinator_lifts_it(world, pages):
    chat, console = await handoff(world, pages)
    panel = console.panel()
    box = panel.locator("details.block-box")
    await box.locator("summary").click()
    await assert_accessible(console.page, "the console with the block box open")
    await box.get_by_label("Reden (noem geen namen)").fill(REASON)
    await box.get_by_role("button", name="Blokkeer deze ouder").click()
    await chat.shows("U kunt hier nu niet met iemand chatten.")

    page = await coordinator(world, pages)
    await page.get_by_role("link", name="Blokkades").click()
    await expect(page.locator(".block-list")).to_contain_text(REASON)
    await expect(page.locator(".block-list")).to_contain_text("Sanne")
    await assert_accessible(page, "the blocks page")
    await page.get_by_role("button", name="Opheffen").click()
    await expect(page.get_by_role("status")).to_contain_text("De blokkade is opgeheven.")
    await expect(page.locator(".block-list")).to_have_count(0)
