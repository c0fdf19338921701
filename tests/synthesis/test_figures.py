"""Figures recomputed from the tables by independent queries; the same data, the same bytes."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import text

from dialogue.threads.models import Thread
from tests.factories import Factory
from tests.synthesis.builders import World
from tests.synthesis.scene import Scene, build_scene


async def report_json(client: httpx.AsyncClient, factory: Factory, scene: Scene) -> bytes:
    response = await client.get(
        f"/api/v1/dialogues/{scene.dialogue.slug}/report",
        params={"format": "json"},
        headers=await factory.auth(scene.advisor),
    )
    assert response.status_code == 200, response.text
    return response.content


async def rows(factory: Factory, sql: str, **params: Any) -> list[Any]:
    async with factory.session() as session:
        return list((await session.exec(text(sql), params=params)).all())  # type: ignore[call-overload]


PUBLISHED = """
    SELECT p.id, p.author_id, p.thread_id, t.theme_id, p.anonymous
    FROM post p JOIN thread t ON t.id = p.thread_id
    WHERE p.dialogue_id = :d AND p.status = 'published' AND t.status = 'published'
"""


def figure(figures: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return next(f for f in figures if f["key"] == key)


class TestFiguresFromData:
    async def test_at_a_glance_matches_the_tables(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        document = json.loads(await report_json(client, factory, scene))
        published = await rows(factory, PUBLISHED, d=scene.dialogue.id)
        figures = document["at_a_glance"]["figures"]
        assert figure(figures, "posts")["value"] == len(published)
        # People are counted through their own-name posts only.
        assert figure(figures, "participants")["value"] == len(
            {r[1] for r in published if not r[4]}
        )
        assert figure(figures, "anonymous_posts")["post_ids"] == sorted(
            r[0] for r in published if r[4]
        )
        assert figure(figures, "threads")["value"] == len({r[2] for r in published})
        assert figure(figures, "posts")["post_ids"] == sorted(r[0] for r in published)
        for theme in document["at_a_glance"]["themes"]:
            mine = [r for r in published if r[3] == theme["theme_id"]]
            assert figure(theme["figures"], "posts")["value"] == len(mine)
            assert figure(theme["figures"], "posts")["post_ids"] == sorted(r[0] for r in mine)

    async def test_reactions_and_moderation_figures_match_the_tables(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        document = json.loads(await report_json(client, factory, scene))
        reactions = await rows(
            factory,
            "SELECT r.post_id, r.kind FROM reaction r JOIN post p ON p.id = r.post_id "
            "WHERE p.dialogue_id = :d",
            d=scene.dialogue.id,
        )
        counted = Counter((post_id, kind) for post_id, kind in reactions)
        for post in document["posts"]:
            for kind in ("agree", "disagree", "pass"):
                assert post["reactions"][kind] == counted[(post["id"], kind)]
        statuses = dict(
            await rows(
                factory,
                "SELECT status, count(*) FROM post WHERE dialogue_id = :d GROUP BY status",
                d=scene.dialogue.id,
            )
        )
        by_status = document["methodology"]["moderation"]["posts_by_status"]
        assert by_status == {s: statuses.get(s, 0) for s in by_status}

    async def test_code_frequencies_and_recommendations_rest_on_coded_posts(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        document = json.loads(await report_json(client, factory, scene))
        coded = {scene.posts["amina"].id, scene.posts["carla"].id}
        theme = document["themes"][0]
        assert theme["codes"] == [{"code": "Recommendation", "count": 2, "post_ids": sorted(coded)}]
        group = document["recommendations"]["groups"][0]
        assert set(group["post_ids"]) == coded
        # Amina's post is highlighted, hence quoted above: no post is quoted twice.
        assert group["items"] == [] and group["quoted_above"] == [scene.posts["amina"].id]
        assert group["not_quoted"] == 1  # Carla did not consent


class TestDeterminism:
    async def test_same_data_gives_byte_identical_json(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        world = World(factory)
        thread_post = scene.posts["amina"]
        async with factory.session() as session:
            thread = await session.get(Thread, thread_post.thread_id)
        assert thread is not None
        for n in range(12):  # enough posts for sub-themes and their seeded factorisation
            topic = ("funding trust partners", "schools teachers boys")[n % 2]
            await world.post(thread, scene.people["amina"], f"{topic} reflection {n}")
        first = await report_json(client, factory, scene)
        second = await report_json(client, factory, scene)
        assert first == second
        assert json.loads(first)["themes"][0]["subthemes"]["found"] is True
