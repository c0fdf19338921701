"""Posts across languages with the real Apertium packages: English to Spanish, Spanish to
Portuguese, French to English through Spanish; labelled, the original one click away, cached,
and shown to exactly those who may read the post."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from dialogue.accounts.models import TokenKind, User
from dialogue.threads.models import PostStatus
from dialogue.translation.models import PostTranslation
from tests.factories import Factory
from tests.helpers import assert_error, session_token
from tests.services import in_ci
from tests.web import scenes
from tests.web.clients import visitor

# Without Apertium these skip, except under CI=true, where .ci/run installs it: they fail.
pytestmark = pytest.mark.skipif(
    shutil.which("apertium") is None and not in_ci(), reason="Apertium is installed by .ci/run"
)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """No connection may leave the machine: any attempt (but to this host) fails the test."""
    attempts: list[Any] = []
    connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in ("127.0.0.1", "::1", "localhost"):
            attempts.append(address)
            raise OSError("network blocked by the test")
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield attempts
    assert attempts == []


async def reader(factory: Factory, s: scenes.Scene, language: str) -> User:
    return await factory.member(s.dialogue, "participant", language=language)


async def translated(app: FastAPI, user: User | None, post_id: int, to: str) -> dict[str, Any]:
    async with visitor(app, user) as browser:
        answer = await browser.get(f"/api/v1/posts/{post_id}/translation", params={"to": to})
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


class TestRealApertium:
    async def test_english_to_spanish_labelled_with_the_original_one_click_away(
        self, app: FastAPI, factory: Factory, offline: list[Any]
    ) -> None:
        s = await scenes.scene(factory)
        thread, post = await scenes.start_thread(
            app, s.dialogue, s.theme, s.alice, body="The women **want** a safe house."
        )
        assert post.lang == "en"
        carmen = await reader(factory, s, "es")
        url = f"/d/{s.dialogue.slug}/threads/{thread.id}"
        async with visitor(app, carmen) as browser:
            page = (await browser.get(url)).text
            assert '<div class="post-body prose" lang="en">' in page
            link = f"/d/{s.dialogue.slug}/posts/{post.id}/translation?to=es"
            assert f'href="{link}"' in page
            assert "Traducir" in page
            shown = await browser.get(link)
        assert shown.status_code == 200
        assert 'lang="es"' in shown.text
        assert "<strong>" in shown.text and "mujeres" in shown.text  # markup kept, words translated
        assert "Traducción automática del inglés al español" in shown.text
        assert f'href="{url}#post-{post.id}"' in shown.text  # the original

        data = await translated(app, carmen, post.id or 0, "es")
        assert data["source"] == "en" and data["target"] == "es"
        assert data["engine"] == "apertium" and data["machine"] is True
        assert data["cached"] is True  # the page made it; the API found it kept
        assert "mujeres" in data["body_html"]

    async def test_spanish_to_portuguese(
        self, app: FastAPI, factory: Factory, offline: list[Any]
    ) -> None:
        s = await scenes.scene(factory)
        _thread, post = await scenes.start_thread(
            app,
            s.dialogue,
            s.theme,
            s.alice,
            body="La violencia contra las mujeres es un problema de todos.",
        )
        assert post.lang == "es"
        data = await translated(app, await reader(factory, s, "pt"), post.id or 0, "pt")
        assert data["source"] == "es" and data["target"] == "pt"
        assert "violência contra as mulheres" in data["body_html"]

    async def test_french_to_english_goes_through_spanish(
        self, app: FastAPI, factory: Factory, offline: list[Any]
    ) -> None:
        s = await scenes.scene(factory)
        _thread, post = await scenes.start_thread(
            app,
            s.dialogue,
            s.theme,
            s.alice,
            body="Les femmes demandent une maison sûre pour leurs enfants.",
        )
        assert post.lang == "fr"
        data = await translated(app, s.bob, post.id or 0, "en")  # Bob reads English
        assert data["source"] == "fr" and data["target"] == "en"
        assert "women" in data["body_html"].lower() and "house" in data["body_html"]


class TestCache:
    async def test_kept_once_and_made_again_after_an_edit(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        _thread, post = await scenes.start_thread(
            app, s.dialogue, s.theme, s.alice, body="We need more shelters in the north."
        )
        first = await translated(app, None, post.id or 0, "es")
        again = await translated(app, None, post.id or 0, "es")
        assert (first["cached"], again["cached"]) == (False, True)
        assert first["body_html"] == again["body_html"]
        assert await scenes.rows(app, PostTranslation) == 1
        token = await session_token(app, s.alice, kind=TokenKind.API)
        async with visitor(app) as browser:
            edited = await browser.patch(
                f"/api/v1/posts/{post.id}",
                json={"body": "We need more schools in the south."},
                headers={"Authorization": f"Bearer {token}"},
            )
        assert edited.status_code == 200, edited.text
        assert await scenes.rows(app, PostTranslation) == 0  # the old words are not kept
        fresh = await translated(app, None, post.id or 0, "es")
        assert fresh["cached"] is False and "escuelas" in fresh["body_html"]
        assert await scenes.rows(app, PostTranslation) == 1

    async def test_a_deleted_post_leaves_no_translation(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        _thread, post = await scenes.start_thread(
            app, s.dialogue, s.theme, s.alice, body="Something I regret writing here."
        )
        await translated(app, None, post.id or 0, "es")
        token = await session_token(app, s.alice, kind=TokenKind.API)
        async with visitor(app) as browser:
            gone = await browser.delete(
                f"/api/v1/posts/{post.id}", headers={"Authorization": f"Bearer {token}"}
            )
            answer = await browser.get(f"/api/v1/posts/{post.id}/translation?to=es")
        assert gone.status_code == 204
        assert await scenes.rows(app, PostTranslation) == 0
        assert answer.status_code == 404


class TestWhoSees:
    async def test_a_pending_post_only_to_its_author_and_staff(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        _thread, post = await scenes.start_thread(
            app, s.dialogue, s.theme, s.alice, body="A long text about safety at work."
        )
        await scenes.set_status(app, post, PostStatus.PENDING)
        for user in (None, s.bob):
            async with visitor(app, user) as browser:
                answer = await browser.get(f"/api/v1/posts/{post.id}/translation?to=es")
                page = await browser.get(f"/d/{s.dialogue.slug}/posts/{post.id}/translation?to=es")
            assert_error(answer, 404, "not_found")
            assert page.status_code == 404
        assert (await translated(app, s.alice, post.id or 0, "es"))["target"] == "es"
        assert (await translated(app, s.organizer, post.id or 0, "es"))["target"] == "es"

    async def test_an_invite_dialogue_hides_its_posts_from_outsiders(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory, visibility="invite")
        _thread, post = await scenes.start_thread(
            app, s.dialogue, s.theme, s.alice, body="Members only talk about the shelters."
        )
        outsider = await factory.user(language="es")
        async with visitor(app, outsider) as browser:
            answer = await browser.get(f"/api/v1/posts/{post.id}/translation?to=es")
        assert_error(answer, 404, "not_found")

    async def test_an_anonymous_post_translates_its_words_only(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        _thread, post = await scenes.start_thread(
            app,
            s.dialogue,
            s.theme,
            s.alice,
            body="I was afraid to speak at the meeting.",
            anonymous=True,
        )
        data = await translated(app, s.organizer, post.id or 0, "es")
        assert set(data) == {
            "post_id", "source", "target", "engine", "machine", "body_html", "cached"
        }  # fmt: skip
        assert "Alice" not in str(data) and str(s.alice.id) not in str(data["body_html"])
        async with visitor(app, s.organizer) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}/posts/{post.id}/translation?to=es")
        assert "Alice" not in page.text


class TestNoEngine:
    async def test_no_button_and_a_409_where_no_engine_goes(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, post = await scenes.start_thread(
            app, s.dialogue, s.theme, s.alice, body="Wir brauchen mehr Frauenhäuser.", lang="de"
        )
        french = await reader(factory, s, "fr")
        async with visitor(app, french) as browser:
            page = (await browser.get(f"/d/{s.dialogue.slug}/threads/{thread.id}")).text
            answer = await browser.get(f"/api/v1/posts/{post.id}/translation?to=fr")
        assert 'lang="de"' in page
        assert "translate-link" not in page
        assert_error(answer, 409, "translation_unavailable")

    async def test_no_button_in_the_readers_own_language(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, post = await scenes.start_thread(
            app, s.dialogue, s.theme, s.alice, body="A post in the reader's own language."
        )
        async with visitor(app, s.bob) as browser:
            page = (await browser.get(f"/d/{s.dialogue.slug}/threads/{thread.id}")).text
            answer = await browser.get(f"/api/v1/posts/{post.id}/translation?to=en")
        assert "translate-link" not in page
        assert_error(answer, 409, "translation_unavailable")

    async def test_a_malformed_language_is_refused(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        _thread, post = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        async with visitor(app) as browser:
            answer = await browser.get(f"/api/v1/posts/{post.id}/translation?to=<script>")
            missing = await browser.get(f"/api/v1/posts/{post.id}/translation")
        assert_error(answer, 422, "invalid")
        assert_error(missing, 422, "invalid")
