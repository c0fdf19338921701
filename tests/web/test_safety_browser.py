"""In a real browser: a post the disclosure rules hold waits with the awaiting-review notice
and the support text for its author, a moderator sees the span highlighted in the queue and
releases it, and it appears live for another participant."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from dialogue.dialogues.models import Dialogue
from dialogue.events.publish import commit
from tests.browser import LiveServer, assert_accessible, open_page, sign_in
from tests.factories import Factory
from tests.web import scenes

# In a browser a page behaves alike on either database; the services under it run on both, and
# the organizer journey and the live thread (long polling included) run in a browser on both.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

HELD = "Her number is 06 12 34 56 78, please call her tonight."


async def signed_in(chromium, live_server: LiveServer, email: str, path: str) -> Page:
    page, _watch = await open_page(chromium, live_server)
    await sign_in(page, email=email, next=path)
    return page


class TestHeldJourney:
    async def test_held_notice_support_highlight_release_live(
        self, chromium, live_server: LiveServer, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        async with factory.session() as session:
            dialogue = await session.get(Dialogue, s.dialogue.id)
            assert dialogue is not None
            dialogue.support_text = "Safeguarding contact: **Rosa**, helpline 0800 123 456."
            session.add(dialogue)
            await commit(session)
        moderator = await factory.member(s.dialogue, "moderator", display_name="Mona Moderator")
        thread, _first = await scenes.start_thread(factory.app, s.dialogue, s.theme, s.bob)
        path = f"/d/{s.dialogue.slug}/threads/{thread.id}"
        author = await signed_in(chromium, live_server, s.alice.email, path)
        reader = await signed_in(chromium, live_server, s.bob.email, path)
        staff = await signed_in(chromium, live_server, moderator.email, path)
        try:
            await expect(reader.locator("#live")).to_have_attribute("data-transport", "websocket")
            await author.fill("#reply-thread-body", HELD)
            await author.fill("#reply-thread-warning", "a neighbour in danger")
            await author.click("#reply-thread-body >> xpath=ancestor::form//button[@type='submit']")
            notice = author.locator(".held-notice")
            await expect(notice).to_contain_text("Your post is waiting for a moderator.")
            await expect(notice).to_contain_text("a phone number")
            await expect(notice.locator(".support-text strong").last).to_have_text("Rosa")
            await expect(author.locator("#reply-thread-body")).to_have_value("")
            await assert_accessible(author)
            await author.reload()  # the page itself says the same, without the live update
            await expect(author.locator(".held-notice")).to_contain_text("helpline 0800 123 456")

            await staff.goto(f"/d/{s.dialogue.slug}/moderation")
            await expect(staff.locator("mark.held-span")).to_have_text("06 12 34 56 78")
            await assert_accessible(staff)
            assert await reader.locator("text=Her number is").count() == 0
            await staff.click("li.queue-item form[data-action='approve'] button")
            await expect(staff.locator(".queue-empty")).to_be_visible()

            post = reader.locator("ol.posts li.post-item").last
            await expect(post.locator("details.content-warning summary")).to_contain_text(
                "a neighbour in danger"
            )
            await expect(post.locator(".post-body")).to_be_hidden()  # collapsed until opened
            await post.locator("details.content-warning summary").click()
            await expect(post.locator(".post-body")).to_contain_text("06 12 34 56 78")
            await assert_accessible(reader)
        finally:
            for page in (author, reader, staff):
                await page.context.close()
