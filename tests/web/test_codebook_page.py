"""The codebook page: staff create, rename, describe and merge codes, and see their counts."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

from dialogue.moderation.models import Code
from dialogue.state import app_state
from tests.factories import Factory
from tests.web import scenes
from tests.web.html import text
from tests.web.moderation_scene import StaffScene, staff_scene


@pytest.fixture
async def world(app: FastAPI, factory: Factory) -> StaffScene:
    return await staff_scene(app, factory)


def codebook_url(w: StaffScene) -> str:
    return f"/d/{w.slug}/moderation/codebook"


def card(html: str, code_id: int | None) -> str:
    start = html.index(f'id="code-{code_id}"')
    return html[start : html.index("</li>", start)]


async def apply(w: StaffScene, post_id: int | None, *codes: Code) -> None:
    url = f"/d/{w.slug}/moderation/posts/{post_id}/codes"
    response = await w.send(w.moderator, url, {"codes": [c.id for c in codes]})
    assert response.status_code == 303, response.text


class TestCreate:
    @pytest.mark.parametrize("who", ["moderator", "organizer"])
    async def test_staff_add_a_code(self, world: StaffScene, who: str) -> None:
        user = world.people()[who]
        assert user is not None
        response = await world.send(
            user,
            codebook_url(world),
            {"name": " Safety planning ", "description": "Plans to stay safe", "colour": "#AA0000"},
            page=codebook_url(world),
        )
        assert response.status_code == 303
        [entry] = await world.audit("code.create")
        assert response.headers["location"] == f"{codebook_url(world)}#code-{entry.target_id}"
        page = await world.page(user, codebook_url(world))
        shown = text(card(page.text, entry.target_id))
        assert "Safety planning" in shown and "Plans to stay safe" in shown and "0 posts" in shown

    async def test_a_taken_name_is_shown_again_with_the_reason(self, world: StaffScene) -> None:
        await world.code("Safety")
        response = await world.send(
            world.moderator,
            codebook_url(world),
            {"name": "Safety", "description": "again"},
            page=codebook_url(world),
        )
        assert response.status_code == 409
        assert 'id="new-code-error"' in response.text
        assert "already has a code with that name" in text(response.text)
        assert 'value="Safety"' in response.text


class TestRenameAndDescribe:
    async def test_rename_keeps_the_posts(self, world: StaffScene) -> None:
        code = await world.code("Safty")
        await apply(world, world.post.id, code)
        response = await world.send(
            world.moderator,
            f"{codebook_url(world)}/{code.id}",
            {"name": "Safety", "description": "Staying safe"},
            page=codebook_url(world),
        )
        assert response.status_code == 303
        assert await world.codes_of(world.post.id or 0) == ["Safety"]
        [entry] = await world.audit("code.update")
        assert entry.before == {"name": "Safty", "description": ""}
        assert entry.after == {"name": "Safety", "description": "Staying safe"}

    async def test_renaming_to_a_taken_name_is_refused_at_the_code(self, world: StaffScene) -> None:
        await world.code("Justice")
        code = await world.code("Safety")
        response = await world.send(
            world.moderator,
            f"{codebook_url(world)}/{code.id}",
            {"name": "Justice", "description": ""},
            page=codebook_url(world),
        )
        assert response.status_code == 409
        assert f'id="code-{code.id}-error"' in card(response.text, code.id)


class TestCountsAndMerge:
    async def test_counts_then_merge_moves_every_post(
        self, world: StaffScene, app: FastAPI
    ) -> None:
        s = world.s
        third = await scenes.reply(app, s.dialogue, s.theme, world.thread, s.alice, body="More")
        keep = await world.code("Safety")
        fold = await world.code("Safety planning")
        await apply(world, world.post.id, keep, fold)  # both: keeps Safety once
        await apply(world, third.id, fold)
        page = await world.page(world.moderator, codebook_url(world))
        assert "1 post" in text(card(page.text, keep.id))
        assert "2 posts" in text(card(page.text, fold.id))
        merge = re.search(rf'action="{codebook_url(world)}/{fold.id}/merge"', page.text)
        assert merge is not None

        response = await world.send(
            world.moderator,
            f"{codebook_url(world)}/{fold.id}/merge",
            {"into": keep.id},
            page=codebook_url(world),
        )
        assert response.status_code == 303
        assert await world.codes_of(world.post.id or 0) == ["Safety"]
        assert await world.codes_of(third.id or 0) == ["Safety"]
        async with app_state(app).database.session() as session:
            assert await session.get(Code, fold.id) is None
        [entry] = await world.audit("code.merge")
        assert entry.before == {"name": "Safety planning", "posts": 2}
        assert entry.after == {"into": keep.id, "name": "Safety"}
        after = await world.page(world.moderator, codebook_url(world))
        assert "2 posts" in text(card(after.text, keep.id))
        assert f'id="code-{fold.id}"' not in after.text

    async def test_merging_a_code_into_itself_is_refused(self, world: StaffScene) -> None:
        code = await world.code("Safety")
        await world.code("Justice")
        response = await world.send(
            world.moderator,
            f"{codebook_url(world)}/{code.id}/merge",
            {"into": code.id},
            page=codebook_url(world),
        )
        assert response.status_code == 422
        assert "Choose another code" in text(card(response.text, code.id))


class TestWhoMay:
    @pytest.mark.parametrize("who", ["participant", "advisor"])
    async def test_others_get_403(self, world: StaffScene, who: str) -> None:
        user = world.people()[who]
        code = await world.code("Safety")
        assert (await world.page(user, codebook_url(world))).status_code == 403
        for url, data in (
            (codebook_url(world), {"name": "Mine"}),
            (f"{codebook_url(world)}/{code.id}", {"name": "Renamed"}),
            (f"{codebook_url(world)}/{code.id}/merge", {"into": code.id}),
        ):
            response = await world.send(user, url, data, page=world.thread_url)
            assert response.status_code == 403, url
        assert await world.audit("code.update") == []
