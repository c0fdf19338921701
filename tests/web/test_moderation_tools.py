"""The moderators' tools on the thread page: each works for staff, with its audit entry and
clause, comes back to the post, and is neither offered to nor accepted from anyone else."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from dialogue.threads.models import PostStatus
from tests.factories import Factory
from tests.web import scenes
from tests.web.html import post_html, text
from tests.web.moderation_scene import StaffScene, staff_scene

STAFF = ("moderator", "organizer")
OTHERS = ("participant", "advisor")


@pytest.fixture
async def world(app: FastAPI, factory: Factory) -> StaffScene:
    return await staff_scene(app, factory)


def moderation_url(w: StaffScene) -> str:
    return f"/d/{w.slug}/moderation/posts/{w.post.id}"


class TestHideAndShow:
    @pytest.mark.parametrize("who", STAFF)
    async def test_staff_hide_citing_a_clause_and_come_back_to_the_post(
        self, world: StaffScene, who: str
    ) -> None:
        user = world.people()[who]
        assert user is not None
        page = await world.page(user)
        menu = post_html(page.text, world.post.id or 0)
        assert '<details class="moderate">' in menu
        assert 'name="clause" required' in menu  # hiding cites a clause
        response = await world.send(
            user,
            moderation_url(world),
            {"action": "hide", "reason": "Names a person", "clause": "3", "return_to": "thread"},
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"{world.thread_url}#post-{world.post.id}"
        assert (await scenes.post_row(world.app, world.post.id or 0)).status == "hidden"
        [entry] = await world.audit("post.hide")
        assert (entry.reason, entry.clause, entry.clause_version) == ("Names a person", "3", 1)
        assert entry.actor_id == user.id

        shown = await world.page(user)
        hidden = post_html(shown.text, world.post.id or 0)
        assert 'value="unhide"' in hidden and 'value="hide"' not in hidden
        again = await world.send(
            user,
            moderation_url(world),
            {"action": "unhide", "reason": "Name removed", "return_to": "thread"},
        )
        assert again.status_code == 303
        assert (await scenes.post_row(world.app, world.post.id or 0)).status == "published"
        assert len(await world.audit("post.unhide")) == 1

    async def test_a_hide_without_reason_shows_the_page_again_with_the_reason(
        self, world: StaffScene
    ) -> None:
        response = await world.send(
            world.moderator,
            moderation_url(world),
            {"action": "hide", "reason": " ", "clause": "3", "return_to": "thread"},
        )
        assert response.status_code == 422
        menu = post_html(response.text, world.post.id or 0)
        assert '<details class="moderate" open>' in menu
        assert "Please give a reason for this action." in text(menu)
        assert (await scenes.post_row(world.app, world.post.id or 0)).status == "published"
        assert await world.audit("post.hide") == []

    async def test_an_unknown_clause_is_refused_on_the_page(self, world: StaffScene) -> None:
        response = await world.send(
            world.moderator,
            moderation_url(world),
            {"action": "hide", "reason": "r", "clause": "9", "return_to": "thread"},
        )
        assert response.status_code == 422
        assert "There is no clause 9" in text(post_html(response.text, world.post.id or 0))

    async def test_the_queue_still_comes_back_to_the_queue(self, world: StaffScene) -> None:
        response = await world.send(
            world.moderator,
            moderation_url(world),
            {"action": "hide", "reason": "r", "clause": "1"},
            page=f"/d/{world.slug}/moderation",
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"/d/{world.slug}/moderation"


class TestHighlight:
    async def test_organizer_highlights_and_takes_it_off(self, world: StaffScene) -> None:
        for action, expected in (("highlight", True), ("unhighlight", False)):
            response = await world.send(
                world.s.organizer, moderation_url(world), {"action": action, "return_to": "thread"}
            )
            assert response.status_code == 303
            assert (await scenes.post_row(world.app, world.post.id or 0)).highlighted is expected
            assert len(await world.audit(f"post.{action}")) == 1
        page = await world.page(world.s.organizer)
        assert 'value="highlight"' in post_html(page.text, world.post.id or 0)


class TestEditWithNote:
    async def test_moderator_edits_with_a_note(self, world: StaffScene) -> None:
        edit = f"/d/{world.slug}/moderation/posts/{world.post.id}/edit"
        page = await world.page(world.moderator)
        assert f'href="{edit}"' in post_html(page.text, world.post.id or 0)
        form = await world.page(world.moderator, edit)
        assert form.status_code == 200 and "Bob&#39;s account." in form.text
        refused = await world.send(world.moderator, edit, {"body": "Edited.", "note": ""}, edit)
        assert refused.status_code == 422
        assert "Please say why you edit this post." in text(refused.text)
        response = await world.send(
            world.moderator,
            edit,
            {"body": "Bob's account, without the name.", "note": "Name"},
            edit,
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"{world.thread_url}#post-{world.post.id}"
        row = await scenes.post_row(world.app, world.post.id or 0)
        assert row.body == "Bob's account, without the name."
        [entry] = await world.audit("post.edit")
        assert entry.reason == "Name" and entry.actor_id == world.moderator.id

    @pytest.mark.parametrize("who", OTHERS)
    async def test_others_may_not_open_it(self, world: StaffScene, who: str) -> None:
        user = world.people()[who]
        page = await world.page(user, f"/d/{world.slug}/moderation/posts/{world.post.id}/edit")
        assert page.status_code == 403


class TestCodesInPlace:
    async def test_moderator_applies_and_removes_codes(self, world: StaffScene) -> None:
        safety = await world.code("Safety")
        justice = await world.code("Justice")
        codes = f"/d/{world.slug}/moderation/posts/{world.post.id}/codes"
        page = await world.page(world.moderator)
        coding = post_html(page.text, world.post.id or 0)
        assert f'action="{codes}"' in coding and 'name="codes"' in coding
        response = await world.send(world.moderator, codes, {"codes": [safety.id, justice.id]})
        assert response.status_code == 303
        assert response.headers["location"] == f"{world.thread_url}#post-{world.post.id}"
        assert await world.codes_of(world.post.id or 0) == ["Justice", "Safety"]
        shown = post_html((await world.page(world.moderator)).text, world.post.id or 0)
        assert f'value="{safety.id}" checked' in shown
        cleared = await world.send(world.s.organizer, codes, {})
        assert cleared.status_code == 303
        assert await world.codes_of(world.post.id or 0) == []
        entries = await world.audit("post.codes")
        applied = [sorted((e.after or {})["codes"]) for e in entries]
        assert applied == [sorted([safety.id or 0, justice.id or 0]), []]

    async def test_a_code_of_another_dialogue_is_refused(
        self, world: StaffScene, app: FastAPI, factory: Factory
    ) -> None:
        other = await staff_scene(app, factory)
        foreign = await other.code("Elsewhere")
        codes = f"/d/{world.slug}/moderation/posts/{world.post.id}/codes"
        response = await world.send(world.moderator, codes, {"codes": [foreign.id]})
        assert response.status_code == 422
        assert "Codes must come from this dialogue" in text(response.text)


class TestRefusedToOthers:
    @pytest.mark.parametrize("who", OTHERS)
    async def test_no_tools_shown_and_none_accepted(self, world: StaffScene, who: str) -> None:
        await world.code("Safety")
        user = world.people()[who]
        assert user is not None
        page = await world.page(user)
        assert 'class="moderate' not in page.text
        assert "post-coding" not in page.text and "thread-tools" not in page.text
        assert "/moderation/posts/" not in page.text
        for url, data in (
            (moderation_url(world), {"action": "hide", "reason": "r", "return_to": "thread"}),
            (moderation_url(world), {"action": "highlight", "return_to": "thread"}),
            (f"{moderation_url(world)}/codes", {}),
            (f"/d/{world.slug}/moderation/threads/{world.thread.id}", {"action": "lock"}),
        ):
            response = await world.send(user, url, data)
            assert response.status_code == 403, (url, response.text)
        row = await scenes.post_row(world.app, world.post.id or 0)
        assert (row.status, row.highlighted) == (PostStatus.PUBLISHED, False)
        assert (await world.thread_row()).locked is False


class TestQueueReject:
    async def test_the_queue_asks_for_the_reason_and_the_clause(
        self, app: FastAPI, factory: Factory
    ) -> None:
        w = await staff_scene(app, factory)
        await scenes.set_status(app, w.post, PostStatus.PENDING)  # as pre-moderation leaves it
        queue = f"/d/{w.slug}/moderation"
        page = await w.page(w.moderator, queue)
        item = page.text[page.text.index(f'id="item-{w.post.id}"') :]
        start = item.index('class="stack reject-form"')
        form = item[start : item.index("</form>", start)]
        assert 'name="reason"' in form and 'name="clause" required' in form
        assert "Choose a clause" in form
        response = await w.send(
            w.moderator,
            f"{queue}/posts/{w.post.id}",
            {"action": "reject", "reason": "Identifies a survivor", "clause": "3"},
            page=queue,
        )
        assert response.status_code == 303
        assert (await scenes.post_row(app, w.post.id or 0)).status == "rejected"
        [entry] = await w.audit("post.reject")
        assert (entry.reason, entry.clause, entry.clause_version) == (
            "Identifies a survivor",
            "3",
            1,
        )
