"""Pending, rejected and hidden content of others never reaches a participant, on any path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from dialogue.access import SESSION_COOKIE
from tests.factories import Factory
from tests.helpers import browser, session_token
from tests.moderation.scene import Scene, build_scene

SECRETS = {
    "title": "Tourmaline title words",
    "pending": "Sapphire pending words",
    "rejected": "Garnet rejected words",
    "hidden": "Obsidian hidden words",
}


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    scene = await build_scene(factory, client, moderation="pre", visibility="public")
    thread = await scene.thread("moderator")
    scene.thread_id = thread["id"]  # type: ignore[attr-defined]
    await scene.post(thread["id"], body=SECRETS["pending"])
    rejected = await scene.post(thread["id"], body=SECRETS["rejected"])
    await scene.moderate(rejected["id"], "reject", reason="Names a person", clause="3")
    hidden = await scene.post(thread["id"], body=SECRETS["hidden"])
    await scene.moderate(hidden["id"], "approve")
    await scene.moderate(hidden["id"], "hide", reason="Identifies a survivor", clause="3")
    titled = await scene.thread("participant", title=SECRETS["title"])
    await scene.moderate(titled["post"]["id"], "approve")
    await scene.moderate(titled["post"]["id"], "hide", reason="Names a person", clause="3")
    return scene


@asynccontextmanager
async def signed_in(scene: Scene, who: str) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(scene.factory.app) as client:
        if who != "anonymous":
            token = await session_token(scene.factory.app, scene.users[who])
            client.cookies.set(SESSION_COOKIE, token)
        yield client


def leaks(text: str) -> list[str]:
    return [word for word in SECRETS.values() if word.split()[0] in text]


READERS = ("participant2", "observer", "expert", "advisor", "anonymous")


class TestNothingLeaks:
    @pytest.mark.parametrize("who", READERS)
    async def test_api_events_search_and_pages(self, scene: Scene, who: str) -> None:
        thread_id = scene.thread_id  # type: ignore[attr-defined]
        headers = scene.headers.get(who, {})
        paths = [
            f"/api/v1/threads/{thread_id}/posts",
            f"/api/v1/themes/{scene.theme.id}/threads",
            f"/api/v1/dialogues/{scene.slug}/events",
            f"/api/v1/dialogues/{scene.slug}/search?q=words",
        ]
        for path in paths:
            response = await scene.client.get(path, headers=headers)
            assert response.status_code == 200, (path, response.text)
            assert leaks(response.text) == [], (who, path)
        async with signed_in(scene, who) as page_client:
            for path in (
                f"/d/{scene.slug}/threads/{thread_id}",
                f"/d/{scene.slug}/themes/{scene.theme.id}",
                f"/d/{scene.slug}/search?q=words",
            ):
                page = await page_client.get(path)
                assert page.status_code == 200, (path, page.status_code)
                assert leaks(page.text) == [], (who, path)

    async def test_staff_do_see_them(self, scene: Scene) -> None:
        response = await scene.client.get(
            f"/api/v1/threads/{scene.thread_id}/posts",  # type: ignore[attr-defined]
            headers=scene.headers["moderator2"],
        )
        assert len(leaks(response.text)) == 3

    async def test_the_author_sees_their_own(self, scene: Scene) -> None:
        response = await scene.client.get(
            f"/api/v1/threads/{scene.thread_id}/posts",  # type: ignore[attr-defined]
            headers=scene.headers["participant"],
        )
        assert len(leaks(response.text)) == 3
