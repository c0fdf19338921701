"""The codebook: staff define codes per dialogue and apply them to posts of that dialogue."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from dialogue.moderation import codebook
from dialogue.moderation.models import PostCode
from tests.factories import Factory
from tests.moderation.scene import Scene, assert_error, build_scene


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    return await build_scene(factory, client, moderation="post")


async def new_code(scene: Scene, name: str, who: str = "moderator", **body: str) -> httpx.Response:
    return await scene.client.post(
        f"/api/v1/dialogues/{scene.slug}/codes",
        json={"name": name, "description": f"About {name}", **body},
        headers=scene.headers[who],
    )


class TestCreateCode:
    async def test_create_and_list(self, scene: Scene) -> None:
        response = await new_code(scene, "Fatherhood", colour="#AA3300")
        assert response.status_code == 201, response.text
        assert response.json()["colour"] == "#aa3300"
        listed = await scene.client.get(
            f"/api/v1/dialogues/{scene.slug}/codes", headers=scene.headers["advisor"]
        )
        assert [c["name"] for c in listed.json()["items"]] == ["Fatherhood"]

    async def test_duplicate_name_conflicts(self, scene: Scene) -> None:
        await new_code(scene, "Consent")
        assert_error(await new_code(scene, "Consent", who="organizer"), 409, "code_exists")

    async def test_bad_colour_is_invalid(self, scene: Scene) -> None:
        assert_error(await new_code(scene, "Bad", colour="red"), 422, "invalid")

    async def test_participant_cannot_define_codes(self, scene: Scene) -> None:
        assert_error(await new_code(scene, "Mine", who="participant"), 403, "forbidden")


class TestApplyCodes:
    async def test_replace_codes_of_a_post(self, scene: Scene) -> None:
        thread = await scene.thread()
        a = (await new_code(scene, "A")).json()
        b = (await new_code(scene, "B")).json()
        url = f"/api/v1/posts/{thread['post']['id']}/codes"
        first = await scene.client.put(
            url, json={"codes": [a["id"], b["id"]]}, headers=scene.headers["moderator"]
        )
        assert [c["name"] for c in first.json()["codes"]] == ["A", "B"]
        second = await scene.client.put(
            url, json={"codes": [b["id"]]}, headers=scene.headers["moderator"]
        )
        assert [c["name"] for c in second.json()["codes"]] == ["B"]
        async with scene.factory.session() as session:
            mapping = await codebook.codes_by_post(
                session=session, post_ids=[thread["post"]["id"], 0]
            )
        assert [c.name for c in mapping[thread["post"]["id"]]] == ["B"] and mapping[0] == []

    async def test_code_of_another_dialogue_is_refused_and_nothing_changes(
        self, scene: Scene, factory: Factory
    ) -> None:
        thread = await scene.thread()
        mine = (await new_code(scene, "Mine")).json()
        url = f"/api/v1/posts/{thread['post']['id']}/codes"
        await scene.client.put(
            url, json={"codes": [mine["id"]]}, headers=scene.headers["moderator"]
        )
        other = await factory.dialogue()
        async with factory.session() as session:
            foreign = await codebook.create_code(
                session=session,
                dialogue_id=other.id or 0,
                actor_id=None,
                name="Foreign",
                description="",
                colour="#000000",
            )
            await session.commit()
        response = await scene.client.put(
            url, json={"codes": [foreign.id]}, headers=scene.headers["moderator"]
        )
        assert_error(response, 422, "unknown_code")
        async with factory.session() as session:
            rows = (await session.exec(select(PostCode))).all()
        assert [(r.post_id, r.code_id) for r in rows] == [(thread["post"]["id"], mine["id"])]

    async def test_list_codes_of_a_dialogue(self, scene: Scene) -> None:
        await new_code(scene, "Zeta")
        await new_code(scene, "Alpha")
        async with scene.factory.session() as session:
            codes = await codebook.list_codes(session=session, dialogue_id=scene.dialogue.id or 0)
        assert [c.name for c in codes] == ["Alpha", "Zeta"]
