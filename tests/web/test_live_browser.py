"""Live threads in a real browser: two readers of one thread, and one that loses its network."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.browser import LiveServer, open_page, sign_in
from tests.factories import Factory
from tests.web import scenes

pytestmark = pytest.mark.browser


async def thread_page(chromium, live_server: LiveServer, email: str, path: str) -> Page:
    page, _watch = await open_page(chromium, live_server)
    await sign_in(page, email=email, next=path)
    await page.evaluate("window.__notReloaded = true")
    return page


async def post_reply(page: Page, text: str) -> None:
    await page.fill("#reply-thread-body", text)
    await page.click("#reply-thread-body >> xpath=ancestor::form//button[@type='submit']")


class TestLiveThread:
    async def test_reply_in_one_page_appears_in_the_other_and_survives_a_network_cut(
        self, chromium, live_server: LiveServer, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, _first = await scenes.start_thread(factory.app, s.dialogue, s.theme, s.alice)
        path = f"/d/{s.dialogue.slug}/threads/{thread.id}"
        writer = await thread_page(chromium, live_server, s.alice.email, path)
        reader = await thread_page(chromium, live_server, s.bob.email, path)
        try:
            await expect(writer.locator("#live-presence")).to_contain_text(s.bob.display_name)
            await expect(reader.locator("#live")).to_have_attribute("data-transport", "websocket")

            await post_reply(writer, "Accountability means women's organisations decide.")
            await expect(reader.locator("ol.posts")).to_contain_text(
                "Accountability means women's organisations decide."
            )
            await expect(writer.locator("#reply-thread-body")).to_have_value("")
            assert await reader.evaluate("window.__notReloaded === true")
            assert await writer.evaluate("window.__notReloaded === true")

            # A half-written draft in the reader's form is never touched by updates.
            await reader.fill("#reply-thread-body", "my unfinished draft")
            await reader.context.set_offline(True)
            await expect(reader.locator("#live-status")).to_be_visible()
            await post_reply(writer, "Posted while the reader was offline.")
            await expect(writer.locator("ol.posts")).to_contain_text("Posted while the reader")
            await reader.context.set_offline(False)
            await expect(reader.locator("ol.posts")).to_contain_text(
                "Posted while the reader was offline.", timeout=15_000
            )
            await expect(reader.locator("#live-status")).to_be_hidden()
            await expect(reader.locator("#reply-thread-body")).to_have_value("my unfinished draft")
            assert await reader.evaluate("window.__notReloaded === true")
            assert await reader.locator("text=Posted while the reader was offline.").count() == 1
        finally:
            await writer.context.close()
            await reader.context.close()


class TestLongPollingFallback:
    async def test_blocked_websockets_fall_back_to_long_polling(
        self, chromium, live_server: LiveServer, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, _first = await scenes.start_thread(factory.app, s.dialogue, s.theme, s.alice)
        path = f"/d/{s.dialogue.slug}/threads/{thread.id}"
        reader, _watch = await open_page(chromium, live_server)
        # A proxy that refuses websocket upgrades: every attempt is closed at once.
        await reader.route_web_socket("**/ws/**", lambda ws: ws.close())
        await sign_in(reader, email=s.bob.email, next=path)
        writer = await thread_page(chromium, live_server, s.alice.email, path)
        try:
            await expect(reader.locator("#live")).to_have_attribute(
                "data-transport", "polling", timeout=20_000
            )
            await post_reply(writer, "Reaches a reader behind a proxy.")
            await expect(reader.locator("ol.posts")).to_contain_text(
                "Reaches a reader behind a proxy.", timeout=15_000
            )
            # Posting from the long-polling page goes over HTTP with the same client_id rule.
            await post_reply(reader, "Answer sent over HTTP.")
            await expect(writer.locator("ol.posts")).to_contain_text("Answer sent over HTTP.")
            await expect(reader.locator("#reply-thread-body")).to_have_value("")
        finally:
            await writer.context.close()
            await reader.context.close()
