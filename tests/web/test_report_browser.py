"""The report's workflow page and the published report in a real browser: accessible with
every form open, the preview a click away, and a job's progress followed by its script."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from tests.browser import LiveServer, assert_accessible, sign_in
from tests.factories import Factory
from tests.synthesis.scene import build_scene, review_post
from tests.web.report_steps import base_of, publish

# In a browser a page behaves alike on either database; the services under it run on both, and
# the organizer journey and the live thread (long polling included) run in a browser on both.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


class TestReportPagesInABrowser:
    async def test_workflow_and_published_pages_are_accessible(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        base = base_of(scene)
        page = browser_page
        await sign_in(page, email=scene.organizer.email, next=base)
        await page.goto(base)
        for summary in await page.locator("details summary").all():
            await summary.click()  # every comment form open
        await assert_accessible(page)
        await page.fill("#executive_summary", "Women's movements **lead**.")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Preview").click()
        await expect(page.locator(".report-preview strong")).to_have_text("lead")
        await assert_accessible(page)
        async with page.expect_navigation():
            await page.get_by_role("button", name="Generate JSON").click()
        # The script follows the job and shows the download without a click on "Refresh".
        await expect(page.get_by_role("link", name="Download the JSON report")).to_be_visible(
            timeout=30_000
        )
        await assert_accessible(page)
        await publish(factory.app, scene, "members")
        await sign_in(page, email=scene.participant.email)
        await page.goto(f"/d/{scene.dialogue.slug}")
        async with page.expect_navigation():
            await page.get_by_role("link", name="Read the published synthesis report").click()
        await expect(page.get_by_role("heading", name="Published report")).to_be_visible()
        await assert_accessible(page)

    async def test_an_advisor_reads_the_quotes_to_check_and_what_was_taken_out(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        await review_post(factory, scene)
        page = browser_page
        await sign_in(page, email=scene.advisor.email, next=base_of(scene))
        await page.goto(base_of(scene))
        async with page.expect_navigation():
            await page.get_by_role("button", name="Prepare the list of quotes").click()
        # The script follows the job and shows the list once it is ready, no refresh needed.
        card = page.locator(".quote-review li.card").filter(has_text="REVIEWED")
        await expect(card).to_contain_text("“Recife” became [place]", timeout=30_000)
        await expect(card.locator("blockquote")).not_to_contain_text("Recife")
        await assert_accessible(page)
        await card.get_by_role("link").focus()
        await page.keyboard.press("Enter")
        await expect(page).to_have_url(re.compile(r"/threads/\d+\?after_id=\d+#post-\d+$"))
