"""An operator's LibreTranslate server instead of Apertium (`DIALOGUE_TRANSLATE_URL`), here a
tiny fake one on this machine: its pairs decide the button, a missing pair goes through
Spanish, and what it answers is sanitised like any post."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from dialogue.app import create_app
from dialogue.config import Settings
from dialogue.state import app_state
from tests.factories import Factory
from tests.helpers import assert_error
from tests.servers import ThreadServer
from tests.web import scenes
from tests.web.clients import visitor


class FakeLibreTranslate:
    """English to Spanish and Spanish to French only; marks each step it made."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.app = Starlette(
            routes=[
                Route("/languages", self.languages),
                Route("/translate", self.translate, methods=["POST"]),
            ]
        )

    async def languages(self, request: Request) -> JSONResponse:
        return JSONResponse(
            [
                {"code": "en", "name": "English", "targets": ["en", "es"]},
                {"code": "es", "name": "Spanish", "targets": ["fr"]},
            ]
        )

    async def translate(self, request: Request) -> JSONResponse:
        asked = await request.json()
        self.calls.append(asked)
        text = asked["q"].replace("<p>", f"<p>[{asked['target']}] ", 1)
        if "attack" in text:
            text += '<script>alert(1)</script><a href="javascript:alert(2)">x</a>'
        return JSONResponse({"translatedText": text})


@pytest.fixture
def fake() -> Iterator[FakeLibreTranslate]:
    server = FakeLibreTranslate()
    running = ThreadServer(server.app).start()
    server.url = running.url  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        running.stop()


@pytest.fixture
async def libre_app(settings: Settings, fake: FakeLibreTranslate) -> AsyncIterator[FastAPI]:
    url: str = fake.url  # type: ignore[attr-defined]
    application = create_app(settings.model_copy(update={"translate_url": url}))
    async with application.router.lifespan_context(application):
        yield application


async def test_its_pairs_and_the_pivot_through_spanish(
    libre_app: FastAPI, factory: Factory, fake: FakeLibreTranslate
) -> None:
    assert app_state(libre_app).translator.pairs == {("en", "es"), ("es", "fr")}
    s = await scenes.scene(factory)
    _thread, post = await scenes.start_thread(
        libre_app, s.dialogue, s.theme, s.alice, body="A safe house for everyone.", lang="en"
    )
    async with visitor(libre_app) as browser:
        spanish = (await browser.get(f"/api/v1/posts/{post.id}/translation?to=es")).json()
        french = (await browser.get(f"/api/v1/posts/{post.id}/translation?to=fr")).json()
        portuguese = await browser.get(f"/api/v1/posts/{post.id}/translation?to=pt")
    assert spanish["engine"] == "libretranslate"
    assert spanish["body_html"] == "<p>[es] A safe house for everyone.</p>\n"
    assert french["body_html"] == "<p>[fr] [es] A safe house for everyone.</p>\n"
    assert [(c["source"], c["target"], c["format"]) for c in fake.calls] == [
        ("en", "es", "html"),
        ("en", "es", "html"),
        ("es", "fr", "html"),
    ]
    assert_error(portuguese, 409, "translation_unavailable")


async def test_what_it_answers_is_sanitised(
    libre_app: FastAPI, factory: Factory, fake: FakeLibreTranslate
) -> None:
    s = await scenes.scene(factory)
    _thread, post = await scenes.start_thread(
        libre_app, s.dialogue, s.theme, s.alice, body="An attack on the page.", lang="en"
    )
    async with visitor(libre_app) as browser:
        data = (await browser.get(f"/api/v1/posts/{post.id}/translation?to=es")).json()
    assert "<script" not in data["body_html"] and "javascript:" not in data["body_html"]
    assert data["body_html"].startswith("<p>[es] An attack on the page.</p>")


async def test_a_server_that_is_down_means_no_button(settings: Settings, factory: Factory) -> None:
    application = create_app(settings.model_copy(update={"translate_url": "http://127.0.0.1:9"}))
    async with application.router.lifespan_context(application):
        assert app_state(application).translator.pairs == frozenset()
        s = await scenes.scene(factory)
        thread, post = await scenes.start_thread(
            application, s.dialogue, s.theme, s.alice, body="Un texte en français.", lang="fr"
        )
        async with visitor(application) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}/threads/{thread.id}")
            answer = await browser.get(f"/api/v1/posts/{post.id}/translation?to=en")
    assert "translate-link" not in page.text
    assert_error(answer, 409, "translation_unavailable")
