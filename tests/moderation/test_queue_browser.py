"""A moderator clears the queue with the keyboard alone; a reader sees the approved posts live."""

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


class TestKeyboardQueue:
    async def test_five_posts_cleared_by_keyboard_and_shown_live(
        self,
        chromium: Browser,
        live_server: LiveServer,
        factory: Factory,
        client: httpx.AsyncClient,
    ) -> None:
        scene = await build_scene(factory, client, moderation="pre", visibility="public")
        thread = await scene.thread("moderator")
        posts = [
            await scene.post(thread["id"], body=f"Queued testimony number {n}.") for n in range(5)
        ]
        thread_path = f"/d/{scene.slug}/threads/{thread['id']}"
        reader, reader_watch = await open_page(chromium, live_server)
        moderator, moderator_watch = await open_page(chromium, live_server)
        try:
            await sign_in(reader, email=scene.users["participant2"].email, next=thread_path)
            await expect(reader.locator("main")).not_to_contain_text("Queued testimony")

            await sign_in(
                moderator, email=scene.users["moderator"].email, next=f"/d/{scene.slug}/moderation"
            )
            items = moderator.locator("li.queue-item")
            await expect(items).to_have_count(5)
            await expect(items.first).to_be_focused()

            keyboard = moderator.keyboard
            await keyboard.press("j")  # to the second item
            await expect(items.nth(1)).to_be_focused()
            await keyboard.press("a")  # approve number 1
            await expect(items).to_have_count(4)
            await keyboard.press("k")  # back to the first
            await keyboard.press("a")  # approve number 0
            await expect(items).to_have_count(3)
            await keyboard.press("r")  # reject number 2: to its reason, then its clause
            reason = items.first.locator('.reject-form input[name="reason"]')
            await expect(reason).to_be_focused()
            await keyboard.type("Identifies a survivor.")
            await keyboard.press("Tab")
            await expect(items.first.locator('select[name="clause"]')).to_be_focused()
            await keyboard.press("ArrowDown")  # from "Choose a clause" to clause 1
            await keyboard.press("ArrowDown")
            await keyboard.press("ArrowDown")  # clause 3
            await keyboard.press("Tab")
            await keyboard.press("Enter")  # the reject button
            await expect(items).to_have_count(2)
            await expect(items.first).to_be_focused()
            await keyboard.press("a")
            await expect(items).to_have_count(1)
            await keyboard.press("a")
            await expect(items).to_have_count(0)
            await expect(moderator.locator(".queue-empty")).to_be_visible()

            for n in (0, 1, 3, 4):
                await expect(reader.locator("ol.posts")).to_contain_text(
                    f"Queued testimony number {n}."
                )
            await expect(reader.locator("main")).not_to_contain_text("Queued testimony number 2.")
        finally:
            await reader.context.close()
            await moderator.context.close()
        assert not reader_watch.problems(), reader_watch.problems()
        assert not moderator_watch.problems(), moderator_watch.problems()
        statuses = []
        for post in posts:
            got = await client.get(
                f"/api/v1/posts/{post['id']}", headers=scene.headers["moderator"]
            )
            statuses.append(got.json()["status"])
        assert statuses == ["published", "published", "rejected", "published", "published"]
        log = await client.get(
            f"/api/v1/dialogues/{scene.slug}/audit-log",
            params={"action": "post.reject"},
            headers=scene.headers["moderator"],
        )
        [entry] = log.json()["items"]
        assert (entry["reason"], entry["clause"]) == ("Identifies a survivor.", "3")


class TestLiveQueue:
    async def test_items_handled_elsewhere_leave_and_new_ones_are_announced(
        self,
        chromium: Browser,
        live_server: LiveServer,
        factory: Factory,
        client: httpx.AsyncClient,
    ) -> None:
        scene = await build_scene(factory, client, moderation="pre")
        thread = await scene.thread("moderator")
        first = await scene.post(thread["id"], body="First queued words.")
        await scene.post(thread["id"], body="Second queued words.")
        page, watch = await open_page(chromium, live_server)
        try:
            await sign_in(
                page, email=scene.users["moderator"].email, next=f"/d/{scene.slug}/moderation"
            )
            items = page.locator("li.queue-item")
            await expect(items).to_have_count(2)
            await expect(page.locator("#queue-new")).to_be_hidden()
            await scene.moderate(first["id"], "approve", who="moderator2")
            await expect(items).to_have_count(1)
            await expect(page.locator(f"#item-{first['id']}")).to_have_count(0)
            await scene.post(thread["id"], who="participant2", body="Third, arriving live.")
            await expect(page.locator("#queue-new")).to_be_visible()
            await page.click("#queue-new a")
            await expect(items).to_have_count(2)
            await expect(page.locator("ol.queue")).to_contain_text("Third, arriving live.")
        finally:
            await page.context.close()
        assert not watch.problems(), watch.problems()


class TestAccessiblePages:
    async def test_moderation_pages_pass_axe(
        self,
        chromium: Browser,
        live_server: LiveServer,
        factory: Factory,
        client: httpx.AsyncClient,
    ) -> None:
        scene = await build_scene(factory, client, moderation="pre", visibility="public")
        thread = await scene.thread("moderator")
        queued = await scene.post(thread["id"])
        rejected = await scene.post(thread["id"])
        await scene.moderate(rejected["id"], "reject", reason="Names a person", clause="3")
        await client.post(
            f"/api/v1/posts/{thread['post']['id']}/flags",
            json={"reason": "other", "note": "check"},
            headers=scene.headers["expert"],
        )
        assert queued["status"] == "pending"
        organizer, watch = await open_page(chromium, live_server)
        author, author_watch = await open_page(chromium, live_server)
        try:
            base = f"/d/{scene.slug}"
            await sign_in(organizer, email=scene.users["organizer"].email, next=base)
            for path in (
                "moderation",
                "moderation/audit",
                "moderation/members",
                "moderation/appeals",
                "transparency",
            ):
                await organizer.goto(f"{base}/{path}")
                await assert_accessible(organizer)
            await sign_in(author, email=scene.users["participant"].email, next="/notifications")
            await assert_accessible(author)
        finally:
            await organizer.context.close()
            await author.context.close()
        assert not watch.problems(), watch.problems()
        assert not author_watch.problems(), author_watch.problems()
