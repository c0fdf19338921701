"""`client_id`: the same author's repeated create returns the first result, never a second post."""

from __future__ import annotations

import asyncio
import uuid

from fastapi import FastAPI
from httpx import AsyncClient

from dialogue.events.models import Event
from dialogue.threads.models import Post, Thread
from tests.dialogues.cast import API, make_cast, new_post, new_thread, rows
from tests.factories import Factory


class TestRepeatedCreate:
    async def test_the_same_post_twice_is_200_with_the_first_post(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant")
        client_id = str(uuid.uuid4())
        first = await new_post(client, cast, "participant", thread["id"], client_id=client_id)
        events = await rows(app, Event)
        again = await new_post(
            client,
            cast,
            "participant",
            thread["id"],
            body="Typed again",
            client_id=client_id,
            expect=200,
        )
        assert again["id"] == first["id"]
        assert again["body"] == first["body"]
        assert await rows(app, Post) == 2
        assert await rows(app, Event) == events

    async def test_the_same_thread_twice_is_one_thread(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        first = await new_thread(client, cast, "participant", client_id="offline-1")
        again = await new_thread(client, cast, "participant", client_id="offline-1", expect=200)
        assert (again["id"], again["post"]["id"]) == (first["id"], first["post"]["id"])
        assert (await rows(app, Thread), await rows(app, Post)) == (1, 1)

    async def test_another_author_with_the_same_client_id_gets_their_own_post(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant")
        mine = await new_post(client, cast, "participant", thread["id"], client_id="same")
        theirs = await new_post(client, cast, "participant2", thread["id"], client_id="same")
        assert mine["id"] != theirs["id"]
        assert theirs["is_mine"] is True
        assert await rows(app, Post) == 3


class TestRepeatedCreateAtTheSameTime:
    async def test_two_requests_in_flight_make_one_post(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant")
        client_id = str(uuid.uuid4())
        responses = await asyncio.gather(
            *(
                client.post(
                    f"{API}/threads/{thread['id']}/posts",
                    json={"body": f"Sent twice ({n})", "client_id": client_id},
                    headers=cast.h("participant"),
                )
                for n in range(2)
            )
        )
        assert sorted(r.status_code for r in responses) == [200, 201], [r.text for r in responses]
        assert len({r.json()["id"] for r in responses}) == 1
        assert await rows(app, Post) == 2
        read = await client.get(f"{API}/threads/{thread['id']}", headers=cast.h("participant"))
        assert read.json()["post_count"] == 2
