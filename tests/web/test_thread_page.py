"""The thread page: nested posts, what each reader may see of each post, and paging."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI

from dialogue.threads.models import PostStatus, ReactionKind
from tests.factories import Factory
from tests.helpers import listening
from tests.web import scenes
from tests.web.clients import visitor
from tests.web.html import main, post_html, text


def thread_url(s: scenes.Scene, thread_id: int | None, query: str = "") -> str:
    return f"/d/{s.dialogue.slug}/threads/{thread_id}{query}"


def listed_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li class="post-item" id="post-(\d+)">', html)]


class TestNesting:
    async def test_replies_sit_inside_their_parent(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        second = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob)
        child = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, parent=first)
        grandchild = await scenes.reply(app, s.dialogue, s.theme, thread, s.alice, parent=child)
        async with visitor(app) as browser:
            page = await browser.get(thread_url(s, thread.id))
        html = page.text
        # Tree order: first, its reply, that reply's reply, then the later top-level post.
        assert listed_ids(html) == [first.id, child.id, grandchild.id, second.id]
        first_item = html[
            html.index(f'id="post-{first.id}"') : html.index(f'id="post-{second.id}"')
        ]
        assert '<ol class="replies level-1">' in first_item
        assert '<ol class="replies level-2">' in first_item

    async def test_deep_replies_share_the_deepest_indent_class(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, parent = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        for _ in range(10):
            parent = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, parent=parent)
        async with visitor(app) as browser:
            page = await browser.get(thread_url(s, thread.id))
        levels = [int(n) for n in re.findall(r'class="replies level-(\d+)"', page.text)]
        assert levels == [1, 2, 3, 4, 5, 6, 7, 8, 8, 8]


class TestWhatReadersSee:
    async def test_anonymous_posts_are_anonymous_to_everyone(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.bob)
        secret = await scenes.reply(
            app, s.dialogue, s.theme, thread, s.alice, parent=first, anonymous=True, body="Mine."
        )
        admin = await factory.user(is_admin=True)
        for user in (None, s.bob, s.organizer, admin, s.alice):
            async with visitor(app, user) as browser:
                page = await browser.get(thread_url(s, thread.id))
            post = post_html(page.text, secret.id or 0)
            assert "Anonymous participant" in text(post)
            assert "Alice" not in post

    async def test_own_pending_post_awaits_moderation_and_is_invisible_to_others(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory, moderation="pre")
        await scenes.update_membership(app, s.dialogue, s.alice, trusted=True)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        queued = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, body="In the queue")
        assert queued.status == PostStatus.PENDING
        async with visitor(app, s.bob) as browser:
            own = await browser.get(thread_url(s, thread.id))
        async with visitor(app, s.alice) as browser:
            other = await browser.get(thread_url(s, thread.id))
        async with visitor(app, s.organizer) as browser:
            staff = await browser.get(thread_url(s, thread.id))
        assert "Awaiting moderation" in text(post_html(own.text, queued.id or 0))
        assert "In the queue" in own.text and "In the queue" in staff.text
        assert "In the queue" not in other.text
        assert listed_ids(other.text) == [first.id]

    async def test_moderated_post_with_replies_leaves_a_dated_placeholder(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        hidden = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, body="Hurtful words")
        answer = await scenes.reply(
            app, s.dialogue, s.theme, thread, s.alice, parent=hidden, body="A calm answer"
        )
        lonely = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, body="Also hidden")
        await scenes.set_status(app, hidden, PostStatus.HIDDEN)
        await scenes.set_status(app, lonely, PostStatus.REJECTED)
        async with visitor(app, s.alice) as browser:
            page = await browser.get(thread_url(s, thread.id))
        placeholder = text(post_html(page.text, hidden.id or 0))
        assert placeholder.startswith("Moderated on ")
        assert "Hurtful words" not in page.text and "Bob Banda" not in placeholder
        assert "A calm answer" in text(post_html(page.text, answer.id or 0))
        assert "Also hidden" not in page.text
        assert listed_ids(page.text) == [first.id, hidden.id, answer.id]

    async def test_deleted_post_with_replies_says_deleted(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        gone = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, body="Regretted")
        await scenes.reply(app, s.dialogue, s.theme, thread, s.alice, parent=gone)
        await scenes.set_status(app, gone, PostStatus.DELETED)
        async with visitor(app, s.bob) as browser:
            page = await browser.get(thread_url(s, thread.id))
        assert text(post_html(page.text, gone.id or 0)) == "This post was deleted."
        assert "Regretted" not in page.text

    async def test_reactions_show_counts_and_the_callers_choice(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        await scenes.react(app, first, s.bob, ReactionKind.AGREE)
        await scenes.react(app, first, s.alice, ReactionKind.PASS)
        async with visitor(app, s.bob) as browser:
            bob_page = await browser.get(thread_url(s, thread.id))
        async with visitor(app) as browser:
            public = await browser.get(thread_url(s, thread.id))
        post = post_html(bob_page.text, first.id or 0)
        assert re.search(r'value="agree"[^>]*aria-pressed="true"', post)
        assert re.search(r'value="pass"[^>]*aria-pressed="false"', post)
        assert "Agree 1" in text(post) and "Disagree 0" in text(post) and "Pass 1" in text(post)
        read_only = post_html(public.text, first.id or 0)
        assert "<button" not in read_only and "Agree 1" in text(read_only)

    async def test_edit_and_delete_only_on_own_posts(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        other = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob)
        async with visitor(app, s.alice) as browser:
            page = await browser.get(thread_url(s, thread.id))
        assert f"/posts/{first.id}/edit" in post_html(page.text, first.id or 0)
        assert f"/posts/{first.id}/delete" in post_html(page.text, first.id or 0)
        assert "/edit" not in post_html(page.text, other.id or 0)

    async def test_reply_forms_only_for_those_who_may_post(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        async with visitor(app, s.bob) as browser:
            member = await browser.get(thread_url(s, thread.id))
        async with visitor(app, s.observer) as browser:
            observer = await browser.get(thread_url(s, thread.id))
        async with visitor(app, s.newcomer) as browser:
            newcomer = await browser.get(thread_url(s, thread.id))
        assert member.text.count('<details class="reply"') == 1
        assert f'name="parent_id" value="{first.id}"' in member.text
        assert 'id="reply-thread-body"' in member.text
        for page in (observer, newcomer):
            assert 'class="reply"' not in page.text and "post-form" not in page.text
        assert "read but not post" in text(main(observer.text))
        assert "Read and accept the code of conduct" in text(main(newcomer.text))

    async def test_the_anonymous_choice_says_what_it_does_not_hide(
        self, app: FastAPI, factory: Factory
    ) -> None:
        """Being online when an anonymous post appears can point to its author: the thread's
        and theme's forms say so once, and how to avoid it; the reply forms under each post
        do not repeat it."""
        s = await scenes.scene(factory)
        thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        async with visitor(app, s.bob) as browser:
            page = await browser.get(thread_url(s, thread.id))
            theme = await browser.get(f"/d/{s.dialogue.slug}/themes/{s.theme.id}")
        for html, fid in ((page.text, "reply-thread"), (theme.text, "new-thread")):
            assert html.count('name="anonymous"') >= 1
            hint = re.search(rf'<p class="hint" id="{fid}-anonymous-hint">([^<]*)</p>', html)
            assert hint and "online" in hint.group(1), html
            assert f'aria-describedby="{fid}-anonymous-hint"' in html
            assert len(re.findall(r'id="[^"]*-anonymous-hint"', html)) == 1


class TestWhoMaySee:
    async def test_invite_thread_is_404_for_outsiders(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory, visibility="invite")
        thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice, title="Ours")
        for user in (None, await factory.user()):
            async with visitor(app, user) as browser:
                page = await browser.get(thread_url(s, thread.id))
            assert page.status_code == 404
            assert "Ours" not in page.text

    async def test_thread_under_another_dialogue_slug_is_404(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        other = await scenes.scene(factory)
        thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        async with visitor(app) as browser:
            page = await browser.get(f"/d/{other.dialogue.slug}/threads/{thread.id}")
            junk = await browser.get(f"/d/{s.dialogue.slug}/threads/not-a-number")
        assert page.status_code == 404 and junk.status_code == 404

    async def test_others_pending_thread_is_404(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.bob, title="Queued")
        await scenes.set_status(app, first, PostStatus.PENDING)
        await scenes.set_thread_status(app, thread, PostStatus.PENDING)
        async with visitor(app, s.alice) as browser:
            other = await browser.get(thread_url(s, thread.id))
        async with visitor(app, s.bob) as browser:
            own = await browser.get(thread_url(s, thread.id))
        assert other.status_code == 404 and own.status_code == 200


@contextmanager
def counted_queries(app: FastAPI) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    with listening(app, "before_cursor_execute", count):
        yield statements


class TestPaging:
    async def test_fifty_posts_then_a_more_link(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        ids = [first.id, *await scenes.many_replies(app, s.dialogue, s.theme, thread, s.bob, 59)]
        async with visitor(app) as browser:
            page_one = await browser.get(thread_url(s, thread.id))
            more = re.search(r'<a class="more" href="([^"]+)"', page_one.text)
            assert more is not None
            page_two = await browser.get(more.group(1))
        assert listed_ids(page_one.text) == ids[:50]
        assert more.group(1) == thread_url(s, thread.id, f"?after_id={ids[49]}")
        assert listed_ids(page_two.text) == ids[50:]
        assert 'class="more"' not in page_two.text
        assert "From the beginning of the thread" in text(page_two.text)

    async def test_a_reply_whose_parent_is_on_an_earlier_page_links_to_it(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        ids = await scenes.many_replies(app, s.dialogue, s.theme, thread, s.bob, 55)
        late = await scenes.reply(app, s.dialogue, s.theme, thread, s.alice, parent=first)
        async with visitor(app) as browser:
            page = await browser.get(thread_url(s, thread.id, f"?after_id={ids[50]}"))
        post = post_html(page.text, late.id or 0)
        link = f"/d/{s.dialogue.slug}/threads/{thread.id}?after_id={(first.id or 0) - 1}"
        assert f'href="{link}#post-{first.id}"' in post
        assert "In reply to an earlier post" in text(post)

    async def test_page_cost_does_not_grow_with_the_thread(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        small, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        await scenes.many_replies(app, s.dialogue, s.theme, small, s.bob, 55)
        big, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        await scenes.many_replies(app, s.dialogue, s.theme, big, s.bob, 250)
        async with visitor(app, s.alice) as browser:
            await browser.get(thread_url(s, small.id))  # warm up: CSRF cookie, caches
            with counted_queries(app) as small_queries:
                small_page = await browser.get(thread_url(s, small.id))
            with counted_queries(app) as big_queries:
                big_page = await browser.get(thread_url(s, big.id))
        assert len(big_queries) == len(small_queries) <= 12, big_queries
        assert len(listed_ids(small_page.text)) == len(listed_ids(big_page.text)) == 50


class TestExactlyFullPage:
    async def test_fifty_posts_fill_one_page_without_a_more_link(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        ids = [first.id, *await scenes.many_replies(app, s.dialogue, s.theme, thread, s.bob, 49)]
        async with visitor(app) as browser:
            page = await browser.get(thread_url(s, thread.id))
        assert listed_ids(page.text) == ids
        assert 'class="more"' not in page.text
