"""Approving, rejecting, hiding and highlighting posts: effects, events, audit and notices."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import col, select

from dialogue.events.models import Event
from dialogue.moderation.models import AuditEntry, Notice
from tests.factories import Factory
from tests.moderation.scene import Scene, assert_error, build_scene


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    return await build_scene(factory, client, moderation="pre")


async def events_of(scene: Scene, kind: str) -> list[Event]:
    async with scene.factory.session() as session:
        return list(
            (
                await session.exec(
                    select(Event)
                    .where(Event.dialogue_id == scene.dialogue.id, Event.kind == kind)
                    .order_by(col(Event.seq))
                )
            ).all()
        )


async def audit_of(scene: Scene) -> list[AuditEntry]:
    async with scene.factory.session() as session:
        return list(
            (
                await session.exec(
                    select(AuditEntry)
                    .where(AuditEntry.dialogue_id == scene.dialogue.id)
                    .order_by(col(AuditEntry.id))
                )
            ).all()
        )


class TestApprove:
    async def test_pending_post_is_published_for_everyone(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        assert post["status"] == "pending"
        other = await scene.client.get(
            f"/api/v1/posts/{post['id']}", headers=scene.headers["participant2"]
        )
        assert other.status_code == 404
        response = await scene.moderate(post["id"], "approve")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "published"
        assert response.json()["moderated_at"]
        seen = await scene.client.get(
            f"/api/v1/posts/{post['id']}", headers=scene.headers["participant2"]
        )
        assert seen.status_code == 200 and seen.json()["body"] == post["body"]

    async def test_emits_post_status_for_readers_and_audits(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        await scene.moderate(post["id"], "approve", reason="fine")
        [event] = [e for e in await events_of(scene, "post.status") if e.data["id"] == post["id"]]
        assert event.audience == "readers"
        assert event.data["status"] == "published" and event.data["body"] == post["body"]
        [entry] = [e for e in await audit_of(scene) if e.action == "post.approve"]
        assert entry.actor_id == scene.users["moderator"].id
        assert (entry.before, entry.after) == ({"status": "pending"}, {"status": "published"})

    async def test_second_approval_is_already_handled(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        assert (await scene.moderate(post["id"], "approve")).status_code == 200
        second = await scene.moderate(post["id"], "approve", who="moderator2")
        assert_error(second, 409, "already_handled")
        entries = [e for e in await audit_of(scene) if e.action == "post.approve"]
        assert len(entries) == 1


class TestReject:
    async def test_needs_a_reason(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        assert_error(await scene.moderate(post["id"], "reject"), 422, "reason_required")
        check = await scene.client.get(
            f"/api/v1/posts/{post['id']}", headers=scene.headers["moderator"]
        )
        assert check.json()["status"] == "pending"

    async def test_unknown_clause_is_refused(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        response = await scene.moderate(post["id"], "reject", reason="x", clause="42")
        assert_error(response, 422, "unknown_clause")
        assert await audit_of(scene) == []

    async def test_author_gets_a_notice_with_clause_and_version(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        response = await scene.moderate(
            post["id"], "reject", reason="It names a survivor.", clause="3"
        )
        assert response.status_code == 200 and response.json()["status"] == "rejected"
        notices = await scene.client.get("/api/v1/me/notices", headers=scene.headers["participant"])
        [notice] = notices.json()["items"]
        assert notice["kind"] == "rejected" and notice["post_id"] == post["id"]
        assert (notice["clause"], notice["clause_version"]) == ("3", 1)
        assert notice["reason"] == "It names a survivor."
        assert "Clause 3" in notice["message"]
        assert "actor_id" not in notice

    async def test_rejected_post_event_has_no_body_and_stays_with_staff(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        await scene.moderate(post["id"], "reject", reason="off topic", clause="1")
        [event] = [e for e in await events_of(scene, "post.status") if e.data["id"] == post["id"]]
        assert event.data["status"] == "rejected" and event.data["body"] == ""
        assert event.audience == "staff"
        assert event.subject_user_id == scene.users["participant"].id


class TestHide:
    async def test_hidden_post_disappears_for_participants_but_not_author(
        self, scene: Scene
    ) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"], who="moderator")  # staff publish at once
        assert post["status"] == "published"
        response = await scene.moderate(post["id"], "hide", reason="doxxing", clause="2")
        assert response.status_code == 200
        for who, status in (("participant", 404), ("observer", 404), ("moderator2", 200)):
            got = await scene.client.get(f"/api/v1/posts/{post['id']}", headers=scene.headers[who])
            assert got.status_code == status, who
        [event] = [e for e in await events_of(scene, "post.status") if e.data["id"] == post["id"]]
        assert event.audience == "readers" and event.data["body"] == ""
        assert event.data["status"] == "hidden" and event.data["moderated_at"]
        async with scene.factory.session() as session:
            notices = (await session.exec(select(Notice))).all()
        assert [n.kind for n in notices] == ["hidden"]

    async def test_unhide_publishes_again(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"], who="moderator")
        await scene.moderate(post["id"], "hide", reason="check")
        response = await scene.moderate(post["id"], "unhide", reason="checked, fine")
        assert response.json()["status"] == "published"
        assert_error(
            await scene.moderate(post["id"], "unhide", reason="again"), 409, "already_handled"
        )

    async def test_hidden_post_is_not_found_by_search(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"], who="moderator", body="zebracorn testimony")
        await scene.moderate(post["id"], "hide", reason="check")
        url = f"/api/v1/dialogues/{scene.slug}/search"
        found = await scene.client.get(
            url, params={"q": "zebracorn"}, headers=scene.headers["participant"]
        )
        assert found.json()["items"] == []
        staff = await scene.client.get(
            url, params={"q": "zebracorn"}, headers=scene.headers["moderator"]
        )
        assert [h["post_id"] for h in staff.json()["items"]] == [post["id"]]


class TestHighlight:
    async def test_highlight_once(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"], who="moderator")
        response = await scene.moderate(post["id"], "highlight")
        assert response.json()["highlighted"] is True
        assert_error(await scene.moderate(post["id"], "highlight"), 409, "already_handled")
        assert (await scene.moderate(post["id"], "unhighlight")).json()["highlighted"] is False

    async def test_pending_post_cannot_be_highlighted(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        assert_error(await scene.moderate(post["id"], "highlight"), 409, "post_not_published")


class TestThreadFollowsOpeningPost:
    async def test_approving_a_queued_thread_publishes_it(self, scene: Scene) -> None:
        thread = await scene.thread("participant")
        assert thread["status"] == "pending"
        url = f"/api/v1/threads/{thread['id']}"
        assert (
            await scene.client.get(url, headers=scene.headers["participant2"])
        ).status_code == 404
        await scene.moderate(thread["post"]["id"], "approve")
        got = await scene.client.get(url, headers=scene.headers["participant2"])
        assert got.status_code == 200 and got.json()["status"] == "published"
        assert got.json()["post_count"] == 1
        assert any(e.data["id"] == thread["id"] for e in await events_of(scene, "thread.updated"))


class TestBulkApprove:
    async def test_reports_each_post(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        posts = [await scene.post(thread["id"]) for _ in range(3)]
        await scene.moderate(posts[0]["id"], "approve")
        response = await scene.client.post(
            f"/api/v1/dialogues/{scene.slug}/moderation/approve",
            json={"post_ids": [p["id"] for p in posts] + [999999]},
            headers=scene.headers["moderator2"],
        )
        assert response.status_code == 200, response.text
        assert response.json() == {
            "approved": [posts[1]["id"], posts[2]["id"]],
            "already_handled": [posts[0]["id"]],
            "not_found": [999999],
        }

    async def test_empty_list_is_invalid(self, scene: Scene) -> None:
        response = await scene.client.post(
            f"/api/v1/dialogues/{scene.slug}/moderation/approve",
            json={"post_ids": []},
            headers=scene.headers["moderator"],
        )
        assert_error(response, 422, "invalid")


class TestModeratorEdit:
    async def test_edit_keeps_the_old_text_with_the_note(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"], who="moderator2", body="Her name is Jane Doe.")
        response = await scene.client.post(
            f"/api/v1/posts/{post['id']}/moderation/edit",
            json={"body": "Her name is [removed].", "note": "Removed a survivor's name"},
            headers=scene.headers["moderator"],
        )
        assert response.status_code == 200, response.text
        assert response.json()["body"] == "Her name is [removed]."
        revisions = await scene.client.get(
            f"/api/v1/posts/{post['id']}/revisions", headers=scene.headers["organizer"]
        )
        [revision] = revisions.json()
        assert revision["body"] == "Her name is Jane Doe."
        assert revision["note"] == "Removed a survivor's name"
        [entry] = [e for e in await audit_of(scene) if e.action == "post.edit"]
        assert entry.reason == "Removed a survivor's name"

    async def test_note_is_required(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"], who="moderator2")
        response = await scene.client.post(
            f"/api/v1/posts/{post['id']}/moderation/edit",
            json={"body": "changed"},
            headers=scene.headers["moderator"],
        )
        assert_error(response, 422, "invalid")
        got = await scene.client.get(
            f"/api/v1/posts/{post['id']}", headers=scene.headers["moderator"]
        )
        assert got.json()["body"] == post["body"]


class TestBadInput:
    @pytest.mark.parametrize(
        "body",
        [
            {"action": "obliterate"},
            {"action": "reject", "reason": "x" * 2001},
            {"action": "reject", "reason": "x", "clause": ""},
            {"action": "approve", "extra": 1},
            {},
        ],
    )
    async def test_invalid_bodies_change_nothing(
        self, scene: Scene, body: dict[str, object]
    ) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        response = await scene.client.post(
            f"/api/v1/posts/{post['id']}/moderation", json=body, headers=scene.headers["moderator"]
        )
        assert_error(response, 422, "invalid")
        got = await scene.client.get(
            f"/api/v1/posts/{post['id']}", headers=scene.headers["moderator"]
        )
        assert got.json()["status"] == "pending"
        assert await audit_of(scene) == []

    async def test_unknown_post_is_not_found(self, scene: Scene) -> None:
        response = await scene.moderate(2_000_000, "approve")
        assert_error(response, 404, "not_found")

    async def test_not_json_is_invalid(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        response = await scene.client.post(
            f"/api/v1/posts/{post['id']}/moderation",
            content=b"{not json",
            headers={**scene.headers["moderator"], "Content-Type": "application/json"},
        )
        assert_error(response, 422, "invalid")

    async def test_deleted_post_cannot_be_moderated(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"], who="moderator2")
        await scene.client.delete(
            f"/api/v1/posts/{post['id']}", headers=scene.headers["moderator2"]
        )
        assert_error(await scene.moderate(post["id"], "hide", reason="x"), 409, "post_deleted")
