"""The moderators' tools in a real browser: axe on the thread page, the codebook and the
audit log, and hiding a post with a clause by keyboard alone."""

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


class TestModeratorsTools:
    async def test_pages_pass_axe_and_a_post_is_hidden_by_keyboard(
        self,
        chromium: Browser,
        live_server: LiveServer,
        factory: Factory,
        client: httpx.AsyncClient,
    ) -> None:
        scene = await build_scene(factory, client, moderation="post", visibility="public")
        thread = await scene.thread("participant")
        post = await scene.post(thread["id"], who="participant2", body="It names someone.")
        code = await client.post(
            f"/api/v1/dialogues/{scene.slug}/codes",
            json={"name": "Safety", "description": "Staying safe"},
            headers=scene.headers["moderator"],
        )
        assert code.status_code == 201, code.text
        base = f"/d/{scene.slug}"
        page, watch = await open_page(chromium, live_server, width=390, height=844)
        try:
            await sign_in(page, email=scene.users["moderator"].email, next=base)
            await page.goto(f"{base}/threads/{thread['id']}")
            await page.locator(f"#post-{post['id']} details.moderate > summary").click()
            await page.locator("#thread-tools > summary").click()
            await assert_accessible(page)

            # Keyboard only: to the post's "Moderate" menu, open it, fill, choose, send.
            summary = page.locator(f"#post-{post['id']} details.moderate > summary")
            await summary.click()  # closed again, so the keyboard path starts from a closed menu
            await summary.focus()
            keyboard = page.keyboard
            await keyboard.press("Enter")
            await keyboard.press("Tab")
            reason = page.locator(f"#moderate-{post['id']}-reason")
            await expect(reason).to_be_focused()
            await keyboard.type("Names a person")
            await keyboard.press("Tab")
            await expect(page.locator(f"#moderate-{post['id']}-clause")).to_be_focused()
            await keyboard.press("ArrowDown")
            await keyboard.press("ArrowDown")
            await keyboard.press("ArrowDown")  # clause 3
            await keyboard.press("Tab")
            async with page.expect_navigation():
                await keyboard.press("Enter")
            assert page.url.endswith(f"/threads/{thread['id']}#post-{post['id']}")
            await expect(page.locator(f"#post-{post['id']}")).to_contain_text(
                "Hidden by a moderator"
            )

            for path in ("moderation/codebook", "moderation/audit"):
                await page.goto(f"{base}/{path}")
                await assert_accessible(page)
            await expect(page.locator("ol.audit-log")).to_contain_text("status: published → hidden")
            # Nothing wider than the phone's screen.
            overflow = await page.evaluate(
                "document.documentElement.scrollWidth > document.documentElement.clientWidth"
            )
            assert overflow is False
        finally:
            await page.context.close()
        assert not watch.problems(), watch.problems()
        log = await client.get(
            f"/api/v1/dialogues/{scene.slug}/audit-log",
            params={"action": "post.hide"},
            headers=scene.headers["moderator"],
        )
        [entry] = log.json()["items"]
        assert (entry["reason"], entry["clause"]) == ("Names a person", "3")
