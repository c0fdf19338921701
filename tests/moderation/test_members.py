"""Member moderation: mute, ban (at once), trust, roles; anonymous authors have their own file."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from dialogue.db import utcnow
from dialogue.dialogues.models import Membership
from dialogue.events.models import Event
from dialogue.moderation.models import AuditEntry
from tests.factories import Factory
from tests.moderation.scene import Scene, assert_error, build_scene


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    return await build_scene(factory, client, moderation="post", allow_anonymous=True)


async def act(scene: Scene, target: str, who: str = "moderator", **body: Any) -> httpx.Response:
    return await scene.client.post(
        f"/api/v1/dialogues/{scene.slug}/members/{scene.users[target].id}/moderation",
        json=body,
        headers=scene.headers[who],
    )


async def membership(scene: Scene, name: str) -> Membership:
    async with scene.factory.session() as session:
        found = (
            await session.exec(
                select(Membership).where(
                    Membership.dialogue_id == scene.dialogue.id,
                    Membership.user_id == scene.users[name].id,
                )
            )
        ).one()
    return found


def later(hours: int = 2) -> str:
    return (utcnow() + timedelta(hours=hours)).isoformat()


class TestMute:
    async def test_muted_member_cannot_post_and_is_told(self, scene: Scene) -> None:
        response = await act(
            scene, "participant", action="mute", until=later(), reason="heated", clause="1"
        )
        assert response.status_code == 200, response.text
        assert response.json()["muted_until"] is not None
        refused = await scene.client.post(
            f"/api/v1/themes/{scene.theme.id}/threads",
            json={"title": "x", "body": "y"},
            headers=scene.headers["participant"],
        )
        assert_error(refused, 403, "muted")
        notices = await scene.client.get("/api/v1/me/notices", headers=scene.headers["participant"])
        [notice] = notices.json()["items"]
        assert notice["kind"] == "muted" and notice["until"] is not None
        assert notice["clause"] == "1"

    async def test_mute_in_the_past_is_invalid_and_changes_nothing(self, scene: Scene) -> None:
        past = (utcnow() - timedelta(hours=1)).isoformat()
        assert_error(
            await act(scene, "participant", action="mute", until=past, reason="x"), 422, "invalid"
        )
        assert (await membership(scene, "participant")).muted_until is None

    async def test_unmute(self, scene: Scene) -> None:
        await act(scene, "participant", action="mute", until=later(), reason="heated")
        response = await act(scene, "participant", action="unmute")
        assert response.json()["muted_until"] is None


class TestBan:
    async def test_banned_member_loses_access_at_once(self, scene: Scene) -> None:
        url = f"/api/v1/dialogues/{scene.slug}"
        assert (
            await scene.client.get(url, headers=scene.headers["participant"])
        ).status_code == 200
        response = await act(scene, "participant", action="ban", reason="threats", clause="3")
        assert response.status_code == 200 and response.json()["banned"] is True
        assert (await membership(scene, "participant")).banned_at is not None
        assert (
            await scene.client.get(url, headers=scene.headers["participant"])
        ).status_code == 404
        async with scene.factory.session() as session:
            events = (await session.exec(select(Event).where(Event.kind == "member.updated"))).all()
        banned = [e for e in events if e.data.get("banned")]
        assert banned and banned[-1].subject_user_id == scene.users["participant"].id

    async def test_unban_restores_access(self, scene: Scene) -> None:
        await act(scene, "participant", action="ban", reason="mistake")
        await act(scene, "participant", action="unban", who="organizer", reason="lifted")
        response = await scene.client.get(
            f"/api/v1/dialogues/{scene.slug}", headers=scene.headers["participant"]
        )
        assert response.status_code == 200

    async def test_ban_needs_a_reason(self, scene: Scene) -> None:
        assert_error(await act(scene, "participant", action="ban"), 422, "reason_required")
        assert (await membership(scene, "participant")).banned_at is None

    async def test_moderator_cannot_ban_staff(self, scene: Scene) -> None:
        assert_error(await act(scene, "moderator2", action="ban", reason="x"), 403, "forbidden")
        assert_error(await act(scene, "organizer", action="ban", reason="x"), 403, "forbidden")

    async def test_nobody_acts_on_themselves(self, scene: Scene) -> None:
        response = await act(scene, "organizer", who="organizer", action="ban", reason="x")
        assert_error(response, 403, "self_action")

    async def test_banning_twice_is_already_handled(self, scene: Scene) -> None:
        await act(scene, "participant", action="ban", reason="x")
        assert_error(
            await act(scene, "participant", action="ban", reason="x"), 409, "already_handled"
        )

    async def test_audit_entry_with_before_and_after(self, scene: Scene) -> None:
        await act(scene, "participant", action="ban", reason="threats", clause="3")
        async with scene.factory.session() as session:
            [entry] = (
                await session.exec(select(AuditEntry).where(AuditEntry.action == "member.ban"))
            ).all()
        assert entry.target_type == "member" and entry.target_id == scene.users["participant"].id
        assert entry.before and entry.before["banned"] is False
        assert entry.after and entry.after["banned"] is True
        assert (entry.clause, entry.clause_version) == ("3", 1)


class TestTrustAndRoles:
    async def test_trusted_member_skips_the_queue(
        self, factory: Factory, client: httpx.AsyncClient, db_kind: str
    ) -> None:
        scene = await build_scene(factory, client, moderation="pre")
        forbidden = await act(scene, "participant", who="moderator", action="trust")
        assert_error(forbidden, 403, "forbidden")
        assert (await act(scene, "participant", who="organizer", action="trust")).status_code == 200
        thread = await scene.thread("participant")
        assert thread["post"]["status"] == "published"
        other = await scene.thread("participant2")
        assert other["post"]["status"] == "pending"

    async def test_organizer_changes_a_role(self, scene: Scene) -> None:
        response = await act(scene, "expert", who="organizer", action="role", role="moderator")
        assert response.json()["role"] == "moderator"
        assert_error(await act(scene, "expert", who="organizer", action="role"), 422, "invalid")

    async def test_unknown_member_is_not_found(self, scene: Scene) -> None:
        response = await act(scene, "outsider", action="mute", until=later(), reason="x")
        assert_error(response, 404, "not_found")


async def put(scene: Scene, target: str, who: str = "moderator", **body: Any) -> httpx.Response:
    """The member route of the contract's table, as outside clients call it."""
    return await scene.client.put(
        f"/api/v1/dialogues/{scene.slug}/members/{scene.users[target].id}",
        json=body,
        headers=scene.headers[who],
    )


