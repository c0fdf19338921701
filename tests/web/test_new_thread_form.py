"""Starting a thread through the theme page's form, without JavaScript: POST, then 303."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from dialogue.csrf import CSRF_FIELD
from dialogue.db import utcnow
from dialogue.threads.models import Post, Thread
from tests.factories import Factory
from tests.helpers import csrf_from
from tests.web import scenes
from tests.web.clients import submit, visitor
from tests.web.html import section, text


def theme_url(s: scenes.Scene) -> str:
    return f"/d/{s.dialogue.slug}/themes/{s.theme.id}"


def action(s: scenes.Scene) -> str:
    return f"/d/{s.dialogue.slug}/themes/{s.theme.id}/threads"


async def stored(app: FastAPI) -> tuple[int, int]:
    return await scenes.rows(app, Thread), await scenes.rows(app, Post)


class TestStartingAThread:
    async def test_post_then_redirect_to_the_new_thread(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.alice) as browser:
            answer = await submit(
                browser, theme_url(s), action(s),
                {"title": "Men as allies", "body": "Accountability means *listening*."},
            )  # fmt: skip
            assert answer.status_code == 303
            location = answer.headers["location"]
            assert location.startswith(f"/d/{s.dialogue.slug}/threads/")
            page = await browser.get(location)
        assert page.status_code == 200
        assert "<h1>Men as allies</h1>" in page.text
        assert "<em>listening</em>" in page.text
        assert "Alice Achieng" in text(page.text)
        thread_id = int(location.split("/threads/")[1].split("#")[0])
        (post,) = await scenes.posts_of(app, thread_id)
        assert location.endswith(f"#post-{post.id}")
        assert post.author_id == s.alice.id and not post.anonymous

    async def test_anonymous_thread_shows_no_name(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.alice) as browser:
            answer = await submit(
                browser, theme_url(s), action(s),
                {"title": "A hard story", "body": "It happened to us.", "anonymous": "true"},
            )  # fmt: skip
        async with visitor(app, s.organizer) as browser:
            page = await browser.get(answer.headers["location"])
            listing = await browser.get(theme_url(s))
        assert "Anonymous participant" in text(page.text)
        assert "Alice" not in page.text and "Alice" not in listing.text

    async def test_a_repeated_form_makes_one_thread(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.alice) as browser:
            shown = await browser.get(theme_url(s))
            form = section(shown.text, "new-thread-heading")
            client_id = form.split('name="client_id" value="')[1].split('"')[0]
            data = {CSRF_FIELD: csrf_from(shown.text), "client_id": client_id}
            data |= {"title": "Twice", "body": "Sent twice on a slow line."}
            first = await browser.post(action(s), data=data)
            second = await browser.post(action(s), data=data)
        assert first.status_code == second.status_code == 303
        assert first.headers["location"] == second.headers["location"]
        assert await stored(app) == (1, 1)

    async def test_script_in_markdown_is_shown_as_text(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        body = '<script>alert("x")</script> [click](javascript:alert(1)) <img src=x onerror=y>'
        async with visitor(app, s.alice) as browser:
            answer = await submit(browser, theme_url(s), action(s), {"title": "T", "body": body})
            page = await browser.get(answer.headers["location"])
        assert "<script>alert" not in page.text
        assert 'href="javascript' not in page.text
        assert "<img" not in page.text
        assert "&lt;script&gt;" in page.text


class TestRefusedForms:
    async def test_empty_title_shows_the_form_again_with_the_text(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.alice) as browser:
            answer = await submit(
                browser, theme_url(s), action(s), {"title": "   ", "body": "Keep my words."}
            )
        assert answer.status_code == 422
        form = section(answer.text, "new-thread-heading")
        assert 'role="alert"' in form and "A thread needs a title." in text(form)
        assert ">Keep my words.</textarea>" in form
        assert await stored(app) == (0, 0)

    async def test_too_long_body_and_title(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.alice) as browser:
            long_body = await submit(
                browser, theme_url(s), action(s), {"title": "T", "body": "x" * 20_001}
            )
            long_title = await submit(
                browser, theme_url(s), action(s), {"title": "t" * 201, "body": "fine"}
            )
        assert long_body.status_code == 422
        assert "A post can have at most 20000 characters." in text(long_body.text)
        assert long_title.status_code == 422
        assert "A title can have at most 200 characters." in text(long_title.text)
        assert await stored(app) == (0, 0)

    async def test_closed_theme_is_409_on_the_page(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        now = utcnow()
        s.theme = await factory.theme(
            s.dialogue, opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=2)
        )
        async with visitor(app, s.alice) as browser:
            page = await browser.get(theme_url(s))
            answer = await browser.post(
                action(s), data={CSRF_FIELD: csrf_from(page.text), "title": "T", "body": "B"}
            )
        assert answer.status_code == 409
        assert "This theme is not open for contributions." in text(answer.text)
        assert await stored(app) == (0, 0)

    async def test_member_without_the_code_is_sent_to_accept_it(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.newcomer) as browser:
            page = await browser.get(theme_url(s))
            answer = await browser.post(
                action(s), data={CSRF_FIELD: csrf_from(page.text), "title": "T", "body": "B"}
            )
        assert answer.status_code == 303
        assert answer.headers["location"] == (
            f"/d/{s.dialogue.slug}/conduct?next=/d/{s.dialogue.slug}/themes/{s.theme.id}"
        )
        assert await stored(app) == (0, 0)

    async def test_anonymous_where_not_allowed(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory, allow_anonymous=False)
        async with visitor(app, s.alice) as browser:
            answer = await submit(
                browser, theme_url(s), action(s), {"title": "T", "body": "B", "anonymous": "true"}
            )
        assert answer.status_code == 403
        assert "This dialogue does not allow anonymous posts." in text(answer.text)
        assert await stored(app) == (0, 0)

    async def test_damaged_client_id(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.alice) as browser:
            answer = await submit(
                browser, theme_url(s), action(s),
                {"title": "T", "body": "B", "client_id": "<bad id>"},
            )  # fmt: skip
        assert answer.status_code == 422
        assert await stored(app) == (0, 0)

    async def test_without_csrf_nothing_is_stored(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.alice) as browser:
            await browser.get(theme_url(s))
            answer = await browser.post(action(s), data={"title": "T", "body": "B"})
        assert answer.status_code == 403
        assert await stored(app) == (0, 0)

    async def test_who_may_not_post(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        hidden = await scenes.scene(factory, visibility="invite")
        outsider = await factory.user()
        cases = [(s, None, 401), (s, s.observer, 403), (s, outsider, 403)]
        cases.append((hidden, outsider, 404))
        for scene, user, status in cases:
            async with visitor(app, user) as browser:
                login = await browser.get("/login")
                answer = await browser.post(
                    action(scene),
                    data={CSRF_FIELD: csrf_from(login.text), "title": "T", "body": "B"},
                )
            assert answer.status_code == status, user
        assert await stored(app) == (0, 0)
