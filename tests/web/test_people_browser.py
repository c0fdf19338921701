"""The people pages in a real browser, under axe: members, a batch's result, and /admin."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from dialogue.policy import Role
from tests.browser import assert_accessible, sign_in
from tests.factories import Factory
from tests.servers import ThreadServer as LiveServer

# In a browser a page behaves alike on either database; the services under it run on both, and
# the organizer journey and the live thread (long polling included) run in a browser on both.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


class TestPeoplePagesAreAccessible:
    async def test_members_batch_result_and_admin(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        admin = await factory.user(is_admin=True)
        dialogue = await factory.dialogue(owner=admin)
        organizer = await factory.member(dialogue, Role.ORGANIZER)
        moderator = await factory.member(dialogue, Role.MODERATOR)
        await factory.member(dialogue, Role.PARTICIPANT, display_name="Amara Okafor")
        members = f"/d/{dialogue.slug}/moderation/members"

        await sign_in(browser_page, email=moderator.email)
        await browser_page.goto(members)
        await assert_accessible(browser_page)

        await sign_in(browser_page, email=organizer.email)
        await browser_page.goto(members)
        for summary in await browser_page.locator("details summary").all():
            await summary.click()  # every member's opened forms are checked too
        await assert_accessible(browser_page)
        await browser_page.fill("#emails", "new@example.org\nnot-an-address")
        await browser_page.get_by_role("button", name="Make invitations").click()
        await expect(browser_page.get_by_role("heading", name="Invitations made")).to_be_visible()
        assert "/moderation/invitations/" in browser_page.url
        await assert_accessible(browser_page)

        await sign_in(browser_page, email=admin.email)
        await browser_page.goto("/")
        await browser_page.get_by_role("link", name="Site administration").click()
        await expect(browser_page.get_by_role("heading", name="People")).to_be_visible()
        await assert_accessible(browser_page)
        await browser_page.get_by_role(
            "button", name="Make a password link for Amara Okafor"
        ).click()
        await expect(browser_page.get_by_text("/password/reset/")).to_be_visible()
        await assert_accessible(browser_page)
