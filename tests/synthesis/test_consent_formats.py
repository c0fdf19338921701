"""Consent and visibility in every format: who may be quoted, how, and what never appears."""

from __future__ import annotations

import httpx
import pytest

from dialogue.synthesis.render.registry import REPORT_FORMATS
from tests.factories import Factory
from tests.synthesis.scene import (
    ABSENT,
    FORMATS,
    PRESENT,
    all_formats,
    build_scene,
    csv_rows,
    text_of,
)


class TestConsentInEveryFormat:
    async def test_quotes_follow_consent_and_nothing_unpublished_appears(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        outputs = await all_formats(
            client, scene.dialogue.slug, await factory.auth(scene.organizer)
        )
        for fmt, body in outputs.items():
            text = text_of(fmt, body)
            for word, attribution in PRESENT.items():
                assert word in text, (fmt, word)
                assert attribution in text, (fmt, attribution)
            for word in ABSENT:
                assert word not in text, (fmt, word)

    async def test_anonymous_post_is_attributed_to_no_one(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        response = await client.get(
            f"/api/v1/dialogues/{scene.dialogue.slug}/report",
            params={"format": "csv"},
            headers=await factory.auth(scene.advisor),
        )
        rows = {int(r["post_id"]): r for r in csv_rows(response.content)}
        anonymous = rows[scene.posts["eve"].id or 0]
        assert anonymous["author"] == "Anonymous participant"
        assert anonymous["quoted"] == "yes"
        refused = rows[scene.posts["carla"].id or 0]
        assert (refused["author"], refused["text"], refused["quoted"]) == ("", "", "no")
        assert refused["thread"] == f"Thread {scene.posts['carla'].thread_id}"


class TestUnpublishedNeverCounted:
    async def test_csv_has_one_row_per_published_post(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        response = await client.get(
            f"/api/v1/dialogues/{scene.dialogue.slug}/report",
            params={"format": "csv"},
            headers=await factory.auth(scene.organizer),
        )
        assert response.headers["content-type"].startswith("text/csv")
        rows = csv_rows(response.content)
        assert len(rows) == scene.published
        hidden = {scene.posts[s].id for s in ("pending", "rejected", "hidden", "deleted")}
        assert not hidden & {int(r["post_id"]) for r in rows}


@pytest.mark.parametrize("fmt", FORMATS)
class TestMediaTypes:
    async def test_each_format_has_its_type_and_file_name(
        self, fmt: str, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        response = await client.get(
            f"/api/v1/dialogues/{scene.dialogue.slug}/report",
            params={"format": fmt},
            headers=await factory.auth(scene.organizer),
        )
        assert response.status_code == 200
        disposition = response.headers["content-disposition"]
        assert disposition.endswith(f'{scene.dialogue.slug}-report.{fmt}"')
        assert response.headers["content-type"] == REPORT_FORMATS[fmt].media_type
