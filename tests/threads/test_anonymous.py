"""Anonymous posts: nobody, moderators, organizers and admins included, learns who wrote them."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from tests.dialogues.cast import API, Cast, make_cast, new_post, new_thread
from tests.factories import Factory

SECRET_NAME = "Zainab Unmaskable"
SECRET_EMAIL = "zainab.unmaskable@example.org"
READERS = ("organizer", "moderator", "advisor", "expert", "participant2", "observer", "admin")


async def with_anonymous_author(factory: Factory) -> Cast:
    cast = await make_cast(factory, allow_anonymous=True)
    author = await factory.member(
        cast.dialogue,
        "participant",
        display_name=SECRET_NAME,
        email=SECRET_EMAIL,
        organization="Secret Collective",
    )
    cast.users["author"] = author
    cast.headers["author"] = await factory.auth(author)
    return cast


def reveals(payload: Any, cast: Cast) -> bool:
    """Whether a response names the author in any field."""
    text = json.dumps(payload)
    return SECRET_NAME in text or SECRET_EMAIL in text or "Secret Collective" in text


class TestNobodySeesTheAuthor:
    async def test_every_read_path_masks_the_author_for_every_role(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await with_anonymous_author(factory)
        thread = await new_thread(
            client, cast, "author", title="Hard to say", body="Unmasked truth.", anonymous=True
        )
        reply = await new_post(
            client,
            cast,
            "author",
            thread["id"],
            body="Unmasked reply.",
            anonymous=True,
            parent_id=thread["post"]["id"],
        )
        edit = await client.patch(
            f"{API}/posts/{reply['id']}",
            json={"body": "Unmasked reply, edited."},
            headers=cast.h("author"),
        )
        assert edit.status_code == 200
        await client.put(
            f"{API}/posts/{reply['id']}/reaction", json={"kind": "agree"}, headers=cast.h("author")
        )
        assert not reveals(thread, cast) and not reveals(reply, cast)
        assert thread["author"] is None and thread["author_name"] == "Anonymous participant"
        paths = [
            f"/posts/{thread['post']['id']}",
            f"/posts/{reply['id']}",
            f"/threads/{thread['id']}",
            f"/threads/{thread['id']}/posts",
            f"/themes/{cast.theme.id}/threads",
            f"/dialogues/{cast.slug}/events",
            f"/dialogues/{cast.slug}/search?q=unmasked",
        ]
        for who in READERS:
            for path in paths:
                response = await client.get(API + path, headers=cast.h(who))
                assert response.status_code == 200, (who, path, response.text)
                assert not reveals(response.json(), cast), (who, path, response.text)
            post = (await client.get(f"{API}/posts/{reply['id']}", headers=cast.h(who))).json()
            assert (post["author"], post["author_name"]) == (None, "Anonymous participant")
            assert post["is_mine"] is False
            found = await client.get(
                f"{API}/dialogues/{cast.slug}/search", params={"q": "unmasked"}, headers=cast.h(who)
            )
            assert len(found.json()["items"]) == 2
        for who in ("moderator", "organizer", "admin"):
            history = await client.get(f"{API}/posts/{reply['id']}/revisions", headers=cast.h(who))
            assert history.status_code == 200
            assert [r["editor_id"] for r in history.json()] == [None]

    async def test_the_author_sees_is_mine_and_nothing_more(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await with_anonymous_author(factory)
        thread = await new_thread(client, cast, "author", anonymous=True)
        post = await client.get(f"{API}/posts/{thread['post']['id']}", headers=cast.h("author"))
        assert post.json()["is_mine"] is True
        assert post.json()["author"] is None
        listed = await client.get(f"{API}/threads/{thread['id']}/posts", headers=cast.h("author"))
        assert [p["is_mine"] for p in listed.json()["items"]] == [True]

    async def test_a_named_post_next_to_an_anonymous_one_keeps_its_name(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await with_anonymous_author(factory)
        thread = await new_thread(client, cast, "author", anonymous=True)
        named = await new_post(client, cast, "author", thread["id"], body="Signed.")
        assert named["author_name"] == SECRET_NAME
        read = await client.get(f"{API}/threads/{thread['id']}", headers=cast.h("moderator"))
        assert read.json()["author"] is None


class TestRefusedWhenNotAllowed:
    async def test_anonymous_replies_refused_in_a_dialogue_without_them(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant")
        refused = await new_post(
            client, cast, "participant2", thread["id"], anonymous=True, expect=403
        )
        assert refused["error"]["code"] == "anonymous_not_allowed"
        listed = await client.get(
            f"{API}/threads/{thread['id']}/posts", headers=cast.h("participant")
        )
        assert len(listed.json()["items"]) == 1
