"""The pages in a real browser: accessible, usable at 360 px and by keyboard, and a whole
visit from sign-in to reaction, under the site's real Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from playwright.async_api import Page, expect

from dialogue.threads.models import PostStatus, ReactionKind
from tests.browser import LiveServer, assert_accessible, sign_in
from tests.factories import Factory
from tests.web import scenes
from tests.web.scenes import Scene

# In a browser a page behaves alike on either database; the services under it run on both, and
# the organizer journey and the live thread (long polling included) run in a browser on both.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

LONG_URL = "https://example.org/" + "a-very-long-path-segment-" * 12
WIDE_TABLE = "| " + " | ".join(f"column {n}" for n in range(12)) + " |\n|" + "---|" * 12 + "\n"


async def deep_thread(app: FastAPI, s: Scene) -> tuple[int, int]:
    """A thread with replies nested eight deep, a long link, a table, an anonymous reply,
    a moderated post with a reply and a deleted one: the hardest thread to lay out."""
    thread, first = await scenes.start_thread(
        app, s.dialogue, s.theme, s.alice, title="What does accountability mean?",
        body=f"Accountability starts with listening. See {LONG_URL}\n\n{WIDE_TABLE}",
    )  # fmt: skip
    parent = first
    for depth in range(8):
        author = s.bob if depth % 2 == 0 else s.alice
        parent = await scenes.reply(
            app, s.dialogue, s.theme, thread, author, parent=parent,
            body=f"Reply at depth {depth + 1}: " + "unbreakablewordwithoutspaces" * 4,
        )  # fmt: skip
    anonymous = await scenes.reply(
        app, s.dialogue, s.theme, thread, s.bob, parent=first, anonymous=True,
        body="Speaking anonymously: survivors must lead.",
    )  # fmt: skip
    moderated = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, parent=first)
    await scenes.reply(app, s.dialogue, s.theme, thread, s.alice, parent=moderated)
    await scenes.set_status(app, moderated, PostStatus.HIDDEN)
    deleted = await scenes.reply(app, s.dialogue, s.theme, thread, s.alice, parent=anonymous)
    await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, parent=deleted)
    await scenes.set_status(app, deleted, PostStatus.DELETED)
    await scenes.react(app, first, s.bob, ReactionKind.AGREE)
    return thread.id or 0, first.id or 0


class TestPagesAreAccessible:
    async def test_every_page_has_no_serious_violation(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread_id, first = await deep_thread(factory.app, s)
        slug = s.dialogue.slug
        pages = [
            f"/d/{slug}",
            f"/d/{slug}/themes/{s.theme.id}",
            f"/d/{slug}/threads/{thread_id}",
            f"/d/{slug}/search?q=accountability",
            f"/d/{slug}/conduct",
        ]
        for path in pages:  # as a reader who is not signed in
            await browser_page.goto(path)
            await assert_accessible(browser_page)
        await sign_in(browser_page, email=s.newcomer.email)
        for path in pages:  # as a member, with every form on the page
            await browser_page.goto(path)
            await assert_accessible(browser_page)
        await sign_in(browser_page, email=s.alice.email)
        await browser_page.goto(f"/d/{slug}/threads/{thread_id}")
        for summary in await browser_page.locator("details summary").all():
            await summary.click()  # opened reply and delete forms are checked too
        await assert_accessible(browser_page)
        await browser_page.goto(f"/d/{slug}/posts/{first}/edit")
        await assert_accessible(browser_page)
        await browser_page.fill("#edit-body", "")  # refused: the form again, with the reason
        await browser_page.eval_on_selector("#edit-body", "el => el.removeAttribute('required')")
        await browser_page.click("main form button[type=submit]")
        await expect(browser_page.locator("#edit-error")).to_have_text("A post cannot be empty.")
        await assert_accessible(browser_page)


class TestThreadOnAPhone:
    async def test_no_horizontal_scrolling_at_360px(
        self, phone_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread_id, _first = await deep_thread(factory.app, s)
        await sign_in(phone_page, email=s.alice.email)
        await phone_page.goto(f"/d/{s.dialogue.slug}/threads/{thread_id}")
        for summary in await phone_page.locator("details summary").all():
            await summary.click()
        width = await phone_page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 360, f"the page is {width} px wide at a 360 px viewport"
        for path in (f"/d/{s.dialogue.slug}", f"/d/{s.dialogue.slug}/themes/{s.theme.id}"):
            await phone_page.goto(path)
            assert await phone_page.evaluate("document.scrollingElement.scrollWidth") <= 360

    async def test_deep_replies_stop_indenting(
        self, phone_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread_id, _first = await deep_thread(factory.app, s)
        await phone_page.goto(f"/d/{s.dialogue.slug}/threads/{thread_id}")
        lefts = await phone_page.eval_on_selector_all(
            "article.post", "els => els.map(e => e.getBoundingClientRect().left)"
        )
        deepest = max(lefts)
        assert deepest - min(lefts) <= 4 * 22, lefts  # about four levels of indent at most
        assert min(await phone_page.eval_on_selector_all(
            "article.post", "els => els.map(e => e.getBoundingClientRect().width)"
        )) >= 250  # fmt: skip


FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {tag: el.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
          shadow: style.boxShadow};
}"""


