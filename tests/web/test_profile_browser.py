"""The profile and notifications pages in a real browser: accessible (axe), the browser's
zone suggested for a person who never chose one, and the language switcher by keyboard."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser import LiveServer, assert_accessible, sign_in
from tests.factories import Factory
from tests.web import scenes

# In a browser a page behaves alike on either database; the services under it run on both, and
# the organizer journey and the live thread (long polling included) run in a browser on both.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


class TestProfileInABrowser:
    async def test_profile_and_notifications_have_no_serious_violation(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(factory.app, s.dialogue, s.theme, s.alice)
        await scenes.moderate(factory.app, s.organizer, first, "hide", reason="Names a person")
        await sign_in(browser_page, email=s.alice.email)
        await browser_page.goto("/me")
        await assert_accessible(browser_page)
        await browser_page.fill("#display_name", "")  # refused: the form with its messages
        await browser_page.evaluate("document.getElementById('profile-form').noValidate = true")
        await browser_page.click("text=Save my profile")
        await expect(browser_page.locator("#display_name-error")).to_be_visible()
        await assert_accessible(browser_page)
        await browser_page.goto("/notifications")
        await expect(browser_page.locator("h1")).to_have_text("Notifications")
        await assert_accessible(browser_page)
        await browser_page.goto(f"/d/{s.dialogue.slug}/threads/{thread.id}")
        await assert_accessible(browser_page)

    async def test_the_browser_zone_is_suggested_and_saved(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        user = await factory.user()
        await sign_in(browser_page, email=user.email)
        zone = await browser_page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
        await browser_page.goto("/me")
        if zone in ("UTC", "Etc/UTC"):
            await expect(browser_page.locator("#timezone")).to_have_value("UTC")
        else:
            await expect(browser_page.locator("#timezone")).to_have_value(zone)

    async def test_the_language_switcher_works_by_keyboard(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        await browser_page.goto("/login")
        await browser_page.focus("#language-switcher")
        await browser_page.select_option("#language-switcher", "fr")
        await browser_page.keyboard.press("Tab")
        await browser_page.keyboard.press("Enter")
        await expect(browser_page.locator("html")).to_have_attribute("lang", "fr")
        assert browser_page.url.endswith("/login")
