"""The organizer's setup pages in a real browser: accessible, and a theme made by keyboard."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from dialogue.dialogues import service as dialogues
from dialogue.state import app_state
from tests.browser import LiveServer, assert_accessible, sign_in
from tests.factories import Factory

# In a browser a page behaves alike on either database; the services under it run on both, and
# the organizer journey and the live thread (long polling included) run in a browser on both.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


class TestSetupPagesAreAccessible:
    async def test_each_new_page_has_no_serious_violation(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        admin = await factory.user(is_admin=True)
        d = await factory.dialogue(owner=admin, status="draft")
        theme = await factory.theme(d, open_now=False)
        await sign_in(browser_page, email=admin.email)
        slug = d.slug
        for path in (
            "/",
            "/dialogues/new",
            f"/d/{slug}",  # with the setup checklist
            f"/d/{slug}/settings",
            f"/d/{slug}/settings/status/open",
            f"/d/{slug}/themes/new",
            f"/d/{slug}/themes/{theme.id}/edit",
            f"/d/{slug}/themes/{theme.id}/delete",
        ):
            await browser_page.goto(path)
            await assert_accessible(browser_page)
        # The forms again, with their messages and the code's preview.
        await browser_page.goto("/dialogues/new")
        await browser_page.fill("#slug", "Not A Slug")
        await browser_page.fill("#title", "A title")
        async with browser_page.expect_navigation():
            await browser_page.click("main form button[type=submit]")
        await expect(browser_page.locator("#slug-error")).to_be_visible()
        await assert_accessible(browser_page)
        await browser_page.goto(f"/d/{slug}/settings")
        async with browser_page.expect_navigation():
            await browser_page.click("button[name=preview]")
        await expect(browser_page.locator("#preview-heading")).to_be_visible()
        await assert_accessible(browser_page)


async def tab_to(page: Page, selector: str, *, most: int = 30) -> None:
    """Press Tab until `selector` has the focus (a date field takes a stop per segment)."""
    target = page.locator(selector)
    for _ in range(most):
        if await target.evaluate("el => el === document.activeElement"):
            return
        await page.keyboard.press("Tab")
    await expect(target).to_be_focused()


class TestKeyboard:
    async def test_a_theme_is_added_by_keyboard(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        d = await factory.dialogue(status="draft")
        organizer = await factory.member(d, "organizer", timezone="Europe/Paris")
        await sign_in(browser_page, email=organizer.email, next=f"/d/{d.slug}")
        await browser_page.locator(f'nav a[href="/d/{d.slug}/themes/new"]').focus()
        async with browser_page.expect_navigation():
            await browser_page.keyboard.press("Enter")
        await tab_to(browser_page, "#title")  # from the top of the page
        await browser_page.keyboard.type("Week one")
        await browser_page.keyboard.press("Tab")
        await expect(browser_page.locator("#guiding_questions")).to_be_focused()
        await browser_page.keyboard.type("1. What works?")
        await browser_page.keyboard.press("Tab")
        opens = browser_page.locator("#opens_at")
        await expect(opens).to_be_focused()
        # The date segments depend on the browser's locale; the value is set in the field
        # that has the focus, then the keyboard goes on.
        await opens.fill("2027-03-01T09:00")
        await tab_to(browser_page, "#closes_at", most=8)
        await browser_page.locator("#closes_at").fill("2027-03-08T18:00")
        await tab_to(browser_page, "#summary", most=8)
        await tab_to(browser_page, "main form button[type=submit]", most=2)
        async with browser_page.expect_navigation():
            await browser_page.keyboard.press("Enter")
        await expect(browser_page.locator("main [role=status]").first).to_contain_text("Saved.")
        await assert_accessible(browser_page)
        async with app_state(factory.app).database.session() as session:
            (theme,) = await dialogues.list_themes(session=session, dialogue_id=d.id or 0)
        assert theme.title == "Week one"
        assert theme.opens_at.isoformat() == "2027-03-01T08:00:00+00:00"  # 09:00 in Paris
