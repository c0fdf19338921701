"""Threads and replies: who may write them, and bad input refused with nothing stored."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient

from dialogue.dialogues.models import Dialogue
from dialogue.events.models import Event
from dialogue.threads.models import Post, Thread
from dialogue.threads.service import MAX_BODY
from tests.dialogues.cast import API, CONTRIBUTORS, db, make_cast, new_post, new_thread, rows
from tests.factories import Factory
from tests.helpers import assert_error


async def last_seq(app: FastAPI, dialogue: Dialogue) -> int:
    async with db(app).session() as session:
        found = await session.get(Dialogue, dialogue.id)
        assert found is not None
        return found.last_seq


class TestCreateThread:
    async def test_contributors_open_threads_with_their_first_post(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        for who in CONTRIBUTORS:
            made = await new_thread(client, cast, who, title=f"By {who}", body=f"Opening by {who}")
            assert made["title"] == f"By {who}"
            assert made["post_count"] == 1
            assert made["post"]["thread_id"] == made["id"]
            assert made["post"]["parent_id"] is None
            assert made["post"]["status"] == "published"
            assert made["post"]["body"] == f"Opening by {who}"
            assert made["post"]["is_mine"] is True
        refused = await new_thread(client, cast, "observer", expect=403)
        assert refused["error"]["code"] == "forbidden"
        for who in ("outsider", "anonymous"):
            refused = await new_thread(client, cast, who, expect=404)
            assert refused["error"]["code"] == "not_found"
        assert (await rows(app, Thread), await rows(app, Post)) == (6, 6)

    async def test_bad_threads_are_422_and_store_nothing(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        seq = await last_seq(app, cast.dialogue)
        bad = [
            {"title": "", "body": "b"},
            {"title": "t" * 201, "body": "b"},
            {"title": "t", "body": "   "},
            {"title": "t", "body": "x" * (MAX_BODY + 1)},
            {"title": "t", "body": "nul \x00 byte"},
            {"title": "nul \x00 byte", "body": "b"},
            {"title": "t", "body": "b", "client_id": "not a uuid!"},
            {"title": "t", "body": "b", "unknown": 1},
            {"body": "no title"},
        ]
        for body in bad:
            response = await client.post(
                f"{API}/themes/{cast.theme.id}/threads", json=body, headers=cast.h("participant")
            )
            assert_error(response, 422, "invalid")
        assert (await rows(app, Thread), await rows(app, Post)) == (0, 0)
        assert await last_seq(app, cast.dialogue) == seq

    async def test_a_body_of_exactly_the_limit_is_accepted(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        made = await new_thread(client, cast, "participant", body="y" * MAX_BODY)
        assert len(made["post"]["body"]) == MAX_BODY


class TestReplies:
    async def test_a_reply_names_its_parent_and_counts_on_it(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant", "expert"))
        thread = await new_thread(client, cast, "participant")
        parent = thread["post"]["id"]
        reply = await new_post(client, cast, "expert", thread["id"], parent_id=parent)
        assert (reply["parent_id"], reply["depth"]) == (parent, 1)
        nested = await new_post(client, cast, "participant", thread["id"], parent_id=reply["id"])
        assert nested["depth"] == 2
        read = await client.get(f"{API}/posts/{parent}", headers=cast.h("participant"))
        assert read.json()["reply_count"] == 1
        listed = await client.get(f"{API}/threads/{thread['id']}", headers=cast.h("expert"))
        assert listed.json()["post_count"] == 3

    async def test_who_may_reply(self, client: AsyncClient, app: FastAPI, factory: Factory) -> None:
        cast = await make_cast(factory)
        thread = await new_thread(client, cast, "participant")
        for who in CONTRIBUTORS:
            await new_post(client, cast, who, thread["id"], body=f"Reply by {who}")
        assert (await new_post(client, cast, "observer", thread["id"], expect=403))["error"][
            "code"
        ] == "forbidden"
        for who in ("outsider", "anonymous"):
            await new_post(client, cast, who, thread["id"], expect=404)
        assert await rows(app, Post) == 1 + len(CONTRIBUTORS)

    async def test_a_parent_from_another_thread_is_422_and_stores_nothing(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        first = await new_thread(client, cast, "participant", title="First")
        second = await new_thread(client, cast, "participant", title="Second")
        seq = await last_seq(app, cast.dialogue)
        for parent_id in (first["post"]["id"], 999_999):
            refused = await new_post(
                client, cast, "participant", second["id"], parent_id=parent_id, expect=422
            )
            assert refused["error"]["code"] == "invalid_parent"
        for parent_id in (0, -5, 2**40, "x"):
            await new_post(
                client, cast, "participant", second["id"], parent_id=parent_id, expect=422
            )
        assert await rows(app, Post) == 2
        assert await last_seq(app, cast.dialogue) == seq
        read = await client.get(f"{API}/posts/{first['post']['id']}", headers=cast.h("participant"))
        assert read.json()["reply_count"] == 0

    async def test_a_body_over_the_limit_is_422_and_stores_nothing(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant")
        events = await rows(app, Event)
        refused = await new_post(
            client, cast, "participant", thread["id"], body="z" * (MAX_BODY + 1), expect=422
        )
        assert refused["error"]["fields"][0]["field"] == "body"
        assert (await rows(app, Post), await rows(app, Event)) == (1, events)
