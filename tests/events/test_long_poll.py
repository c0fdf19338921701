"""Long-polling: `wait=N` answers as soon as a visible event commits, or empty at the timeout."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient, Response

from dialogue.dialogues.models import Dialogue
from dialogue.state import app_state
from tests.dialogues.cast import API, Cast, db, make_cast, new_post, new_thread
from tests.factories import Factory
from tests.helpers import assert_error


async def current_seq(app: FastAPI, cast: Cast) -> int:
    async with db(app).session() as session:
        dialogue = await session.get(Dialogue, cast.dialogue.id)
        assert dialogue is not None
        return dialogue.last_seq


def poll(
    client: AsyncClient, cast: Cast, who: str, after: int, wait: float
) -> asyncio.Task[Response]:
    return asyncio.create_task(
        client.get(
            f"{API}/dialogues/{cast.slug}/events",
            params={"after": after, "wait": wait},
            headers=cast.h(who),
        )
    )


async def until_waiting(app: FastAPI, cast: Cast) -> None:
    """Let the poll reach its wait: the doorbell holds a flag for the dialogue."""
    for _ in range(200):
        if cast.dialogue.id in app_state(app).doorbell._events:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the poll never started waiting")


class TestWakesOnCommit:
    async def test_a_waiting_poll_returns_as_soon_as_a_post_commits(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant")
        after = await current_seq(app, cast)
        started = time.monotonic()
        waiting = poll(client, cast, "participant2", after, 20)
        await until_waiting(app, cast)
        assert not waiting.done()
        post = await new_post(client, cast, "participant", thread["id"], body="Wake up.")
        response = await asyncio.wait_for(waiting, 5)
        assert time.monotonic() - started < 5
        assert response.status_code == 200, response.text
        events: list[dict[str, Any]] = response.json()["events"]
        assert [(e["kind"], e["data"]["id"]) for e in events] == [("post.created", post["id"])]
        assert response.json()["last_seq"] == events[-1]["seq"] == after + 1

    async def test_events_already_there_return_at_once(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        await new_thread(client, cast, "participant")
        started = time.monotonic()
        response = await client.get(
            f"{API}/dialogues/{cast.slug}/events",
            params={"after": 0, "wait": 20},
            headers=cast.h("participant"),
        )
        assert time.monotonic() - started < 5
        assert response.json()["events"]

    async def test_an_event_the_caller_may_not_see_does_not_end_the_wait(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("moderator", "participant"), moderation="pre")
        thread = await new_thread(client, cast, "moderator")
        after = await current_seq(app, cast)
        waiting = poll(client, cast, "participant2", after, 1.5)
        await until_waiting(app, cast)
        pending = await new_post(client, cast, "participant", thread["id"], body="Pending.")
        assert pending["status"] == "pending"
        await asyncio.sleep(0.2)
        assert not waiting.done(), "an invisible event woke the poll"
        response = await asyncio.wait_for(waiting, 10)
        assert response.json()["events"] == []
        assert response.json()["last_seq"] == after + 1


class TestTimeout:
    async def test_nothing_happens_returns_empty_after_the_wait(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        after = await current_seq(app, cast)
        started = time.monotonic()
        response = await client.get(
            f"{API}/dialogues/{cast.slug}/events",
            params={"after": after, "wait": 1},
            headers=cast.h("participant"),
        )
        elapsed = time.monotonic() - started
        assert response.status_code == 200
        assert response.json() == {"events": [], "last_seq": after}
        assert 0.9 <= elapsed < 10, elapsed

    async def test_a_wait_over_30_seconds_is_422(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        response = await client.get(
            f"{API}/dialogues/{cast.slug}/events",
            params={"after": 0, "wait": 30.5},
            headers=cast.h("participant"),
        )
        assert_error(response, 422, "invalid")
