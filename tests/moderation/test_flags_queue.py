"""Flags (one open per person, threshold hides, flagger sees the outcome) and the queue."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from dialogue.events.models import Event
from dialogue.moderation.models import Flag
from tests.factories import Factory
from tests.moderation.scene import Scene, assert_error, build_scene


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    return await build_scene(factory, client, moderation="post", flag_threshold=2)


async def flag(scene: Scene, post_id: int, who: str, **body: str) -> httpx.Response:
    body.setdefault("reason", "1")
    return await scene.client.post(
        f"/api/v1/posts/{post_id}/flags", json=body, headers=scene.headers[who]
    )


async def flag_count(scene: Scene) -> int:
    async with scene.factory.session() as session:
        return len((await session.exec(select(Flag))).all())


class TestCreateFlag:
    async def test_flag_with_clause_and_note(self, scene: Scene) -> None:
        thread = await scene.thread()
        response = await flag(scene, thread["post"]["id"], "expert", note="names someone")
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "open" and response.json()["reason"] == "1"

    async def test_other_reason(self, scene: Scene) -> None:
        thread = await scene.thread()
        response = await flag(scene, thread["post"]["id"], "expert", reason="other")
        assert response.status_code == 201 and response.json()["reason"] == "other"

    async def test_unknown_clause_is_refused(self, scene: Scene) -> None:
        thread = await scene.thread()
        assert_error(
            await flag(scene, thread["post"]["id"], "expert", reason="9"), 422, "unknown_clause"
        )
        assert await flag_count(scene) == 0

    async def test_one_open_flag_per_person(self, scene: Scene) -> None:
        thread = await scene.thread()
        assert (await flag(scene, thread["post"]["id"], "expert")).status_code == 201
        assert_error(await flag(scene, thread["post"]["id"], "expert"), 409, "already_flagged")
        assert await flag_count(scene) == 1

    async def test_observer_cannot_flag(self, scene: Scene) -> None:
        thread = await scene.thread()
        assert_error(await flag(scene, thread["post"]["id"], "observer"), 403, "forbidden")

    async def test_event_goes_to_staff_only(self, scene: Scene) -> None:
        thread = await scene.thread()
        await flag(scene, thread["post"]["id"], "expert")
        async with scene.factory.session() as session:
            [event] = (await session.exec(select(Event).where(Event.kind == "flag.created"))).all()
        assert event.audience == "staff" and event.data["post_id"] == thread["post"]["id"]
        assert "user_id" not in event.data


class TestThreshold:
    async def test_distinct_flaggers_hide_the_post_pending_review(self, scene: Scene) -> None:
        thread = await scene.thread()
        post_id = thread["post"]["id"]
        await flag(scene, post_id, "expert")
        url = f"/api/v1/posts/{post_id}"
        assert (await scene.client.get(url, headers=scene.headers["observer"])).status_code == 200
        await flag(scene, post_id, "participant2")
        assert (await scene.client.get(url, headers=scene.headers["observer"])).status_code == 404
        staff = await scene.client.get(url, headers=scene.headers["moderator"])
        assert staff.json()["status"] == "hidden"
        notices = await scene.client.get("/api/v1/me/notices", headers=scene.headers["participant"])
        assert [n["kind"] for n in notices.json()["items"]] == ["hidden"]

    async def test_flagged_post_is_in_the_queue_and_outcome_reaches_flaggers(
        self, scene: Scene
    ) -> None:
        thread = await scene.thread()
        post_id = thread["post"]["id"]
        await flag(scene, post_id, "expert", note="please check")
        queue = await scene.client.get(
            f"/api/v1/dialogues/{scene.slug}/moderation/queue", headers=scene.headers["moderator"]
        )
        [item] = queue.json()["items"]
        assert item["kind"] == "flags" and item["post"]["id"] == post_id
        assert item["flags"][0]["note"] == "please check"
        settle = await scene.client.post(
            f"/api/v1/posts/{post_id}/flags/settle",
            json={"outcome": "dismissed", "note": "within the code"},
            headers=scene.headers["moderator"],
        )
        assert settle.json() == {"closed": 1, "outcome": "dismissed"}
        mine = await scene.client.get("/api/v1/me/flags", headers=scene.headers["expert"])
        [outcome] = mine.json()["items"]
        assert outcome["status"] == "dismissed" and outcome["outcome_note"] == "within the code"
        again = await scene.client.get(
            f"/api/v1/dialogues/{scene.slug}/moderation/queue", headers=scene.headers["moderator"]
        )
        assert again.json()["items"] == []

    async def test_hiding_upholds_open_flags(self, scene: Scene) -> None:
        thread = await scene.thread()
        post_id = thread["post"]["id"]
        await flag(scene, post_id, "expert")
        await scene.moderate(post_id, "hide", reason="clause 2", clause="2")
        mine = await scene.client.get("/api/v1/me/flags", headers=scene.headers["expert"])
        assert mine.json()["items"][0]["status"] == "upheld"
        assert_error(
            await scene.client.post(
                f"/api/v1/posts/{post_id}/flags/settle",
                json={"outcome": "upheld"},
                headers=scene.headers["moderator"],
            ),
            409,
            "already_handled",
        )


class TestQueue:
    async def test_pending_posts_oldest_first_with_context(
        self, factory: Factory, client: httpx.AsyncClient, db_kind: str
    ) -> None:
        scene = await build_scene(factory, client, moderation="pre")
        thread = await scene.thread("moderator")
        parent = await scene.post(thread["id"], who="moderator")
        first = await scene.post(thread["id"], parent_id=parent["id"])
        second = await scene.post(thread["id"], who="participant2", anonymous=False)
        response = await client.get(
            f"/api/v1/dialogues/{scene.slug}/moderation/queue", headers=scene.headers["moderator"]
        )
        assert response.status_code == 200
        items = response.json()["items"]
        assert [i["post"]["id"] for i in items] == [first["id"], second["id"]]
        assert items[0]["kind"] == "post"
        assert items[0]["parent"]["id"] == parent["id"]
        assert items[0]["opening"]["id"] == thread["post"]["id"]
        assert items[0]["thread"]["title"] == thread["title"]
        assert items[0]["post"]["body"] == first["body"]

    async def test_anonymous_author_stays_masked_in_the_queue(
        self, factory: Factory, client: httpx.AsyncClient, db_kind: str
    ) -> None:
        scene = await build_scene(factory, client, moderation="pre", allow_anonymous=True)
        thread = await scene.thread("moderator")
        await scene.post(thread["id"], anonymous=True)
        response = await client.get(
            f"/api/v1/dialogues/{scene.slug}/moderation/queue", headers=scene.headers["organizer"]
        )
        [item] = response.json()["items"]
        assert item["post"]["author"] is None
        assert item["post"]["author_name"] == "Anonymous participant"
        author = scene.users["participant"]
        assert author.display_name not in response.text and author.email not in response.text


class TestConfigurableThreshold:
    async def test_organizer_lowers_the_threshold_to_one(self, scene: Scene) -> None:
        patched = await scene.client.patch(
            f"/api/v1/dialogues/{scene.slug}",
            json={"flag_threshold": 1},
            headers=scene.headers["organizer"],
        )
        assert patched.status_code == 200, patched.text
        thread = await scene.thread()
        await flag(scene, thread["post"]["id"], "expert")
        got = await scene.client.get(
            f"/api/v1/posts/{thread['post']['id']}", headers=scene.headers["moderator"]
        )
        assert got.json()["status"] == "hidden"
