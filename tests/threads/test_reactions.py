"""Reactions: agree, disagree or pass, one per person and post, replaceable."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient

from dialogue.threads.models import Reaction
from tests.dialogues.cast import API, CONTRIBUTORS, db, make_cast, new_thread, rows
from tests.factories import Factory
from tests.helpers import assert_error


class TestOnePerPerson:
    async def test_a_new_reaction_replaces_the_old(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant", "expert"))
        thread = await new_thread(client, cast, "participant")
        url = f"{API}/posts/{thread['post']['id']}/reaction"
        for kind in ("agree", "agree", "disagree", "pass", "disagree"):
            response = await client.put(url, json={"kind": kind}, headers=cast.h("expert"))
            assert response.status_code == 200, response.text
            assert response.json()["kind"] == kind
            assert sum(response.json()["reactions"].values()) == 1
            assert response.json()["reactions"][kind] == 1
        assert await rows(app, Reaction) == 1
        await client.put(url, json={"kind": "agree"}, headers=cast.h("participant2"))
        listed = await client.get(f"{API}/threads/{thread['id']}/posts", headers=cast.h("expert"))
        item = listed.json()["items"][0]
        assert item["reactions"] == {"agree": 1, "disagree": 1, "pass": 0}
        assert item["my_reaction"] == "disagree"

    async def test_who_may_react(self, client: AsyncClient, app: FastAPI, factory: Factory) -> None:
        cast = await make_cast(factory)
        thread = await new_thread(client, cast, "participant")
        url = f"{API}/posts/{thread['post']['id']}/reaction"
        for who in CONTRIBUTORS:
            response = await client.put(url, json={"kind": "pass"}, headers=cast.h(who))
            assert response.status_code == 200, (who, response.text)
        assert_error(
            await client.put(url, json={"kind": "pass"}, headers=cast.h("observer")),
            403,
            "forbidden",
        )
        for who in ("outsider", "anonymous"):
            response = await client.put(url, json={"kind": "pass"}, headers=cast.h(who))
            assert_error(response, 404, "not_found")
        assert await rows(app, Reaction) == len(CONTRIBUTORS)

    async def test_an_unknown_kind_is_422_and_keeps_the_old_reaction(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant")
        url = f"{API}/posts/{thread['post']['id']}/reaction"
        await client.put(url, json={"kind": "agree"}, headers=cast.h("participant2"))
        for body in ({"kind": "love"}, {"kind": ""}, {"kind": None}, {}, {"kind": "agree", "x": 1}):
            response = await client.put(url, json=body, headers=cast.h("participant2"))
            assert_error(response, 422, "invalid")
        async with db(app).session() as session:
            stored = await session.get(Reaction, (thread["post"]["id"], cast.uid("participant2")))
            assert stored is not None and stored.kind == "agree"
        assert await rows(app, Reaction) == 1