class TestMuteThroughThePutRoute:
    """`PUT .../members/{id}` with `muted_until` is the same act as the moderation route's mute."""

    async def test_a_moderator_cannot_mute_an_organizer_or_a_moderator(self, scene: Scene) -> None:
        for target in ("organizer", "moderator2"):
            response = await put(scene, target, muted_until=later())
            assert_error(response, 403, "forbidden")
            assert (await membership(scene, target)).muted_until is None, target

    async def test_nobody_mutes_themselves(self, scene: Scene) -> None:
        for who in ("moderator", "organizer"):
            response = await put(scene, who, who=who, muted_until=later())
            assert_error(response, 403, "self_action")
            assert (await membership(scene, who)).muted_until is None, who

    async def test_a_mute_needs_a_reason(self, scene: Scene) -> None:
        assert_error(await put(scene, "participant", muted_until=later()), 422, "reason_required")
        assert (await membership(scene, "participant")).muted_until is None

    async def test_the_mute_is_audited_and_the_member_told(self, scene: Scene) -> None:
        response = await put(scene, "participant", muted_until=later(), reason="heated", clause="1")
        assert response.status_code == 200, response.text
        assert response.json()["muted_until"] is not None
        notices = await scene.client.get("/api/v1/me/notices", headers=scene.headers["participant"])
        [notice] = notices.json()["items"]
        assert (notice["kind"], notice["clause"]) == ("muted", "1")
        assert notice["until"] is not None
        async with scene.factory.session() as session:
            [entry] = (
                await session.exec(select(AuditEntry).where(AuditEntry.action == "member.mute"))
            ).all()
        assert entry.reason == "heated" and entry.actor_id == scene.users["moderator"].id

    async def test_unmuting_needs_no_reason_and_repeating_a_put_is_harmless(
        self, scene: Scene
    ) -> None:
        until = later()
        assert (await put(scene, "participant", muted_until=until, reason="x")).status_code == 200
        again = await put(scene, "participant", muted_until=until, reason="x")
        assert again.status_code == 200, again.text
        for _attempt in range(2):
            response = await put(scene, "participant", muted_until=None)
            assert response.status_code == 200, response.text
            assert response.json()["muted_until"] is None
        async with scene.factory.session() as session:
            actions = (
                await session.exec(
                    select(AuditEntry.action).where(AuditEntry.action.startswith("member."))  # type: ignore[attr-defined]
                )
            ).all()
        assert sorted(actions) == ["member.mute", "member.unmute"]
