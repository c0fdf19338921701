"""The API side of the report's workflow: introduction, comments per section, versions and
the timeline, for reviewers only."""

from __future__ import annotations

import httpx

from tests.factories import Factory
from tests.helpers import assert_error
from tests.synthesis.scene import build_scene


class TestWorkflowApi:
    async def test_sections_versions_and_timeline(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        api = f"/api/v1/dialogues/{scene.dialogue.slug}/report"
        moderator = await factory.auth(scene.moderator)
        advisor = await factory.auth(scene.advisor)
        saved = await client.put(
            f"{api}/narrative", json={"introduction": "Why we met."}, headers=moderator
        )
        assert saved.status_code == 200 and saved.json()["introduction"] == "Why we met."
        comment = await client.post(
            f"{api}/comments",
            json={"body": "Say who convened it.", "section": "introduction"},
            headers=advisor,
        )
        assert comment.status_code == 201 and comment.json()["section"] == "introduction"
        on_theme = await client.post(
            f"{api}/comments", json={"body": "Good.", "theme_id": scene.theme.id}, headers=advisor
        )
        assert on_theme.json()["section"] == "theme"
        assert_error(
            await client.post(
                f"{api}/comments", json={"body": "x", "section": "theme"}, headers=advisor
            ),
            422,
            "invalid",
        )
        moved = await client.post(
            f"{api}/transitions", json={"to": "in_review", "note": "Ready."}, headers=moderator
        )
        assert moved.status_code == 200
        versions = (await client.get(f"{api}/versions", headers=advisor)).json()["items"]
        assert [(v["version"], v["introduction"]) for v in versions] == [(1, "Why we met.")]
        steps = (await client.get(f"{api}/timeline", headers=advisor)).json()["items"]
        assert [(s["action"], s["actor"], s["note"]) for s in steps] == [
            ("edit", scene.moderator.display_name, ""),
            ("submit", scene.moderator.display_name, "Ready."),
        ]
        participant = await factory.auth(scene.participant)
        for path in ("versions", "timeline"):
            assert_error(await client.get(f"{api}/{path}", headers=participant), 403, "forbidden")
