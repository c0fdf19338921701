"""Thread lock/pin/move, appeals decided by someone else, the two-person unmask, modes, invites."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from dialogue.events.models import Event
from dialogue.moderation.models import AuditEntry
from tests.factories import Factory
from tests.moderation.scene import Scene, assert_error, build_scene


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    return await build_scene(factory, client, moderation="post", allow_anonymous=True)


async def thread_action(
    scene: Scene, thread_id: int, who: str = "moderator", **body: Any
) -> httpx.Response:
    return await scene.client.post(
        f"/api/v1/threads/{thread_id}/moderation", json=body, headers=scene.headers[who]
    )


async def audit_actions(scene: Scene) -> list[str]:
    async with scene.factory.session() as session:
        rows = (await session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))).all()
    return [r.action for r in rows]


class TestThreadModeration:
    async def test_lock_stops_replies_from_participants(self, scene: Scene) -> None:
        thread = await scene.thread()
        response = await thread_action(scene, thread["id"], action="lock", reason="cooling off")
        assert response.json()["locked"] is True
        refused = await scene.client.post(
            f"/api/v1/threads/{thread['id']}/posts",
            json={"body": "more"},
            headers=scene.headers["expert"],
        )
        assert_error(refused, 409, "thread_locked")
        assert_error(
            await thread_action(scene, thread["id"], action="lock"), 409, "already_handled"
        )
        assert (await thread_action(scene, thread["id"], action="unlock")).json()["locked"] is False

    async def test_pin(self, scene: Scene) -> None:
        thread = await scene.thread()
        async with scene.factory.session() as session:
            before = len(
                (await session.exec(select(Event).where(Event.kind == "thread.updated"))).all()
            )
        assert (await thread_action(scene, thread["id"], action="pin")).json()["pinned"] is True
        assert "thread.pin" in await audit_actions(scene)
        async with scene.factory.session() as session:
            events = (await session.exec(select(Event).where(Event.kind == "thread.updated"))).all()
        assert len(events) == before + 1
        assert events[-1].data["pinned"] is True and events[-1].audience == "readers"

    async def test_move_to_another_theme(self, scene: Scene, factory: Factory) -> None:
        thread = await scene.thread()
        other = await factory.theme(scene.dialogue)
        response = await thread_action(
            scene, thread["id"], action="move", theme_id=other.id, reason="fits better"
        )
        assert response.json()["theme_id"] == other.id
        listed = await scene.client.get(
            f"/api/v1/themes/{other.id}/threads", headers=scene.headers["observer"]
        )
        assert [t["id"] for t in listed.json()["items"]] == [thread["id"]]

    async def test_move_to_a_theme_of_another_dialogue_is_refused(
        self, scene: Scene, factory: Factory
    ) -> None:
        thread = await scene.thread()
        elsewhere = await factory.theme(await factory.dialogue())
        response = await thread_action(scene, thread["id"], action="move", theme_id=elsewhere.id)
        assert_error(response, 422, "invalid_theme")
        got = await scene.client.get(
            f"/api/v1/threads/{thread['id']}", headers=scene.headers["moderator"]
        )
        assert got.json()["theme_id"] == scene.theme.id

    async def test_participant_cannot(self, scene: Scene) -> None:
        thread = await scene.thread()
        assert_error(
            await thread_action(scene, thread["id"], who="participant", action="pin"),
            403,
            "forbidden",
        )


async def rejected_notice(scene: Scene) -> tuple[dict[str, Any], int]:
    thread = await scene.thread()
    post_id = thread["post"]["id"]
    await scene.moderate(post_id, "hide", reason="names a person", clause="3")
    notices = await scene.client.get("/api/v1/me/notices", headers=scene.headers["participant"])
    return notices.json()["items"][0], post_id


class TestAppeals:
    async def test_appeal_once_and_overturn_by_another_moderator(self, scene: Scene) -> None:
        notice, post_id = await rejected_notice(scene)
        url = f"/api/v1/me/notices/{notice['id']}/appeal"
        first = await scene.client.post(
            url, json={"note": "It is my own story."}, headers=scene.headers["participant"]
        )
        assert first.status_code == 201, first.text
        again = await scene.client.post(
            url, json={"note": "Please"}, headers=scene.headers["participant"]
        )
        assert_error(again, 409, "already_appealed")
        appeal_id = first.json()["id"]
        decide = f"/api/v1/dialogues/{scene.slug}/appeals/{appeal_id}/decision"
        own = await scene.client.post(
            decide, json={"outcome": "overturned"}, headers=scene.headers["moderator"]
        )
        assert_error(own, 403, "own_decision")
        ok = await scene.client.post(
            decide,
            json={"outcome": "overturned", "note": "Consent given."},
            headers=scene.headers["moderator2"],
        )
        assert ok.json()["status"] == "overturned"
        post = await scene.client.get(f"/api/v1/posts/{post_id}", headers=scene.headers["observer"])
        assert post.status_code == 200
        mine = await scene.client.get("/api/v1/me/notices", headers=scene.headers["participant"])
        assert mine.json()["items"][0]["appeal"]["status"] == "overturned"
        assert_error(
            await scene.client.post(
                decide, json={"outcome": "upheld"}, headers=scene.headers["organizer"]
            ),
            409,
            "already_handled",
        )
        assert {"appeal.create", "appeal.decide"} <= set(await audit_actions(scene))

    async def test_someone_elses_notice_cannot_be_appealed(self, scene: Scene) -> None:
        notice, _post_id = await rejected_notice(scene)
        response = await scene.client.post(
            f"/api/v1/me/notices/{notice['id']}/appeal",
            json={"note": "x"},
            headers=scene.headers["participant2"],
        )
        assert_error(response, 404, "not_found")

    async def test_appeals_are_listed_for_reviewers(self, scene: Scene) -> None:
        notice, _post_id = await rejected_notice(scene)
        await scene.client.post(
            f"/api/v1/me/notices/{notice['id']}/appeal",
            json={"note": "mine"},
            headers=scene.headers["participant"],
        )
        listed = await scene.client.get(
            f"/api/v1/dialogues/{scene.slug}/appeals",
            params={"status": "open"},
            headers=scene.headers["advisor"],
        )
        [appeal] = listed.json()["items"]
        assert appeal["note"] == "mine" and appeal["clause"] == "3"


class TestUnmask:
    async def test_two_people_and_only_they_see_the_author(self, scene: Scene) -> None:
        thread = await scene.thread(anonymous=True)
        post_id = thread["post"]["id"]
        base = f"/api/v1/posts/{post_id}/unmask"
        created = await scene.client.post(
            base, json={"reason": "credible threat"}, headers=scene.headers["moderator"]
        )
        assert created.status_code == 201 and created.json()["author"] is None
        request_id = created.json()["id"]
        decide = f"{base}/{request_id}/decision"
        own = await scene.client.post(
            decide, json={"approve": True}, headers=scene.headers["moderator"]
        )
        assert_error(own, 403, "own_request")
        approved = await scene.client.post(
            decide, json={"approve": True}, headers=scene.headers["organizer"]
        )
        assert approved.json()["author"]["id"] == scene.users["participant"].id
        for who, sees in (("moderator", True), ("organizer", True), ("moderator2", False)):
            listed = await scene.client.get(base, headers=scene.headers[who])
            author = listed.json()["items"][0]["author"]
            assert (author is not None) == sees, who
        post = await scene.client.get(
            f"/api/v1/posts/{post_id}", headers=scene.headers["moderator"]
        )
        assert post.json()["author"] is None
        assert {"unmask.request", "unmask.approve"} <= set(await audit_actions(scene))

    async def test_refused_request_reveals_nothing(self, scene: Scene) -> None:
        thread = await scene.thread(anonymous=True)
        base = f"/api/v1/posts/{thread['post']['id']}/unmask"
        created = await scene.client.post(
            base, json={"reason": "curious"}, headers=scene.headers["moderator"]
        )
        refused = await scene.client.post(
            f"{base}/{created.json()['id']}/decision",
            json={"approve": False},
            headers=scene.headers["moderator2"],
        )
        assert refused.json()["status"] == "refused" and refused.json()["author"] is None

    async def test_named_post_needs_no_unmask(self, scene: Scene) -> None:
        thread = await scene.thread()
        response = await scene.client.post(
            f"/api/v1/posts/{thread['post']['id']}/unmask",
            json={"reason": "x"},
            headers=scene.headers["moderator"],
        )
        assert_error(response, 409, "not_anonymous")

    async def test_advisor_cannot_request(self, scene: Scene) -> None:
        thread = await scene.thread(anonymous=True)
        response = await scene.client.post(
            f"/api/v1/posts/{thread['post']['id']}/unmask",
            json={"reason": "x"},
            headers=scene.headers["advisor"],
        )
        assert_error(response, 403, "forbidden")


class TestModeAndInvites:
    async def test_switch_to_pre_moderation_while_running(self, scene: Scene) -> None:
        url = f"/api/v1/dialogues/{scene.slug}/moderation/mode"
        assert_error(
            await scene.client.put(url, json={"mode": "pre"}, headers=scene.headers["moderator"]),
            403,
            "forbidden",
        )
        response = await scene.client.put(
            url, json={"mode": "pre", "reason": "busy week"}, headers=scene.headers["organizer"]
        )
        assert response.json()["moderation"] == "pre"
        thread = await scene.thread()
        assert thread["post"]["status"] == "pending"
        assert_error(
            await scene.client.put(url, json={"mode": "pre"}, headers=scene.headers["organizer"]),
            409,
            "already_handled",
        )

    async def test_bulk_invite_by_pasting(self, scene: Scene) -> None:
        response = await scene.client.post(
            f"/api/v1/dialogues/{scene.slug}/invitations/bulk",
            json={
                "emails": "a@example.org, B@Example.org\nnot-an-email; a@example.org",
                "role": "expert",
            },
            headers=scene.headers["organizer"],
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert [i["email"] for i in body["invited"]] == ["a@example.org", "b@example.org"]
        assert body["invalid"] == ["not-an-email"]
        assert all("/invitations/" in i["url"] for i in body["invited"])
        assert (await audit_actions(scene)).count("member.invite") == 2

    async def test_an_address_with_a_control_character_is_listed_as_invalid(
        self, scene: Scene
    ) -> None:
        response = await scene.client.post(
            f"/api/v1/dialogues/{scene.slug}/invitations/bulk",
            json={"emails": "a@example.org, c\x01d@example.org", "role": "expert"},
            headers=scene.headers["organizer"],
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert [i["email"] for i in body["invited"]] == ["a@example.org"]
        assert body["invalid"] == ["c\x01d@example.org"]

    async def test_bulk_invite_without_valid_address(self, scene: Scene) -> None:
        response = await scene.client.post(
            f"/api/v1/dialogues/{scene.slug}/invitations/bulk",
            json={"emails": "nobody here", "role": "expert"},
            headers=scene.headers["organizer"],
        )
        assert_error(response, 422, "invalid")
        assert await audit_actions(scene) == []
