"""The unmask pages in Chromium: asked from the post, decided by a second person, axe-clean."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser import LiveServer, assert_accessible, open_page, sign_in
from tests.factories import Factory
from tests.moderation.scene import build_scene

# In a browser a page behaves alike on either database; the services under it run on both, and
# the organizer journey and the live thread (long polling included) run in a browser on both.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


class TestUnmaskInTheBrowser:
    async def test_ask_from_the_post_then_a_second_moderator_approves(
        self,
        chromium: Browser,
        live_server: LiveServer,
        factory: Factory,
        client: httpx.AsyncClient,
    ) -> None:
        scene = await build_scene(factory, client, moderation="post", allow_anonymous=True)
        thread = await scene.thread(anonymous=True, body="Something only an insider would know.")
        asker, asker_watch = await open_page(chromium, live_server)
        decider, decider_watch = await open_page(chromium, live_server)
        try:
            await sign_in(
                asker,
                email=scene.users["moderator"].email,
                next=f"/d/{scene.slug}/threads/{thread['id']}",
            )
            await asker.get_by_role("link", name="Ask to reveal the author").click()
            await expect(asker.locator("h1")).to_have_text("Ask to reveal an author")
            await assert_accessible(asker)
            await asker.get_by_label("Why must the author be revealed?").fill("A credible threat.")
            await asker.get_by_role("button", name="Send the request").click()
            await expect(asker.locator("#pending-heading + ul")).to_contain_text(
                "A credible threat."
            )
            await assert_accessible(asker)

            await sign_in(
                decider,
                email=scene.users["moderator2"].email,
                next=f"/d/{scene.slug}/moderation/unmask",
            )
            await decider.get_by_label("Note on your decision (in the audit log)").fill("Agreed.")
            await decider.get_by_role("button", name="Approve: reveal the author to us two").click()
            decided = decider.locator("#decided-heading + ul")
            await expect(decided).to_contain_text("Approved")
            await expect(decided).to_contain_text(scene.users["participant"].email)
            await assert_accessible(decider)
        finally:
            await asker.context.close()
            await decider.context.close()
        assert not asker_watch.problems(), asker_watch.problems()
        assert not decider_watch.problems(), decider_watch.problems()
