"""Replying, reacting, editing and deleting through the thread page's forms, without
JavaScript: each a POST answered by a 303 back to the post, or the form again with why."""

from __future__ import annotations

from fastapi import FastAPI

from dialogue.csrf import CSRF_FIELD
from dialogue.threads.models import Post, PostRevision, PostStatus, Reaction
from tests.factories import Factory
from tests.helpers import csrf_from
from tests.web import scenes
from tests.web.clients import submit, visitor
from tests.web.html import post_html, section, text


def page_of(s: scenes.Scene, thread_id: int | None) -> str:
    return f"/d/{s.dialogue.slug}/threads/{thread_id}"


class TestReplying:
    async def test_reply_to_a_post_then_back_at_it(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        async with visitor(app, s.bob) as browser:
            answer = await submit(
                browser, page_of(s, thread.id), f"{page_of(s, thread.id)}/posts",
                {"body": "I agree, and *more*.", "parent_id": str(first.id)},
            )  # fmt: skip
            assert answer.status_code == 303
            page = await browser.get(answer.headers["location"])
        posts = await scenes.posts_of(app, thread.id or 0)
        reply = posts[-1]
        assert reply.parent_id == first.id and reply.author_id == s.bob.id
        assert answer.headers["location"] == f"{page_of(s, thread.id)}#post-{reply.id}"
        assert "<em>more</em>" in post_html(page.text, reply.id or 0)

    async def test_reply_in_a_long_thread_lands_on_a_page_that_shows_it(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        await scenes.many_replies(app, s.dialogue, s.theme, thread, s.bob, 60)
        async with visitor(app, s.bob) as browser:
            answer = await submit(
                browser, page_of(s, thread.id), f"{page_of(s, thread.id)}/posts",
                {"body": "Late to the party", "parent_id": str(first.id)},
            )  # fmt: skip
            page = await browser.get(answer.headers["location"])
        reply = (await scenes.posts_of(app, thread.id or 0))[-1]
        assert answer.headers["location"] == (
            f"{page_of(s, thread.id)}?after_id={(reply.id or 0) - 1}#post-{reply.id}"
        )
        assert "Late to the party" in post_html(page.text, reply.id or 0)

    async def test_anonymous_reply(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        async with visitor(app, s.bob) as browser:
            answer = await submit(
                browser, page_of(s, thread.id), f"{page_of(s, thread.id)}/posts",
                {"body": "Quietly", "anonymous": "true"},
            )  # fmt: skip
            page = await browser.get(answer.headers["location"])
        reply = (await scenes.posts_of(app, thread.id or 0))[-1]
        assert reply.anonymous
        assert "Anonymous participant" in text(post_html(page.text, reply.id or 0))

    async def test_empty_reply_shows_that_form_again(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        async with visitor(app, s.bob) as browser:
            answer = await submit(
                browser, page_of(s, thread.id), f"{page_of(s, thread.id)}/posts",
                {"body": "   ", "parent_id": str(first.id)},
            )  # fmt: skip
        assert answer.status_code == 422
        post = answer.text[answer.text.index(f'id="post-{first.id}"') :]
        assert '<details class="reply" open>' in post
        assert "A post cannot be empty." in text(post.split("</details>")[0])
        assert "A post cannot be empty." not in text(section(answer.text, "reply-heading"))
        assert await scenes.rows(app, Post) == 1

    async def test_too_long_reply_keeps_the_text(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        async with visitor(app, s.bob) as browser:
            answer = await submit(
                browser, page_of(s, thread.id), f"{page_of(s, thread.id)}/posts",
                {"body": "y" * 20_001},
            )  # fmt: skip
        assert answer.status_code == 422
        form = section(answer.text, "reply-heading")
        assert "A post can have at most 20000 characters." in text(form)
        assert "y" * 20_001 + "</textarea>" in form
        assert await scenes.rows(app, Post) == 1

    async def test_reply_to_a_post_of_another_thread(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        _other, elsewhere = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        async with visitor(app, s.bob) as browser:
            answer = await submit(
                browser, page_of(s, thread.id), f"{page_of(s, thread.id)}/posts",
                {"body": "Crossed wires", "parent_id": str(elsewhere.id)},
            )  # fmt: skip
        assert answer.status_code == 422
        bottom = section(answer.text, "reply-heading")
        assert "You can only reply to a post of the same thread." in text(bottom)
        assert "Crossed wires</textarea>" in bottom
        assert await scenes.rows(app, Post) == 2

    async def test_newcomer_is_sent_to_the_code_and_back(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        async with visitor(app, s.newcomer) as browser:
            page = await browser.get(page_of(s, thread.id))
            answer = await browser.post(
                f"{page_of(s, thread.id)}/posts",
                data={CSRF_FIELD: csrf_from(page.text), "body": "Hello"},
            )
        assert answer.status_code == 303
        assert answer.headers["location"] == (
            f"/d/{s.dialogue.slug}/conduct?next={page_of(s, thread.id)}"
        )
        assert await scenes.rows(app, Post) == 1


class TestReacting:
    async def test_react_then_change_the_reaction(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        url = f"/d/{s.dialogue.slug}/posts/{first.id}/reaction"
        async with visitor(app, s.bob) as browser:
            agree = await submit(browser, page_of(s, thread.id), url, {"kind": "agree"})
            assert agree.status_code == 303
            assert agree.headers["location"] == f"{page_of(s, thread.id)}#post-{first.id}"
            assert await scenes.reaction_of(app, first, s.bob) == "agree"
            change = await submit(
                browser, page_of(s, thread.id), url, {"kind": "disagree", "after_id": "0"}
            )
            page = await browser.get(change.headers["location"])
        assert change.headers["location"] == (f"{page_of(s, thread.id)}?after_id=0#post-{first.id}")
        assert await scenes.reaction_of(app, first, s.bob) == "disagree"
        assert await scenes.rows(app, Reaction) == 1
        assert "Disagree 1" in text(post_html(page.text, first.id or 0))

    async def test_unknown_kind_is_refused(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        url = f"/d/{s.dialogue.slug}/posts/{first.id}/reaction"
        async with visitor(app, s.bob) as browser:
            answer = await submit(browser, page_of(s, thread.id), url, {"kind": "love"})
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("text/html")
        assert await scenes.rows(app, Reaction) == 0

    async def test_who_may_not_react(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        url = f"/d/{s.dialogue.slug}/posts/{first.id}/reaction"
        for user, status in ((None, 401), (s.observer, 403), (await factory.user(), 403)):
            async with visitor(app, user) as browser:
                answer = await submit(browser, page_of(s, thread.id), url, {"kind": "agree"})
            assert answer.status_code == status
        async with visitor(app, s.bob) as browser:
            await browser.get(page_of(s, thread.id))
            forged = await browser.post(url, data={"kind": "agree"})
        assert forged.status_code == 403
        assert await scenes.rows(app, Reaction) == 0


class TestEditingAndDeleting:
    async def test_edit_own_post_keeps_the_old_text(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice, body="Old")
        edit = f"/d/{s.dialogue.slug}/posts/{first.id}/edit"
        async with visitor(app, s.alice) as browser:
            form = await browser.get(edit)
            assert form.status_code == 200 and ">Old</textarea>" in form.text
            answer = await submit(browser, edit, edit, {"body": "New and better"})
            page = await browser.get(answer.headers["location"])
        assert answer.status_code == 303
        assert answer.headers["location"] == f"{page_of(s, thread.id)}#post-{first.id}"
        assert (await scenes.post_row(app, first.id or 0)).body == "New and better"
        assert await scenes.rows(app, PostRevision, PostRevision.post_id == first.id) == 1
        assert "edited" in text(post_html(page.text, first.id or 0))

    async def test_empty_edit_shows_the_form_again(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        _thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice, body="Old")
        edit = f"/d/{s.dialogue.slug}/posts/{first.id}/edit"
        async with visitor(app, s.alice) as browser:
            answer = await submit(browser, edit, edit, {"body": ""})
        assert answer.status_code == 422
        assert "A post cannot be empty." in text(answer.text)
        assert (await scenes.post_row(app, first.id or 0)).body == "Old"

    async def test_nobody_edits_or_deletes_someone_elses_post(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice, body="Mine")
        base = f"/d/{s.dialogue.slug}/posts/{first.id}"
        async with visitor(app, s.bob) as browser:
            assert (await browser.get(f"{base}/edit")).status_code == 403
            edit = await submit(browser, page_of(s, thread.id), f"{base}/edit", {"body": "Hacked"})
            delete = await submit(browser, page_of(s, thread.id), f"{base}/delete", {})
        assert edit.status_code == 403 and delete.status_code == 403
        row = await scenes.post_row(app, first.id or 0)
        assert row.body == "Mine" and row.status == PostStatus.PUBLISHED

    async def test_delete_own_post(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, parent=first)
        async with visitor(app, s.alice) as browser:
            answer = await submit(
                browser, page_of(s, thread.id), f"/d/{s.dialogue.slug}/posts/{first.id}/delete", {}
            )
            page = await browser.get(answer.headers["location"])
            again = await browser.get(f"/d/{s.dialogue.slug}/posts/{first.id}/edit")
        assert answer.status_code == 303
        row = await scenes.post_row(app, first.id or 0)
        assert row.status == PostStatus.DELETED and row.body == ""
        assert text(post_html(page.text, first.id or 0)) == "This post was deleted."
        assert again.status_code == 404
