"""Review and sign-off: draft → in review → approved → published, per role, audited, then frozen."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from sqlmodel import col, select

from dialogue.accounts.models import User
from dialogue.moderation.models import AuditEntry
from dialogue.synthesis.models import ReportSnapshot
from tests.factories import Factory
from tests.helpers import assert_error
from tests.synthesis.builders import World
from tests.synthesis.scene import Scene, build_scene


class Review:
    def __init__(self, client: httpx.AsyncClient, factory: Factory, scene: Scene) -> None:
        self.client, self.factory, self.scene = client, factory, scene
        self.base = f"/api/v1/dialogues/{scene.dialogue.slug}/report"

    async def move(self, user: User, to: str, note: str = "") -> httpx.Response:
        return await self.client.post(
            f"{self.base}/transitions",
            json={"to": to, "note": note},
            headers=await self.factory.auth(user),
        )

    async def state(self) -> dict[str, Any]:
        response = await self.client.get(
            f"{self.base}/review", headers=await self.factory.auth(self.scene.organizer)
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    async def publish(self) -> None:
        s = self.scene
        for user, to in (
            (s.moderator, "in_review"),
            (s.advisor, "approved"),
            (s.organizer, "published"),
        ):
            response = await self.move(user, to)
            assert response.status_code == 200, response.text


async def audit(factory: Factory, dialogue_id: int) -> list[AuditEntry]:
    async with factory.session() as session:
        found = await session.exec(
            select(AuditEntry)
            .where(
                AuditEntry.dialogue_id == dialogue_id, col(AuditEntry.action).startswith("report.")
            )
            .order_by(col(AuditEntry.id))
        )
        return list(found.all())


class TestTransitionsPerRole:
    async def test_each_step_only_by_the_roles_that_may_take_it(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        review = Review(client, factory, scene)
        assert_error(await review.move(scene.participant, "in_review"), 403, "forbidden")
        assert_error(await review.move(scene.advisor, "in_review"), 403, "forbidden")
        assert_error(await review.move(scene.organizer, "published"), 409, "invalid_transition")
        assert (await review.state())["state"] == "draft"
        assert (await review.move(scene.moderator, "in_review")).status_code == 200
        assert_error(await review.move(scene.organizer, "approved"), 403, "forbidden")
        assert_error(await review.move(scene.moderator, "approved"), 403, "forbidden")
        assert (await review.state())["state"] == "in_review"
        assert (await review.move(scene.advisor, "approved", "Faithful.")).status_code == 200
        state = await review.state()
        assert state["state"] == "approved"
        assert [a["user_id"] for a in state["approvals"]] == [scene.advisor.id]
        assert_error(await review.move(scene.advisor, "published"), 403, "forbidden")
        assert_error(await review.move(scene.moderator, "published"), 403, "forbidden")
        assert (await review.move(scene.organizer, "published")).status_code == 200
        assert (await review.state())["state"] == "published"
        assert_error(await review.move(scene.organizer, "draft"), 409, "invalid_transition")

    async def test_sending_back_starts_a_new_round_without_old_approvals(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        review = Review(client, factory, scene)
        await review.move(scene.moderator, "in_review")
        await review.move(scene.advisor, "approved")
        response = await review.move(scene.advisor, "draft", "Theme 2 misses the schools debate.")
        assert response.status_code == 200
        state = await review.state()
        assert (state["state"], state["review_round"], state["approvals"]) == ("draft", 2, [])


class TestAdvisorApprovalRequired:
    async def test_publication_waits_for_an_advisor_once_the_dialogue_has_one(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory, advisors=False)
        review = Review(client, factory, scene)
        assert (await review.move(scene.organizer, "in_review")).status_code == 200
        assert (await review.move(scene.organizer, "approved")).status_code == 200
        await factory.member(scene.dialogue, "advisor")  # the council joins before publication
        assert_error(
            await review.move(scene.organizer, "published"), 409, "advisor_approval_required"
        )
        assert (await review.state())["state"] == "approved"
        async with factory.session() as session:
            snapshots = (await session.exec(select(ReportSnapshot))).all()
        assert snapshots == []

    async def test_without_advisors_the_organizer_signs_off(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory, advisors=False)
        review = Review(client, factory, scene)
        for to in ("in_review", "approved", "published"):
            assert (await review.move(scene.organizer, to)).status_code == 200, to
        assert (await review.state())["state"] == "published"


class TestAudited:
    async def test_every_transition_is_in_the_audit_log(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        review = Review(client, factory, scene)
        await review.move(scene.moderator, "in_review", "Ready.")
        await review.move(scene.advisor, "approved", "Faithful.")
        await review.move(scene.organizer, "published")
        entries = await audit(factory, scene.dialogue.id or 0)
        assert [(e.action, e.actor_id, e.before, e.after) for e in entries] == [
            (
                "report.submit",
                scene.moderator.id,
                {"state": "draft", "review_round": 1},
                {"state": "in_review", "review_round": 1},
            ),
            (
                "report.approve",
                scene.advisor.id,
                {"state": "in_review", "review_round": 1},
                {"state": "approved", "review_round": 1},
            ),
            (
                "report.publish",
                scene.organizer.id,
                {"state": "approved", "review_round": 1},
                {"state": "published", "review_round": 1},
            ),
        ]
        assert [e.reason for e in entries] == ["Ready.", "Faithful.", ""]

    async def test_a_refused_transition_leaves_no_trace(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        review = Review(client, factory, scene)
        assert_error(await review.move(scene.advisor, "in_review"), 403, "forbidden")
        assert await audit(factory, scene.dialogue.id or 0) == []


class TestNarrative:
    async def test_staff_write_it_and_it_sits_in_the_report(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        url = f"/api/v1/dialogues/{scene.dialogue.slug}/report/narrative"
        body = {
            "executive_summary": "Men's programmes must answer to **women's movements**.",
            "theme_summaries": {str(scene.theme.id): "Trust is built slowly."},
            "recommendations": "1. Fund women's organisations first.",
        }
        for user, status in ((scene.advisor, 403), (scene.participant, 403)):
            response = await client.put(url, json=body, headers=await factory.auth(user))
            assert response.status_code == status
        response = await client.put(url, json=body, headers=await factory.auth(scene.moderator))
        assert response.status_code == 200, response.text
        report = await client.get(
            f"/api/v1/dialogues/{scene.dialogue.slug}/report",
            params={"format": "md"},
            headers=await factory.auth(scene.organizer),
        )
        text = report.text
        assert "Men's programmes must answer to **women's movements**." in text
        assert "Trust is built slowly." in text
        assert "1. Fund women's organisations first." in text

    async def test_unknown_theme_is_refused_and_nothing_changes(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        url = f"/api/v1/dialogues/{scene.dialogue.slug}/report/narrative"
        headers = await factory.auth(scene.organizer)
        await client.put(url, json={"executive_summary": "Before."}, headers=headers)
        response = await client.put(
            url,
            json={"executive_summary": "After.", "theme_summaries": {"999999": "x"}},
            headers=headers,
        )
        assert_error(response, 422, "invalid")
        assert (await client.get(url, headers=headers)).json()["executive_summary"] == "Before."

    async def test_approved_report_is_locked(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        review = Review(client, factory, scene)
        await review.move(scene.moderator, "in_review")
        await review.move(scene.advisor, "approved")
        response = await client.put(
            f"/api/v1/dialogues/{scene.dialogue.slug}/report/narrative",
            json={"executive_summary": "Late change."},
            headers=await factory.auth(scene.organizer),
        )
        assert_error(response, 409, "report_locked")


class TestComments:
    async def test_reviewers_comment_others_cannot(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        url = f"/api/v1/dialogues/{scene.dialogue.slug}/report/comments"
        comment = {"body": "Quote 3 needs context.", "theme_id": scene.theme.id}
        response = await client.post(url, json=comment, headers=await factory.auth(scene.advisor))
        assert response.status_code == 201, response.text
        refused = await client.post(
            url, json=comment, headers=await factory.auth(scene.participant)
        )
        assert_error(refused, 403, "forbidden")
        empty = await client.post(url, json={"body": ""}, headers=await factory.auth(scene.advisor))
        assert_error(empty, 422, "invalid")
        items = (await client.get(url, headers=await factory.auth(scene.organizer))).json()["items"]
        assert [(c["body"], c["author"]["id"]) for c in items] == [
            ("Quote 3 needs context.", scene.advisor.id)
        ]


class TestPublishedIsFrozen:
    async def test_later_posts_do_not_change_the_published_report(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        review = Review(client, factory, scene)
        await review.publish()
        url = f"/api/v1/dialogues/{scene.dialogue.slug}/report"
        headers = await factory.auth(scene.organizer)
        before = (await client.get(url, params={"format": "json"}, headers=headers)).content
        world = World(factory)
        await world.thread(
            scene.dialogue,
            scene.theme,
            scene.people["amina"],
            "Late",
            "LATEPOST after publication.",
        )
        after = (await client.get(url, params={"format": "json"}, headers=headers)).content
        assert before == after
        assert "LATEPOST" not in after.decode()
        assert json.loads(after)["report"]["state"] == "published"


class TestDownloadAudience:
    async def test_the_organizer_decides_who_downloads(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        url = f"/api/v1/dialogues/{scene.dialogue.slug}/report/published?format=md"
        participant = await factory.auth(scene.participant)
        assert_error(await client.get(url, headers=participant), 404, "not_found")
        await Review(client, factory, scene).publish()
        assert_error(await client.get(url, headers=participant), 403, "forbidden")
        assert (await client.get(url, headers=await factory.auth(scene.advisor))).status_code == 200
        audience = f"/api/v1/dialogues/{scene.dialogue.slug}/report/audience"
        refused = await client.put(
            audience, json={"audience": "members"}, headers=await factory.auth(scene.advisor)
        )
        assert_error(refused, 403, "forbidden")
        response = await client.put(
            audience, json={"audience": "members"}, headers=await factory.auth(scene.organizer)
        )
        assert response.status_code == 200
        downloaded = await client.get(url, headers=participant)
        assert downloaded.status_code == 200
        assert "NAMEDQUOTE" in downloaded.text
        outsider = await factory.auth(await factory.user())
        assert_error(await client.get(url, headers=outsider), 404, "not_found")

    async def test_public_report_of_a_public_dialogue_needs_no_account(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        async with factory.session() as session:
            dialogue = await session.get(type(scene.dialogue), scene.dialogue.id)
            assert dialogue is not None
            dialogue.visibility = "public"
            session.add(dialogue)
            await session.commit()
        await Review(client, factory, scene).publish()
        url = f"/api/v1/dialogues/{scene.dialogue.slug}/report/published?format=csv"
        assert_error(await client.get(url), 403, "forbidden")
        await client.put(
            f"/api/v1/dialogues/{scene.dialogue.slug}/report/audience",
            json={"audience": "public"},
            headers=await factory.auth(scene.organizer),
        )
        assert (await client.get(url)).status_code == 200


class TestConcurrentPublication:
    async def test_two_publications_at_once_make_one_snapshot(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        review = Review(client, factory, scene)
        await review.move(scene.moderator, "in_review")
        await review.move(scene.advisor, "approved")
        second_organizer = await factory.member(scene.dialogue, "organizer")
        first, second = await asyncio.gather(
            review.move(scene.organizer, "published"), review.move(second_organizer, "published")
        )
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        loser = first if first.status_code == 409 else second
        assert_error(loser, 409, "invalid_transition")
        async with factory.session() as session:
            snapshots = (await session.exec(select(ReportSnapshot))).all()
        assert [s.version for s in snapshots] == [1]
        publications = [e for e in await audit(factory, scene.dialogue.id or 0)]
        assert [e.action for e in publications].count("report.publish") == 1


class TestReviewersHearOfChanges:
    async def test_transitions_and_comments_are_events_for_reviewers_only(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        review = Review(client, factory, scene)
        await review.move(scene.moderator, "in_review")
        await client.post(
            f"{review.base}/comments",
            json={"body": "Looks faithful."},
            headers=await factory.auth(scene.advisor),
        )
        url = f"/api/v1/dialogues/{scene.dialogue.slug}/events"

        async def kinds(user: User) -> list[str]:
            response = await client.get(url, headers=await factory.auth(user))
            assert response.status_code == 200, response.text
            return [e["kind"] for e in response.json()["events"] if e["kind"].startswith("report.")]

        assert await kinds(scene.advisor) == ["report.updated", "report.commented"]
        assert await kinds(scene.participant) == []
