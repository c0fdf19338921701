"""The thread's own tools on its page: lock, pin (pinned threads lead every list), move."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI

from dialogue.state import app_state
from dialogue.threads.models import Thread
from tests.factories import Factory
from tests.web import scenes
from tests.web.html import section, text
from tests.web.moderation_scene import StaffScene, staff_scene


@pytest.fixture
async def world(app: FastAPI, factory: Factory) -> StaffScene:
    return await staff_scene(app, factory)


def tools_url(w: StaffScene, thread_id: int | None = None) -> str:
    return f"/d/{w.slug}/moderation/threads/{thread_id or w.thread.id}"


async def set_pinned(app: FastAPI, thread_id: int | None) -> None:
    async with app_state(app).database.session() as session:
        row = await session.get(Thread, thread_id)
        assert row is not None
        row.pinned = True
        session.add(row)
        await session.commit()


class TestLock:
    @pytest.mark.parametrize("who", ["moderator", "organizer"])
    async def test_lock_with_a_clause_then_unlock(self, world: StaffScene, who: str) -> None:
        user = world.people()[who]
        assert user is not None
        page = await world.page(user)
        assert 'id="thread-tools"' in page.text and 'value="lock"' in page.text
        response = await world.send(
            user, tools_url(world), {"action": "lock", "reason": "Heated", "clause": "1"}
        )
        assert response.status_code == 303
        assert response.headers["location"] == f"{world.thread_url}#thread-tools"
        assert (await world.thread_row()).locked is True
        [entry] = await world.audit("thread.lock")
        assert (entry.reason, entry.clause, entry.clause_version) == ("Heated", "1", 1)
        locked = await world.page(user)
        assert 'value="unlock"' in locked.text and "Locked" in text(locked.text)
        again = await world.send(user, tools_url(world), {"action": "unlock"})
        assert again.status_code == 303
        assert (await world.thread_row()).locked is False

    async def test_locking_twice_shows_the_page_with_the_reason(self, world: StaffScene) -> None:
        await world.send(world.moderator, tools_url(world), {"action": "lock"})
        response = await world.send(world.moderator, tools_url(world), {"action": "lock"})
        assert response.status_code == 409
        assert '<details class="moderate thread-tools" id="thread-tools" open>' in response.text
        assert "This thread is already like that." in text(response.text)


class TestPin:
    async def test_pinned_thread_leads_the_theme_page_and_the_api(
        self, world: StaffScene, app: FastAPI
    ) -> None:
        s = world.s
        newer, _ = await scenes.start_thread(app, s.dialogue, s.theme, s.bob, title="Newer")
        response = await world.send(world.moderator, tools_url(world), {"action": "pin"})
        assert response.status_code == 303
        assert (await world.thread_row()).pinned is True
        assert len(await world.audit("thread.pin")) == 1
        page = await world.page(s.alice, f"/d/{world.slug}/themes/{s.theme.id}")
        listing = section(page.text, "threads-heading")
        assert listing.index(">A thread</a>") < listing.index(">Newer</a>")
        assert "Pinned" in text(listing)
        api = await world.page(s.alice, f"/api/v1/themes/{s.theme.id}/threads")
        assert [t["id"] for t in api.json()["items"]] == [world.thread.id, newer.id]
        thread_page = await world.page(world.moderator)
        assert 'value="unpin"' in thread_page.text
        unpin = await world.send(world.moderator, tools_url(world), {"action": "unpin"})
        assert unpin.status_code == 303
        api = await world.page(s.alice, f"/api/v1/themes/{s.theme.id}/threads")
        assert [t["id"] for t in api.json()["items"]] == [newer.id, world.thread.id]

    async def test_pages_of_threads_go_through_pinned_then_the_others_once_each(
        self, world: StaffScene, app: FastAPI
    ) -> None:
        s = world.s
        made = [world.thread.id]
        for n in range(4):
            thread, _ = await scenes.start_thread(app, s.dialogue, s.theme, s.bob, title=f"T{n}")
            made.append(thread.id)
        for thread_id in (made[0], made[2]):
            await set_pinned(app, thread_id)
        seen: list[int] = []
        url = f"/api/v1/themes/{s.theme.id}/threads"
        params: dict[str, str | int] = {"limit": 1}
        while True:
            got = (await world.page(s.alice, url + "?" + urlencode(params))).json()
            seen += [t["id"] for t in got["items"]]
            if not got["next"]:
                break
            params["before"] = got["next"]
        # Pinned first (newest activity first among them), then the rest, each once.
        assert seen == [made[2], made[0], made[4], made[3], made[1]]


class TestMove:
    async def test_move_to_another_theme(self, world: StaffScene, factory: Factory) -> None:
        other = await factory.theme(world.s.dialogue, title="Prevention")
        page = await world.page(world.s.organizer)
        assert re.search(rf'<option value="{other.id}">Prevention</option>', page.text)
        response = await world.send(
            world.s.organizer,
            tools_url(world),
            {"action": "move", "theme_id": other.id, "reason": "Fits better", "clause": ""},
        )
        assert response.status_code == 303
        assert (await world.thread_row()).theme_id == other.id
        [entry] = await world.audit("thread.move")
        assert entry.before == {"theme_id": world.s.theme.id}
        assert entry.after == {"theme_id": other.id}
        moved = await world.page(world.s.alice, f"/d/{world.slug}/themes/{other.id}")
        assert ">A thread</a>" in section(moved.text, "threads-heading")

    async def test_a_move_without_a_theme_is_shown_again(self, world: StaffScene) -> None:
        response = await world.send(world.moderator, tools_url(world), {"action": "move"})
        assert response.status_code == 422
        assert "Choose a theme of this dialogue." in text(response.text)
        assert (await world.thread_row()).theme_id == world.s.theme.id
