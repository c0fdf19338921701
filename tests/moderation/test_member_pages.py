"""The members page: who reads it, which forms each reader is offered, and what they do."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from dialogue.accounts.models import User
from dialogue.db import as_utc, utcnow
from dialogue.state import app_state
from tests.factories import Factory
from tests.moderation.scene import Scene, build_scene
from tests.web.clients import submit, visitor
from tests.web.scenes import membership


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    return await build_scene(factory, client, moderation="post")


def page_of(scene: Scene) -> str:
    return f"/d/{scene.slug}/moderation/members"


def acts_on(html: str, user: User) -> set[str]:
    """The member actions the page offers on `user`: the hidden `action` of each form."""
    card = html.split(f'id="member-{user.id}"', 1)[1].split("</li>", 1)[0]
    return set(re.findall(r'name="action" value="([a-z]+)"', card))


async def set_zone(scene: Scene, who: str, zone: str) -> None:
    async with app_state(scene.factory.app).database.session() as session:
        user = await session.get(User, scene.users[who].id)
        assert user is not None
        user.timezone = zone
        session.add(user)
        await session.commit()


async def trail(scene: Scene, user: User) -> list[dict[str, object]]:
    response = await scene.client.get(
        f"/api/v1/dialogues/{scene.slug}/members/{user.id}/audit",
        headers=scene.headers["organizer"],
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


class TestWhoReadsTheList:
    async def test_a_moderator_reads_it_as_the_navigation_promises(self, scene: Scene) -> None:
        """The bug: the moderation navigation links here, and moderators got 403."""
        async with visitor(scene.factory.app, scene.users["moderator"]) as web:
            queue = await web.get(f"/d/{scene.slug}/moderation")
            assert f'href="/d/{scene.slug}/moderation/members"' in queue.text
            page = await web.get(page_of(scene))
        assert page.status_code == 200, page.text
        assert scene.users["participant"].display_name in page.text

    async def test_an_organizer_and_an_advisor_read_it(self, scene: Scene) -> None:
        for who in ("organizer", "advisor", "admin"):
            async with visitor(scene.factory.app, scene.users[who]) as web:
                page = await web.get(page_of(scene))
            assert page.status_code == 200, (who, page.text)

    async def test_participants_and_outsiders_are_refused(self, scene: Scene) -> None:
        for who, status in (("participant", 403), ("expert", 403), ("outsider", 404)):
            async with visitor(scene.factory.app, scene.users[who]) as web:
                page = await web.get(page_of(scene))
            assert page.status_code == status, who


class TestOfferedForms:
    async def test_a_moderator_may_mute_and_remove_a_participant_but_not_change_roles(
        self, scene: Scene
    ) -> None:
        async with visitor(scene.factory.app, scene.users["moderator"]) as web:
            html = (await web.get(page_of(scene))).text
        assert acts_on(html, scene.users["participant"]) == {"mute", "ban"}
        assert acts_on(html, scene.users["moderator2"]) == set()  # staff: organizers only
        assert acts_on(html, scene.users["organizer"]) == set()
        assert acts_on(html, scene.users["moderator"]) == set()  # never on oneself
        assert 'action="/d/' + scene.slug + '/moderation/invitations"' not in html

    async def test_an_organizer_is_offered_everything_that_would_change_something(
        self, scene: Scene
    ) -> None:
        async with visitor(scene.factory.app, scene.users["organizer"]) as web:
            html = (await web.get(page_of(scene))).text
        assert acts_on(html, scene.users["participant"]) == {"role", "trust", "mute", "ban"}
        assert acts_on(html, scene.users["moderator"]) == {"role", "trust", "mute", "ban"}
        assert acts_on(html, scene.users["organizer"]) == set()
        assert f'action="/d/{scene.slug}/moderation/invitations"' in html

    async def test_an_advisor_reads_standing_and_trails_without_any_form(
        self, scene: Scene
    ) -> None:
        async with visitor(scene.factory.app, scene.users["advisor"]) as web:
            html = (await web.get(page_of(scene))).text
        target = scene.users["participant"]
        assert acts_on(html, target) == set()
        assert f"target_type=member&amp;target_id={target.id}" in html

    async def test_lifting_is_offered_only_once_there_is_something_to_lift(
        self, scene: Scene
    ) -> None:
        target = scene.users["participant"]
        until = (utcnow() + timedelta(hours=2)).isoformat()
        response = await scene.client.post(
            f"/api/v1/dialogues/{scene.slug}/members/{target.id}/moderation",
            json={"action": "mute", "until": until, "reason": "cool down"},
            headers=scene.headers["moderator"],
        )
        assert response.status_code == 200, response.text
        async with visitor(scene.factory.app, scene.users["moderator"]) as web:
            html = (await web.get(page_of(scene))).text
        assert acts_on(html, target) == {"mute", "unmute", "ban"}


class TestActions:
    async def test_a_moderator_mutes_until_a_time_in_their_own_zone(self, scene: Scene) -> None:
        await set_zone(scene, "moderator", "America/Sao_Paulo")
        target = scene.users["participant"]
        local = (datetime.now(ZoneInfo("America/Sao_Paulo")) + timedelta(days=2)).replace(
            second=0, microsecond=0
        )
        async with visitor(scene.factory.app, scene.users["moderator"]) as web:
            response = await submit(
                web,
                page_of(scene),
                f"/d/{scene.slug}/moderation/members/{target.id}",
                {
                    "action": "mute",
                    "until": local.strftime("%Y-%m-%dT%H:%M"),
                    "reason": "Named a colleague",
                    "clause": "",
                },
            )
            assert response.status_code == 303, response.text
            page = await web.get(page_of(scene))
        member = await membership(scene.factory.app, scene.dialogue, target)
        assert member is not None and member.muted_until is not None
        assert as_utc(member.muted_until) == local.astimezone(UTC)
        assert "muted until" in page.text
        [entry] = [e for e in await trail(scene, target) if e["action"] == "member.mute"]
        assert entry["reason"] == "Named a colleague"

    async def test_a_mute_without_reason_or_in_the_past_shows_the_form_again(
        self, scene: Scene
    ) -> None:
        target = scene.users["participant"]
        url = f"/d/{scene.slug}/moderation/members/{target.id}"
        soon = (utcnow() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
        past = (utcnow() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
        async with visitor(scene.factory.app, scene.users["moderator"]) as web:
            no_reason = await submit(web, page_of(scene), url, {"action": "mute", "until": soon})
            in_past = await submit(
                web, page_of(scene), url, {"action": "mute", "until": past, "reason": "x"}
            )
            garbage = await submit(
                web, page_of(scene), url, {"action": "mute", "until": "soon", "reason": "x"}
            )
        assert no_reason.status_code == 422 and "Please give a reason" in no_reason.text
        assert in_past.status_code == 422 and "in the future" in in_past.text
        assert garbage.status_code == 422 and 'role="alert"' in garbage.text
        member = await membership(scene.factory.app, scene.dialogue, target)
        assert member is not None and member.muted_until is None
        assert await trail(scene, target) == []

    async def test_a_moderator_who_forges_a_role_change_is_refused(self, scene: Scene) -> None:
        target = scene.users["participant"]
        async with visitor(scene.factory.app, scene.users["moderator"]) as web:
            response = await submit(
                web,
                page_of(scene),
                f"/d/{scene.slug}/moderation/members/{target.id}",
                {"action": "role", "role": "moderator", "reason": "promotion"},
            )
        assert response.status_code == 403
        assert "Only organizers change roles and trust." in response.text
        member = await membership(scene.factory.app, scene.dialogue, target)
        assert member is not None and member.role == "participant"

    async def test_an_advisor_cannot_post_a_member_action(self, scene: Scene) -> None:
        target = scene.users["participant"]
        async with visitor(scene.factory.app, scene.users["advisor"]) as web:
            response = await submit(
                web,
                page_of(scene),
                f"/d/{scene.slug}/moderation/members/{target.id}",
                {"action": "unmute", "reason": "x"},
            )
        assert response.status_code == 403

    async def test_an_organizer_changes_a_role_trusts_and_removes_each_with_its_reason(
        self, scene: Scene
    ) -> None:
        target = scene.users["participant"]
        url = f"/d/{scene.slug}/moderation/members/{target.id}"
        steps = [
            {"action": "role", "role": "expert", "reason": "Works in a shelter"},
            {"action": "trust", "reason": "Long-standing member"},
            {"action": "ban", "reason": "Threatened another member", "clause": "1"},
        ]
        async with visitor(scene.factory.app, scene.users["organizer"]) as web:
            for step in steps:
                response = await submit(web, page_of(scene), url, step)
                assert response.status_code == 303, (step, response.text)
                assert response.headers["location"].endswith(f"#member-{target.id}")
            html = (await web.get(page_of(scene))).text
            audit = await web.get(
                f"/d/{scene.slug}/moderation/audit",
                params={"target_type": "member", "target_id": target.id},
            )
        member = await membership(scene.factory.app, scene.dialogue, target)
        assert member is not None
        assert (member.role, member.trusted, member.banned_at is not None) == ("expert", True, True)
        reasons = {e["action"]: e["reason"] for e in await trail(scene, target)}
        assert reasons == {
            "member.role": "Works in a shelter",
            "member.trust": "Long-standing member",
            "member.ban": "Threatened another member",
        }
        assert acts_on(html, target) == {"role", "untrust", "mute", "unban"}
        assert "Threatened another member" in audit.text
