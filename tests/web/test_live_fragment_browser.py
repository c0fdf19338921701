"""A post that arrives live looks and works like one loaded with the page.

In the style of Zulip's `verify_action`: a reader's page applies a sequence of events the way
it does in use (the server's fragments inserted by static/js/live.js), and the result is
compared with a fresh render of the same page, normalising only what must differ.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from fastapi import FastAPI
from playwright.async_api import Page, expect

from dialogue.accounts.models import User
from dialogue.events.publish import commit
from dialogue.moderation.actions import PostAction, moderate_post
from dialogue.state import app_state
from dialogue.threads import service as threads
from dialogue.threads.models import Post, ReactionKind, Thread
from tests.browser import LiveServer, assert_accessible, open_page, sign_in
from tests.factories import Factory
from tests.web import scenes

# In a browser a page behaves alike on either database; the services under it run on both, and
# the organizer journey and the live thread (long polling included) run in a browser on both.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]

# The page as the browser holds it, and a fresh render of it fetched and parsed by the same
# browser, so both go through one HTML serialiser.
POSTS_NOW = "() => document.querySelector('ol.posts').outerHTML"
POSTS_FRESH = """async () => {
  const text = await (await fetch(location.href, {credentials: 'same-origin'})).text();
  return new DOMParser().parseFromString(text, 'text/html').querySelector('ol.posts').outerHTML;
}"""


def normalised(html: str) -> str:
    """What legitimately differs: each form's fresh client id, the arrival animation."""
    html = re.sub(r'(name="client_id" value=")[^"]*"', r'\1"', html)
    html = html.replace(' live-new"', '"').replace("post-item live-new", "post-item")
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html))


async def set_profile(app: FastAPI, user: User, **fields: Any) -> None:
    async with app_state(app).database.session() as session:
        row = await session.get(User, user.id)
        assert row is not None
        for name, value in fields.items():
            setattr(row, name, value)
        session.add(row)
        await session.commit()


async def edit(app: FastAPI, post: Post, editor: User, body: str) -> None:
    async with app_state(app).database.session() as session:
        row = await session.get(Post, post.id)
        assert row is not None
        await threads.edit_post(session=session, post=row, editor=editor, body=body)
        await commit(session)


async def moderate(app: FastAPI, s: scenes.Scene, post: Post, action: PostAction) -> None:
    async with app_state(app).database.session() as session:
        row = await session.get(Post, post.id)
        assert row is not None
        await moderate_post(
            session=session,
            dialogue=s.dialogue,
            post=row,
            actor=s.organizer,
            action=action,
            reason="Names a person",
        )
        await commit(session)


async def reader_page(chromium: Any, server: LiveServer, user: User, path: str) -> Page:
    page, _watch = await open_page(chromium, server)
    await sign_in(page, email=user.email, next=path)
    await expect(page.locator("#live")).to_have_attribute("data-transport", "websocket")
    return page


async def alices_thread_as(
    chromium: Any, server: LiveServer, factory: Factory, reader: Callable[[scenes.Scene], User]
) -> tuple[scenes.Scene, Thread, Page]:
    """A scene, a thread Alice opened, and that thread's page open live as `reader` of it."""
    s = await scenes.scene(factory)
    thread, _opening = await scenes.start_thread(factory.app, s.dialogue, s.theme, s.alice)
    path = f"/d/{s.dialogue.slug}/threads/{thread.id}"
    return s, thread, await reader_page(chromium, server, reader(s), path)


