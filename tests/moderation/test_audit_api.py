"""Reading the audit log: who may, filters, CSV export, and the transparency figures."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from dialogue.moderation import transparency
from tests.factories import Factory
from tests.moderation.scene import Scene, assert_error, build_scene


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    scene = await build_scene(factory, client, moderation="pre")
    thread = await scene.thread("moderator")
    a = await scene.post(thread["id"])
    b = await scene.post(thread["id"])
    await scene.moderate(a["id"], "approve")
    await scene.moderate(b["id"], "reject", who="moderator2", reason="=HYPERLINK(x)", clause="1")
    return scene


def log_url(scene: Scene) -> str:
    return f"/api/v1/dialogues/{scene.slug}/audit-log"


class TestAuditLog:
    @pytest.mark.parametrize("who", ["moderator", "organizer", "advisor", "admin"])
    async def test_reviewers_read_it(self, scene: Scene, who: str) -> None:
        response = await scene.client.get(log_url(scene), headers=scene.headers[who])
        assert response.status_code == 200
        assert [e["action"] for e in response.json()["items"]] == ["post.reject", "post.approve"]

    @pytest.mark.parametrize(
        ("who", "status"), [("participant", 403), ("expert", 403), ("outsider", 404)]
    )
    async def test_others_do_not(self, scene: Scene, who: str, status: int) -> None:
        response = await scene.client.get(log_url(scene), headers=scene.headers[who])
        assert response.status_code == status

    async def test_filters(self, scene: Scene) -> None:
        by_action = await scene.client.get(
            log_url(scene), params={"action": "post.approve"}, headers=scene.headers["advisor"]
        )
        assert [e["action"] for e in by_action.json()["items"]] == ["post.approve"]
        by_actor = await scene.client.get(
            log_url(scene),
            params={"actor_id": scene.users["moderator2"].id},
            headers=scene.headers["advisor"],
        )
        assert [e["action"] for e in by_actor.json()["items"]] == ["post.reject"]
        by_prefix = await scene.client.get(
            log_url(scene),
            params={"action": "post.", "target_type": "post"},
            headers=scene.headers["advisor"],
        )
        assert len(by_prefix.json()["items"]) == 2

    async def test_bad_filter_is_invalid(self, scene: Scene) -> None:
        response = await scene.client.get(
            log_url(scene), params={"actor_id": "x"}, headers=scene.headers["advisor"]
        )
        assert_error(response, 422, "invalid")

    async def test_csv_export_is_safe_for_spreadsheets(self, scene: Scene) -> None:
        response = await scene.client.get(
            log_url(scene), params={"format": "csv"}, headers=scene.headers["advisor"]
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [r["action"] for r in rows] == ["post.reject", "post.approve"]
        assert rows[0]["reason"] == "'=HYPERLINK(x)"
        assert rows[0]["clause"] == "1" and rows[0]["clause_version"] == "1"

    @pytest.mark.parametrize("reason", ['=HYPERLINK("http://x")', "-1+2"])
    async def test_csv_quotes_every_formula_start(self, scene: Scene, reason: str) -> None:
        thread = await scene.thread("moderator")
        post = await scene.post(thread["id"])
        await scene.moderate(post["id"], "reject", reason=reason, clause="1")
        response = await scene.client.get(
            log_url(scene), params={"format": "csv"}, headers=scene.headers["advisor"]
        )
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert rows[0]["reason"] == "'" + reason
        for row in rows:
            assert not any(value.startswith(("=", "+", "-", "@")) for value in row.values())


class TestTransparency:
    async def test_public_figures_have_no_personal_data(self, scene: Scene) -> None:
        response = await scene.client.get(
            f"/api/v1/dialogues/{scene.slug}/transparency", headers=scene.headers["observer"]
        )
        assert response.status_code == 200
        figures = response.json()
        # One approval, one rejection: too few to publish (each could point to one person).
        assert (figures["approved"], figures["rejected"], figures["hidden"]) == (None, None, None)
        assert figures["median_queue_seconds"] is None
        async with scene.factory.session() as session:
            counted = await transparency.tally(session=session, dialogue_id=scene.dialogue.id or 0)
        assert (counted.actions["post.approve"], counted.actions["post.reject"]) == (1, 1)
        assert len(counted.seconds) == 2
        for user in scene.users.values():
            assert user.display_name not in response.text and user.email not in response.text

    async def test_invite_dialogue_hides_figures_from_outsiders(self, scene: Scene) -> None:
        response = await scene.client.get(
            f"/api/v1/dialogues/{scene.slug}/transparency", headers=scene.headers["outsider"]
        )
        assert response.status_code == 404
