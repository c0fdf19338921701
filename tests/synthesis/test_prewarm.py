"""Posts are embedded in the background as they are published and edited, off the request
path, so that a first report finds every post's vector cached (`synthesis.prewarm`)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select

from dialogue.app import create_app, embeds_in_background
from dialogue.config import Settings
from dialogue.state import app_state
from dialogue.synthesis import embeddings, prewarm
from dialogue.synthesis.loader import plain
from dialogue.synthesis.prewarm import EmbeddingWarmer
from dialogue.threads.models import Post
from tests.factories import Factory

pytestmark = pytest.mark.skipif(not embeddings.available(), reason="no embeddings package")


@pytest.fixture
async def warming_app(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FastAPI]:
    monkeypatch.setenv("DIALOGUE_EMBEDDING_CACHE", str(tmp_path / "vectors.sqlite3"))
    monkeypatch.setattr(prewarm, "SETTLE_SECONDS", 0.05)
    application = create_app(settings.model_copy(update={"embed_posts_in_background": True}))
    async with application.router.lifespan_context(application):
        yield application


async def until(check: Callable[[], bool], seconds: float = 30.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the warmer did not get there in time")


def test_on_by_default_off_in_tests_unless_asked() -> None:
    assert embeds_in_background(Settings(environment="production", secret_key="x" * 40))
    assert not embeds_in_background(Settings(environment="test"))
    assert embeds_in_background(Settings(environment="test", embed_posts_in_background=True))
    assert not embeds_in_background(Settings(embed_posts_in_background=False))


async def test_published_and_edited_posts_are_embedded_before_any_report(
    db_kind: str, warming_app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmer = app_state(warming_app).embedding_warmer
    assert isinstance(warmer, EmbeddingWarmer)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=warming_app), base_url="http://testserver"
    ) as client:
        factory = Factory(app=warming_app, client=client)
        dialogue = await factory.dialogue()
        theme = await factory.theme(dialogue)
        author = await factory.member(dialogue, "participant")
        headers = await factory.auth(author)
        body = f"Fund women's organisations first, {uuid.uuid4().hex}."
        created = await client.post(
            f"/api/v1/themes/{theme.id}/threads",
            json={"title": "Funding", "body": body, "client_id": str(uuid.uuid4())},
            headers=headers,
        )
        assert created.status_code == 201, created.text
        await until(lambda: warmer.embedded >= 1)
        async with factory.session() as session:
            post = (
                await session.exec(select(Post).where(Post.thread_id == created.json()["id"]))
            ).one()
        edited = await client.patch(
            f"/api/v1/posts/{post.id}", json={"body": body + " And share budgets."}, headers=headers
        )
        assert edited.status_code == 200, edited.text
        await until(lambda: warmer.embedded >= 2)  # an edited post is a new text
        async with factory.session() as session:
            now = await session.get(Post, post.id)
        assert now is not None
        # Both texts are cached: the report's embedding never calls the model for them.
        monkeypatch.setattr(embeddings, "_model", lambda: pytest.fail("embedded again"))
        assert embeddings.embed([plain(post.body_html), plain(now.body_html)]).shape[0] == 2
        assert await warmer.look() == 0  # nothing new: a look costs lookups only