class TestReplayedEventsMatchAFreshPage:
    async def test_created_edited_reacted_and_hidden_posts_match_a_fresh_render(
        self, chromium: Any, live_server: LiveServer, factory: Factory
    ) -> None:
        app = factory.app
        s = await scenes.scene(factory)
        # The reader's own language and timezone: the fragments must follow them as the page does.
        await set_profile(app, s.bob, language="pt", timezone="America/Sao_Paulo")
        thread, opening = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        bobs = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, body="Bob's view")
        await scenes.react(app, opening, s.bob, ReactionKind.AGREE)
        path = f"/d/{s.dialogue.slug}/threads/{thread.id}"
        page = await reader_page(chromium, live_server, s.bob, path)
        posts = page.locator("ol.posts")
        try:
            nested = await scenes.reply(
                app, s.dialogue, s.theme, thread, s.alice, body="Answer to Bob", parent=bobs
            )
            await expect(page.locator(f"#post-{bobs.id} ol.replies")).to_contain_text(
                "Answer to Bob"
            )
            hidden = await scenes.reply(
                app, s.dialogue, s.theme, thread, s.alice, body="Anonymous thought", anonymous=True
            )
            await expect(posts).to_contain_text("Anonymous thought")
            await edit(app, opening, s.alice, "Opening post, *revised*")
            await expect(posts).to_contain_text("Opening post, revised")
            await scenes.react(app, opening, s.organizer, ReactionKind.DISAGREE)
            await expect(page.locator(f"#post-{opening.id} [value=disagree] .count")).to_have_text(
                "1"
            )
            own = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, body="Second go")
            await expect(posts).to_contain_text("Second go")
            await moderate(app, s, hidden, PostAction.HIDE)
            await expect(posts).not_to_contain_text("Anonymous thought")

            live, fresh = await page.evaluate(POSTS_NOW), await page.evaluate(POSTS_FRESH)
            assert normalised(live) == normalised(fresh)
            # What the comparison stands on: the reader's language and timezone, the reader's
            # own reaction kept through an edit, edit and delete on the reader's own post.
            written = (await scenes.post_row(app, own.id or 0)).created_at
            local = written.replace(tzinfo=UTC).astimezone(ZoneInfo("America/Sao_Paulo"))
            assert format_datetime(local, "d MMM y, HH:mm", locale="pt") in live
            assert await page.locator(f"#post-{opening.id} .reaction.chosen").get_attribute(
                "value"
            ) == ("agree")
            assert await page.locator(f"#post-{own.id} a[href$='/edit']").count() == 1
            assert await page.locator(f"#post-{nested.id} a[href$='/edit']").count() == 0
        finally:
            await page.context.close()

    async def test_a_reader_who_may_not_react_sees_counts_arrive_as_a_fresh_page_shows_them(
        self, chromium: Any, live_server: LiveServer, factory: Factory
    ) -> None:
        # An observer's fragment leaves out zero counts and the empty actions row (every frame
        # carries them: docs/performance.md); live reactions must add the counts in order.
        app = factory.app
        s, thread, page = await alices_thread_as(
            chromium, live_server, factory, lambda scene: scene.observer
        )
        try:
            post = await scenes.reply(app, s.dialogue, s.theme, thread, s.alice, body="Read only")
            item = page.locator(f"#post-{post.id} > article")
            await expect(item).to_contain_text("Read only")
            assert await item.locator(".reactions, .post-actions").count() == 0
            await scenes.react(app, post, s.bob, ReactionKind.PASS)
            await scenes.react(app, post, s.alice, ReactionKind.AGREE)
            counts = item.locator(".reactions .reaction-count")
            await expect(counts).to_have_count(2)
            assert await counts.evaluate_all("es => es.map(e => e.dataset.kind)") == [
                "agree",
                "pass",
            ]
            live, fresh = await page.evaluate(POSTS_NOW), await page.evaluate(POSTS_FRESH)
            assert normalised(live) == normalised(fresh)
        finally:
            await page.context.close()

    async def test_an_anonymous_post_names_nobody_in_any_readers_fragment(
        self, chromium: Any, live_server: LiveServer, factory: Factory
    ) -> None:
        app = factory.app
        s = await scenes.scene(factory)
        thread, _opening = await scenes.start_thread(app, s.dialogue, s.theme, s.bob)
        path = f"/d/{s.dialogue.slug}/threads/{thread.id}"
        pages = [await reader_page(chromium, live_server, u, path) for u in (s.organizer, s.bob)]
        try:
            post = await scenes.reply(
                app,
                s.dialogue,
                s.theme,
                thread,
                s.alice,
                body="Said without a name",
                anonymous=True,
            )
            for page in pages:
                item = page.locator(f"#post-{post.id}")
                await expect(item).to_contain_text("Said without a name")
                html = await item.evaluate("e => e.outerHTML")
                assert s.alice.display_name not in html
                assert s.alice.email not in html
                assert not re.search(rf'data-[\w-]+="{s.alice.id}"', html)
                assert "Anonymous participant" in html
        finally:
            for page in pages:
                await page.context.close()


class TestLiveControls:
    async def test_a_live_post_takes_a_reaction_and_a_reply(
        self, chromium: Any, live_server: LiveServer, factory: Factory
    ) -> None:
        app = factory.app
        s, thread, page = await alices_thread_as(
            chromium, live_server, factory, lambda scene: scene.bob
        )
        try:
            post = await scenes.reply(
                app, s.dialogue, s.theme, thread, s.alice, body="Arrived live"
            )
            item = page.locator(f"#post-{post.id}")
            await expect(item).to_contain_text("Arrived live")
            await assert_accessible(page)

            # Reply to it from its own reply control: sent on the socket, shown live.
            await item.locator("details.reply > summary").click()
            await item.locator(f"#reply-{post.id}-body").fill("Replying to what just arrived")
            await item.locator("details.reply button[type=submit]").click()
            await expect(item.locator("ol.replies")).to_contain_text(
                "Replying to what just arrived"
            )

            # React to it: the plain form post, then the page shows the reaction as chosen.
            async with page.expect_navigation():
                await item.locator(".reaction[value=agree]").first.click()
            chosen = page.locator(f"#post-{post.id} > article .reaction.chosen")
            await expect(chosen).to_have_attribute("value", "agree")
            await expect(chosen.locator(".count")).to_have_text("1")
            assert await scenes.reaction_of(app, post, s.bob) == "agree"
        finally:
            await page.context.close()