class TestKeyboard:
    async def test_focus_is_visible_on_every_stop(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread_id, _first = await deep_thread(factory.app, s)
        await sign_in(browser_page, email=s.alice.email)
        await browser_page.goto(f"/d/{s.dialogue.slug}/threads/{thread_id}")
        seen = set()
        for _ in range(25):
            await browser_page.keyboard.press("Tab")
            focus = await browser_page.evaluate(FOCUS_STYLE)
            seen.add(focus["tag"])
            assert focus["outline"] != "none" and focus["width"] >= 2, focus
        assert {"A", "BUTTON", "SUMMARY"} <= seen, seen

    async def test_skip_link_comes_first_and_moves_to_main(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        await browser_page.goto(f"/d/{s.dialogue.slug}")
        await browser_page.keyboard.press("Tab")
        skip = browser_page.locator(".skip-link")
        await expect(skip).to_be_focused()
        box = await skip.bounding_box()
        assert box is not None and box["x"] >= 0, box  # shown on screen when focused
        await browser_page.keyboard.press("Enter")
        await expect(browser_page.locator("#main")).to_be_focused()


class TestWholeVisit:
    async def test_sign_in_accept_start_reply_react(
        self, browser_page: Page, live_server: LiveServer, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        page, slug = browser_page, s.dialogue.slug
        await sign_in(page, email=s.newcomer.email, next=f"/d/{slug}")
        await page.get_by_role("link", name="Accountability in practice").first.click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Accountability in practice"
        )
        await page.get_by_role("link", name="Read and accept the code of conduct").click()
        await page.get_by_role("button", name=re.compile("I accept version 1")).click()
        await expect(page).to_have_url(re.compile(rf"/d/{slug}/themes/{s.theme.id}$"))

        await page.get_by_label("Title").fill("Listening to women's organisations first")
        await page.get_by_label("Your contribution").fill("We start every programme by *asking*.")
        await page.get_by_role("button", name="Start thread").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Listening to women's organisations first"
        )
        await expect(page.locator(".post-body em")).to_have_text("asking")

        await page.locator("details.reply summary").first.click()
        await page.get_by_label("Your reply").fill("And we report back to them.")
        await page.get_by_role("button", name="Post reply").click()
        reply = page.locator(".replies .post-body")
        await expect(reply).to_have_text("And we report back to them.")

        agree = page.locator("article.post").first.get_by_role("button", name=re.compile("Agree"))
        await agree.click()
        agree = page.locator("article.post").first.get_by_role("button", name=re.compile("Agree"))
        await expect(agree).to_have_attribute("aria-pressed", "true")
        await expect(agree.locator(".count")).to_have_text("1")
        await assert_accessible(page)

        posts = await scenes.posts_of(
            factory.app, int(page.url.split("/threads/")[1].split("#")[0])
        )
        assert [p.body for p in posts] == [
            "We start every programme by *asking*.",
            "And we report back to them.",
        ]
        assert posts[1].parent_id == posts[0].id
        assert await scenes.reaction_of(factory.app, posts[0], s.newcomer) == "agree"
