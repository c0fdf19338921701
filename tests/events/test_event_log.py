"""The event log: every change appends an event; each caller reads their own view, in order."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from dialogue.dialogues.models import Dialogue
from tests.dialogues.cast import (
    API,
    MEMBER_ROLES,
    Cast,
    db,
    events_of,
    make_cast,
    new_post,
    new_thread,
)
from tests.factories import Factory
from tests.helpers import assert_error

THEME = {"title": "T2", "opens_at": "2026-01-01T00:00:00Z", "closes_at": "2099-01-01T00:00:00Z"}


async def stored_last_seq(app: FastAPI, cast: Cast) -> int:
    async with db(app).session() as session:
        dialogue = await session.get(Dialogue, cast.dialogue.id)
        assert dialogue is not None
        return dialogue.last_seq


async def read(client: AsyncClient, cast: Cast, who: str, **params: Any) -> dict[str, Any]:
    response = await client.get(
        f"{API}/dialogues/{cast.slug}/events", params=params, headers=cast.h(who)
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def kinds_after(client: AsyncClient, cast: Cast, after: int) -> list[str]:
    return [e["kind"] for e in await events_of(client, cast, "organizer", after=after)]


class TestEveryChangeAppendsAnEvent:
    async def test_each_kind_of_change_in_order(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer", "participant", "expert"))
        steps: list[tuple[str, str, str, Any, list[str]]] = [
            (
                "PATCH",
                f"/dialogues/{cast.slug}",
                "organizer",
                {"title": "New"},
                ["dialogue.updated"],
            ),
            ("POST", f"/dialogues/{cast.slug}/themes", "organizer", THEME, ["theme.created"]),
            ("PATCH", f"/themes/{cast.theme.id}", "organizer", {"summary": "S"}, ["theme.updated"]),
            (
                "PUT",
                f"/dialogues/{cast.slug}/members/{cast.uid('expert')}",
                "organizer",
                {"role": "participant"},
                ["member.updated"],
            ),
            (
                "POST",
                f"/themes/{cast.theme.id}/threads",
                "participant",
                {"title": "T", "body": "b"},
                ["thread.created", "post.created"],
            ),
        ]
        for method, path, who, body, kinds in steps:
            before = await stored_last_seq(app, cast)
            response = await client.request(method, API + path, json=body, headers=cast.h(who))
            assert response.status_code in (200, 201), (path, response.text)
            assert await kinds_after(client, cast, before) == kinds, path
        thread = response.json()
        post_id = thread["post"]["id"]
        post_steps: list[tuple[str, str, str, Any, list[str]]] = [
            ("POST", f"/threads/{thread['id']}/posts", "expert", {"body": "r"}, ["post.created"]),
            ("PATCH", f"/posts/{post_id}", "participant", {"body": "e"}, ["post.updated"]),
            (
                "PUT",
                f"/posts/{post_id}/reaction",
                "expert",
                {"kind": "agree"},
                ["reaction.changed"],
            ),
            ("DELETE", f"/posts/{post_id}", "participant", None, ["post.status"]),
        ]
        for method, path, who, body, kinds in post_steps:
            before = await stored_last_seq(app, cast)
            response = await client.request(method, API + path, json=body, headers=cast.h(who))
            assert response.status_code in (200, 201, 204), (path, response.text)
            assert await kinds_after(client, cast, before) == kinds, path
        everything = await read(client, cast, "organizer")
        seqs = [e["seq"] for e in everything["events"]]
        assert seqs == list(range(1, len(seqs) + 1))
        assert everything["last_seq"] == seqs[-1] == await stored_last_seq(app, cast)

    async def test_a_refused_change_appends_nothing(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer", "participant"))
        thread = await new_thread(client, cast, "participant")
        before = await stored_last_seq(app, cast)
        await new_post(client, cast, "participant", thread["id"], body="", expect=422)
        await new_post(client, cast, "outsider", thread["id"], expect=404)
        await new_post(client, cast, "participant", thread["id"], parent_id=10**6, expect=422)
        response = await client.patch(
            f"{API}/dialogues/{cast.slug}", json={"status": "draft"}, headers=cast.h("organizer")
        )
        assert response.status_code == 409
        assert await stored_last_seq(app, cast) == before


class TestReadingTheLog:
    async def test_after_and_limit_page_through_in_seq_order(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant")
        for n in range(3):
            await new_post(client, cast, "participant2", thread["id"], body=f"Reply {n}")
        full = await read(client, cast, "participant")
        seqs = [e["seq"] for e in full["events"]]
        collected: list[int] = []
        cursor = 0
        while True:
            page = await read(client, cast, "participant", after=cursor, limit=2)
            if not page["events"]:
                assert page["last_seq"] == cursor
                break
            assert len(page["events"]) <= 2
            collected += [e["seq"] for e in page["events"]]
            cursor = page["last_seq"]
        assert collected == seqs == sorted(seqs)
        tail = await read(client, cast, "participant", after=seqs[-2])
        assert [e["seq"] for e in tail["events"]] == [seqs[-1]]
        beyond = await read(client, cast, "participant", after=seqs[-1] + 100)
        assert (beyond["events"], beyond["last_seq"]) == ([], seqs[-1] + 100)

    async def test_last_seq_covers_events_the_caller_may_not_see(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer", "participant", "expert"))
        response = await client.put(
            f"{API}/dialogues/{cast.slug}/members/{cast.uid('expert')}",
            json={"role": "participant"},
            headers=cast.h("organizer"),
        )
        assert response.status_code == 200
        total = await stored_last_seq(app, cast)
        seen_by_participant = await read(client, cast, "participant")
        assert "member.updated" not in [
            e["kind"]
            for e in seen_by_participant["events"]
            if e["data"].get("user_id") != cast.uid("participant")
        ]
        assert seen_by_participant["last_seq"] == total
        own = [
            e
            for e in (await read(client, cast, "expert"))["events"]
            if e["kind"] == "member.updated"
        ]
        assert own and all(e["data"]["user_id"] == cast.uid("expert") for e in own)

    async def test_who_may_read_the_log(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        for who in (*MEMBER_ROLES, "admin"):
            await read(client, cast, who)
        for who in ("outsider", "anonymous"):
            response = await client.get(f"{API}/dialogues/{cast.slug}/events", headers=cast.h(who))
            assert_error(response, 404, "not_found")

    async def test_bad_parameters_are_422(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        for params in (
            {"after": -1},
            {"after": "x"},
            {"after": 2**63},
            {"limit": 0},
            {"limit": 1001},
            {"wait": 31},
            {"wait": -1},
            {"wait": "nan"},
            {"wait": "inf"},
        ):
            response = await client.get(
                f"{API}/dialogues/{cast.slug}/events", params=params, headers=cast.h("participant")
            )
            assert_error(response, 422, "invalid")
