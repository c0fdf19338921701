"""Visibility: an invite dialogue does not exist for outsiders; a public one is read by anyone."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlmodel import select

from dialogue.db import utcnow
from dialogue.dialogues.models import Dialogue, Membership, Theme
from dialogue.threads.models import Post, Reaction, Thread
from tests.dialogues.cast import API, Cast, db, make_cast, new_post, new_thread, rows
from tests.factories import Factory
from tests.helpers import assert_error

THEME = {"title": "T", "opens_at": "2026-01-01T00:00:00Z", "closes_at": "2026-02-01T00:00:00Z"}


async def every_route(client: AsyncClient, cast: Cast) -> list[tuple[str, str, Any]]:
    """Each dialogue, theme, thread, post, search and events route, with a valid body."""
    thread = await new_thread(client, cast, "participant", body="Secret strategy notes.")
    post = thread["post"]["id"]
    slug, theme, tid = cast.slug, cast.theme.id, thread["id"]
    return [
        ("GET", f"/dialogues/{slug}", None),
        ("PATCH", f"/dialogues/{slug}", {"title": "Mine now"}),
        ("POST", f"/dialogues/{slug}/conduct/accept", {"version": 1}),
        ("POST", f"/dialogues/{slug}/themes", THEME),
        ("GET", f"/dialogues/{slug}/members", None),
        ("PUT", f"/dialogues/{slug}/members/{cast.uid('participant')}", {"role": "observer"}),
        ("POST", f"/dialogues/{slug}/invitations", {"email": "x@example.org", "role": "expert"}),
        ("GET", f"/dialogues/{slug}/search?q=secret", None),
        ("GET", f"/dialogues/{slug}/events?after=0", None),
        ("GET", f"/dialogues/{slug}/events?after=0&wait=1", None),
        ("PATCH", f"/themes/{theme}", {"summary": "mine"}),
        ("GET", f"/themes/{theme}/threads", None),
        ("POST", f"/themes/{theme}/threads", {"title": "t", "body": "b"}),
        ("GET", f"/threads/{tid}", None),
        ("GET", f"/threads/{tid}/posts", None),
        ("POST", f"/threads/{tid}/posts", {"body": "b"}),
        ("GET", f"/posts/{post}", None),
        ("PATCH", f"/posts/{post}", {"body": "b"}),
        ("DELETE", f"/posts/{post}", None),
        ("GET", f"/posts/{post}/revisions", None),
        ("PUT", f"/posts/{post}/reaction", {"kind": "agree"}),
    ]


class TestInviteDialogueIsHidden:
    async def test_outsiders_get_404_on_every_route_and_nothing_changes(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer", "participant"))
        routes = await every_route(client, cast)
        tables = (Dialogue, Theme, Thread, Post, Reaction)
        before = [await rows(app, t) for t in tables]
        for who in ("outsider", "anonymous"):
            for method, path, body in routes:
                response = await client.request(method, API + path, json=body, headers=cast.h(who))
                assert_error(response, 404, "not_found")
        assert [await rows(app, t) for t in tables] == before
        for who in ("outsider", "anonymous"):
            listed = await client.get(f"{API}/dialogues", headers=cast.h(who))
            assert cast.slug not in [d["slug"] for d in listed.json()]

    async def test_a_banned_member_is_an_outsider(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer", "participant"))
        thread = await new_thread(client, cast, "participant2")
        async with db(app).session() as session:
            membership = (
                await session.exec(
                    select(Membership).where(Membership.user_id == cast.uid("participant"))
                )
            ).one()
            membership.banned_at = utcnow()
            session.add(membership)
            await session.commit()
        for path in (f"/dialogues/{cast.slug}", f"/threads/{thread['id']}/posts"):
            assert_error(
                await client.get(API + path, headers=cast.h("participant")), 404, "not_found"
            )

    async def test_search_in_one_dialogue_never_finds_another(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        hidden = await make_cast(factory, roles=("participant",))
        public = await make_cast(factory, roles=("participant",), visibility="public")
        await new_thread(client, hidden, "participant", body="Confidential shelter address.")
        await new_thread(client, public, "participant", body="Public shelter directory.")
        for who in ("outsider", "anonymous", "participant"):
            found = await client.get(
                f"{API}/dialogues/{public.slug}/search",
                params={"q": "shelter"},
                headers=public.h(who),
            )
            assert found.status_code == 200
            snippets = " ".join(h["snippet_html"] for h in found.json()["items"])
            assert "directory" in snippets and "Confidential" not in snippets


class TestPublicDialogue:
    async def test_anyone_reads_only_members_write(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer", "participant"), visibility="public")
        thread = await new_thread(client, cast, "participant", body="Open for all to read.")
        post = thread["post"]["id"]
        reads = [
            f"/dialogues/{cast.slug}",
            f"/dialogues/{cast.slug}/search?q=read",
            f"/dialogues/{cast.slug}/events",
            f"/themes/{cast.theme.id}/threads",
            f"/threads/{thread['id']}",
            f"/threads/{thread['id']}/posts",
            f"/posts/{post}",
        ]
        for who in ("anonymous", "outsider"):
            for path in reads:
                response = await client.get(API + path, headers=cast.h(who))
                assert response.status_code == 200, (who, path, response.text)
        found = await client.get(f"{API}/dialogues/{cast.slug}/search?q=read")
        assert [h["post_id"] for h in found.json()["items"]] == [post]
        writes = [
            ("POST", f"/themes/{cast.theme.id}/threads", {"title": "t", "body": "b"}),
            ("POST", f"/threads/{thread['id']}/posts", {"body": "b"}),
            ("PUT", f"/posts/{post}/reaction", {"kind": "agree"}),
            ("PATCH", f"/posts/{post}", {"body": "b"}),
            ("DELETE", f"/posts/{post}", None),
            ("PATCH", f"/dialogues/{cast.slug}", {"title": "x"}),
        ]
        before = (await rows(app, Post), await rows(app, Reaction))
        for method, path, body in writes:
            response = await client.request(method, API + path, json=body)
            assert_error(response, 401, "unauthenticated")
            response = await client.request(
                method, API + path, json=body, headers=cast.h("outsider")
            )
            assert_error(response, 403, "forbidden")
        assert (await rows(app, Post), await rows(app, Reaction)) == before
        await new_post(client, cast, "participant2", thread["id"])
