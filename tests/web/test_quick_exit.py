"""The quick exit on every page: a link first after the skip link, leaving for a neutral
site without leaving this one in the history; Escape twice does the same."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from playwright.async_api import Page, expect

from dialogue.config import Settings
from dialogue.web.assets import static_assets
from tests.browser import LiveServer, assert_accessible, sign_in
from tests.factories import Factory
from tests.web import scenes
from tests.web.clients import visitor

# The app's own health check stands in for the neutral site: the machine has no network.
EXIT_PATH = "/healthz"
FOCUSABLE = re.compile(r"<(?:a|button|input|select|textarea|summary)\b[^>]*>")
DRAFTS_KEPT = "() => Object.keys(localStorage).some(k => k.startsWith('dialogue-draft:'))"
# What drafts.js leaves in sessionStorage while a form's POST is on its way.
SENT_MARK = "() => sessionStorage.setItem('dialogue-draft-sent', location.pathname)"
STORAGE_LEFT = "() => [localStorage.length, sessionStorage.length]"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"quick_exit_url": EXIT_PATH})


def first_focusable(html: str) -> list[str]:
    """The first two elements of the body a keyboard reaches."""
    body = html[html.index("<body") :]
    return FOCUSABLE.findall(body)[:2]


async def thread_path(factory: Factory) -> tuple[str, str]:
    s = await scenes.scene(factory)
    thread, _post = await scenes.start_thread(factory.app, s.dialogue, s.theme, s.alice)
    return f"/d/{s.dialogue.slug}", f"/d/{s.dialogue.slug}/threads/{thread.id}"


class TestEveryPage:
    async def test_the_link_follows_the_skip_link(self, app: FastAPI, factory: Factory) -> None:
        home, thread = await thread_path(factory)
        pages = {"/": 200, "/login": 200, home: 200, thread: 200, "/d/no-such-dialogue": 404}
        async with visitor(app) as browser:
            for path, status in pages.items():
                page = await browser.get(path)
                assert page.status_code == status, path
                skip, exit_link = first_focusable(page.text)
                assert 'class="skip-link"' in skip, path
                assert 'id="quick-exit"' in exit_link, path
                assert f'href="{EXIT_PATH}"' in exit_link, path
                assert ">Quick exit</a>" in page.text, path
                script = static_assets(Settings().static_dir).url("js/quick-exit.js")
                assert f'<script src="{script}" defer></script>' in page.text

    async def test_translated(self, app: FastAPI) -> None:
        async with visitor(app) as browser:
            page = await browser.get("/login", headers={"accept-language": "fr"})
        assert ">Sortie rapide</a>" in page.text

    def test_only_web_addresses_are_accepted(self, settings: Settings) -> None:
        with pytest.raises(ValueError, match="QUICK_EXIT_URL"):
            Settings(quick_exit_url="javascript:alert(1)")


@pytest.mark.browser
class TestLeaving:
    async def test_click_leaves_and_back_does_not_return(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        home, thread = await thread_path(factory)
        await browser_page.goto(home)
        await browser_page.goto(thread)
        await assert_accessible(browser_page)
        await browser_page.keyboard.press("Tab")
        await browser_page.keyboard.press("Tab")
        await expect(browser_page.locator("#quick-exit")).to_be_focused()
        await browser_page.click("#quick-exit")
        await browser_page.wait_for_url(f"**{EXIT_PATH}")
        await browser_page.go_back()
        assert browser_page.url.endswith(home), browser_page.url

    async def test_escape_twice_leaves_and_takes_the_drafts_with_it(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, _post = await scenes.start_thread(factory.app, s.dialogue, s.theme, s.alice)
        path = f"/d/{s.dialogue.slug}/threads/{thread.id}"
        await sign_in(browser_page, email=s.bob.email, next=path)
        assert browser_page.url.endswith(path)
        await browser_page.fill("#reply-thread-body", "What happened to me at the office")
        await browser_page.wait_for_function(DRAFTS_KEPT)  # drafts.js saved it
        await browser_page.evaluate(SENT_MARK)
        await browser_page.keyboard.press("Escape")  # still in the composer
        assert browser_page.url.endswith(path)  # one press alone does nothing
        await browser_page.keyboard.press("Escape")
        await browser_page.wait_for_url(f"**{EXIT_PATH}")
        # The exit stands in on the same site here, so its storage is the dialogue's.
        assert await browser_page.evaluate(STORAGE_LEFT) == [0, 0]
        await browser_page.go_back()
        assert "/login" in browser_page.url, browser_page.url

    async def test_content_is_hidden_at_once(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        home, _thread = await thread_path(factory)
        await browser_page.goto(home)
        # Looked at in the same task as the click, before the next page can arrive.
        hidden, title = await browser_page.evaluate(
            """() => {
              document.getElementById('quick-exit').click();
              return [document.body.hidden, document.title];
            }"""
        )
        assert hidden is True
        assert title == ""
        await browser_page.wait_for_url(f"**{EXIT_PATH}")
