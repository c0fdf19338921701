"""Moderation pages: the keyboard queue, forms, audit log, transparency, members, notices."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from dialogue.access import SESSION_COOKIE
from dialogue.config import Settings
from dialogue.csrf import CSRF_FIELD
from dialogue.web.assets import static_assets
from tests.factories import Factory
from tests.helpers import browser, csrf_from, session_token
from tests.moderation.scene import Scene, build_scene


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    return await build_scene(factory, client, moderation="pre")


@asynccontextmanager
async def signed_in(scene: Scene, who: str) -> AsyncIterator[httpx.AsyncClient]:
    token = await session_token(scene.factory.app, scene.users[who])
    async with browser(scene.factory.app) as client:
        client.cookies.set(SESSION_COOKIE, token)
        yield client


class TestQueuePage:
    async def test_lists_pending_posts_with_keyboard_script_and_no_inline_script(
        self, scene: Scene
    ) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"], body="A <b>queued</b> thought.")
        async with signed_in(scene, "moderator") as page_client:
            page = await page_client.get(f"/d/{scene.slug}/moderation")
        assert page.status_code == 200
        assert f'data-post-id="{post["id"]}"' in page.text
        script = static_assets(Settings().static_dir).url("js/moderation-queue.js")
        assert f'<script type="module" src="{script}"></script>' in page.text
        assert "<script>" not in page.text
        assert "<b>queued</b>" not in page.text  # sanitised HTML, escaped source

    async def test_participant_is_refused(self, scene: Scene) -> None:
        async with signed_in(scene, "participant") as page_client:
            page = await page_client.get(f"/d/{scene.slug}/moderation")
        assert page.status_code == 403

    async def test_approve_form_posts_then_redirects(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        async with signed_in(scene, "moderator") as page_client:
            page = await page_client.get(f"/d/{scene.slug}/moderation")
            response = await page_client.post(
                f"/d/{scene.slug}/moderation/posts/{post['id']}",
                data={CSRF_FIELD: csrf_from(page.text), "action": "approve"},
            )
            assert response.status_code == 303
            assert response.headers["location"] == f"/d/{scene.slug}/moderation"
            after = await page_client.get(f"/d/{scene.slug}/moderation")
        assert f'data-post-id="{post["id"]}"' not in after.text

    async def test_form_without_csrf_is_refused(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        async with signed_in(scene, "moderator") as page_client:
            response = await page_client.post(
                f"/d/{scene.slug}/moderation/posts/{post['id']}", data={"action": "approve"}
            )
        assert response.status_code == 403
        check = await scene.client.get(
            f"/api/v1/posts/{post['id']}", headers=scene.headers["moderator"]
        )
        assert check.json()["status"] == "pending"

    async def test_keyboard_script_is_served(self, scene: Scene) -> None:
        response = await scene.client.get("/static/js/moderation-queue.js")
        assert response.status_code == 200
        assert 'case "a"' in response.text and "X-CSRF-Token" in response.text


class TestAuditPage:
    async def test_advisor_reads_and_filters(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        await scene.moderate(post["id"], "reject", reason="Identifies a survivor", clause="3")
        async with signed_in(scene, "advisor") as page_client:
            page = await page_client.get(
                f"/d/{scene.slug}/moderation/audit", params={"action": "post.reject"}
            )
        assert page.status_code == 200
        assert "Identifies a survivor" in page.text and "post.reject" in page.text
        assert "format=csv" in page.text


class TestTransparencyPage:
    async def test_public_page_has_figures_and_no_names(
        self, factory: Factory, client: httpx.AsyncClient, db_kind: str
    ) -> None:
        scene = await build_scene(factory, client, moderation="pre", visibility="public")
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        await scene.moderate(post["id"], "approve")
        page = await client.get(f"/d/{scene.slug}/transparency")
        assert page.status_code == 200
        assert "Posts approved" in page.text
        for user in scene.users.values():
            assert user.display_name not in page.text


class TestNoticesPage:
    async def test_author_reads_notice_and_appeals(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        await scene.moderate(post["id"], "reject", reason="Names a person", clause="3")
        async with signed_in(scene, "participant") as page_client:
            page = await page_client.get("/notifications")
            assert page.status_code == 200
            assert "Names a person" in page.text and "Clause 3" in page.text
            notices = await scene.client.get(
                "/api/v1/me/notices", headers=scene.headers["participant"]
            )
            notice_id = notices.json()["items"][0]["id"]
            assert notices.json()["items"][0]["read"] is True
            response = await page_client.post(
                f"/notices/{notice_id}/appeal",
                data={CSRF_FIELD: csrf_from(page.text), "note": "It was my own story"},
            )
            assert response.status_code == 303
            again = await page_client.get("/notifications")
        assert "waiting for a decision" in again.text


class TestAppealsPage:
    async def test_another_moderator_decides_from_the_page(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        await scene.moderate(post["id"], "reject", reason="Names a person", clause="3")
        notices = await scene.client.get("/api/v1/me/notices", headers=scene.headers["participant"])
        await scene.client.post(
            f"/api/v1/me/notices/{notices.json()['items'][0]['id']}/appeal",
            json={"note": "My own story"},
            headers=scene.headers["participant"],
        )
        async with signed_in(scene, "moderator") as own:
            page = await own.get(f"/d/{scene.slug}/moderation/appeals")
            assert "My own story" in page.text and "Grant" not in page.text
        async with signed_in(scene, "moderator2") as other:
            page = await other.get(f"/d/{scene.slug}/moderation/appeals")
            assert "Grant" in page.text
            appeal_id = page.text.split('id="appeal-')[1].split('"')[0]
            decided = await other.post(
                f"/d/{scene.slug}/moderation/appeals/{appeal_id}",
                data={CSRF_FIELD: csrf_from(page.text), "outcome": "overturned", "note": "ok"},
            )
            assert decided.status_code == 303
        got = await scene.client.get(
            f"/api/v1/posts/{post['id']}", headers=scene.headers["participant2"]
        )
        assert got.status_code == 200 and got.json()["status"] == "published"


class TestFlaggerSeesOutcome:
    async def test_outcome_on_the_notices_page(
        self, factory: Factory, client: httpx.AsyncClient, db_kind: str
    ) -> None:
        scene = await build_scene(factory, client, moderation="post")
        thread = await scene.thread()
        await client.post(
            f"/api/v1/posts/{thread['post']['id']}/flags",
            json={"reason": "2", "note": "shares a private story"},
            headers=scene.headers["expert"],
        )
        await scene.moderate(
            thread["post"]["id"], "hide", reason="Private story shared", clause="2"
        )
        async with signed_in(scene, "expert") as page_client:
            page = await page_client.get("/notifications")
        assert "shares a private story" in page.text
        assert "Moderators agreed and acted on the post." in page.text
        assert "Private story shared" in page.text


class TestSettleFlagsForm:
    async def test_keep_the_post_and_dismiss_its_flags(
        self, factory: Factory, client: httpx.AsyncClient, db_kind: str
    ) -> None:
        scene = await build_scene(factory, client, moderation="post")
        thread = await scene.thread()
        post_id = thread["post"]["id"]
        await client.post(
            f"/api/v1/posts/{post_id}/flags",
            json={"reason": "other"},
            headers=scene.headers["expert"],
        )
        async with signed_in(scene, "moderator") as page_client:
            page = await page_client.get(f"/d/{scene.slug}/moderation")
            assert "Keep the post, dismiss the flags" in page.text
            response = await page_client.post(
                f"/d/{scene.slug}/moderation/posts/{post_id}/flags",
                data={CSRF_FIELD: csrf_from(page.text), "outcome": "dismissed", "note": "fine"},
            )
            assert response.status_code == 303
            after = await page_client.get(f"/d/{scene.slug}/moderation")
        assert f'data-post-id="{post_id}"' not in after.text
        mine = await client.get("/api/v1/me/flags", headers=scene.headers["expert"])
        assert mine.json()["items"][0]["status"] == "dismissed"
