"""The site header on every page: the signed-in person's name and notifications, and the
language switcher that works for everyone without JavaScript."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from dialogue.accounts.models import User
from dialogue.csrf import CSRF_FIELD
from dialogue.state import app_state
from tests.factories import Factory
from tests.web import scenes
from tests.web.clients import page_csrf, submit, visitor
from tests.web.html import text


def header(html: str) -> str:
    return html[html.index("<header") : html.index("</header>")]


async def language_of(app: FastAPI, user: User) -> str:
    async with app_state(app).database.session() as session:
        row = await session.get(User, user.id)
        assert row is not None
        return row.language


class TestSignedInHeader:
    async def test_name_links_to_the_profile_with_notifications_and_sign_out(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user(display_name="Amina <Diallo>")
        async with visitor(app, user) as browser:
            page = await browser.get("/")
        top = header(page.text)
        assert '<a class="who" href="/me">Amina &lt;Diallo&gt;</a>' in top
        assert 'href="/notifications"' in top and "unread" not in text(top)
        assert 'action="/logout"' in top

    async def test_the_unread_count(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        _thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        second = await scenes.reply(app, s.dialogue, s.theme, _thread, s.alice)
        await scenes.moderate(app, s.organizer, first, "hide", reason="x")
        await scenes.moderate(app, s.organizer, second, "hide", reason="y")
        async with visitor(app, s.alice) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}")
        top = header(page.text)
        assert '<span class="badge count" aria-hidden="true">2</span>' in top
        assert "2 unread" in text(top)
        async with visitor(app, s.bob) as browser:
            other = await browser.get(f"/d/{s.dialogue.slug}")
        assert "unread" not in text(header(other.text))

    async def test_a_visitor_sees_sign_in_and_no_personal_links(self, app: FastAPI) -> None:
        async with visitor(app) as browser:
            page = await browser.get("/")
        top = header(page.text)
        assert 'href="/login"' in top
        assert 'href="/me"' not in top and 'href="/notifications"' not in top


class TestLanguageSwitcher:
    async def test_every_page_has_the_form(self, app: FastAPI) -> None:
        async with visitor(app) as browser:
            page = await browser.get("/login?next=/d/x")
        top = header(page.text)
        assert 'action="/language"' in top and f'name="{CSRF_FIELD}"' in top
        assert 'name="next" value="/login?next=/d/x"' in top
        assert '<option value="fr" lang="fr">Français</option>' in top
        assert '<option value="en" lang="en" selected>English</option>' in top

    async def test_a_visitor_gets_the_cookie_and_the_page_in_that_language(
        self, app: FastAPI
    ) -> None:
        async with visitor(app) as browser:
            answer = await submit(browser, "/", "/language", {"language": "es", "next": "/login"})
            assert answer.status_code == 303 and answer.headers["location"] == "/login"
            assert "dialogue_lang=es" in answer.headers["set-cookie"]
            page = await browser.get("/login")
        assert '<html lang="es">' in page.text

    async def test_the_cookie_wins_over_accept_language(self, app: FastAPI) -> None:
        async with visitor(app) as browser:
            await submit(browser, "/", "/language", {"language": "pt", "next": "/"})
            page = await browser.get("/", headers={"Accept-Language": "fr"})
        assert '<html lang="pt">' in page.text

    async def test_a_signed_in_person_keeps_it_in_the_profile(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user(language="en")
        async with visitor(app, user) as browser:
            answer = await submit(browser, "/", "/language", {"language": "fr", "next": "/me"})
            assert answer.status_code == 303
        assert await language_of(app, user) == "fr"
        # The profile wins over a cookie left in another browser.
        async with visitor(app, user) as other:
            other.cookies.set("dialogue_lang", "es")
            page = await other.get("/")
        assert '<html lang="fr">' in page.text

    @pytest.mark.parametrize(
        "target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:x"]
    )
    async def test_next_never_leaves_the_site(self, app: FastAPI, target: str) -> None:
        async with visitor(app) as browser:
            answer = await submit(browser, "/", "/language", {"language": "fr", "next": target})
        assert answer.status_code == 303 and answer.headers["location"] == "/"

    async def test_an_unknown_language_changes_nothing(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user(language="pt")
        async with visitor(app, user) as browser:
            answer = await submit(browser, "/", "/language", {"language": "xx", "next": "/"})
        assert answer.status_code == 303
        assert "dialogue_lang" not in answer.headers.get("set-cookie", "")
        assert await language_of(app, user) == "pt"

    async def test_without_the_csrf_token_nothing_changes(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user(language="en")
        async with visitor(app, user) as browser:
            page = await browser.get("/")
            assert page_csrf(page.text)
            answer = await browser.post(
                "/language", data={"language": "fr", "next": "/", CSRF_FIELD: "forged"}
            )
        assert answer.status_code == 403
        assert await language_of(app, user) == "en"
