"""Editing keeps a revision history for moderators; deleting is soft and keeps a post's place."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient

from dialogue.threads.models import Post, PostRevision
from dialogue.threads.service import MAX_BODY
from tests.dialogues.cast import API, STAFF, db, make_cast, new_post, new_thread, rows
from tests.factories import Factory
from tests.helpers import assert_error


class TestEditKeepsRevisions:
    async def test_the_author_edits_and_moderators_read_the_history(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        thread = await new_thread(client, cast, "participant", body="First words.")
        post_id = thread["post"]["id"]
        for body in ("Second words.", "Third words."):
            response = await client.patch(
                f"{API}/posts/{post_id}", json={"body": body}, headers=cast.h("participant")
            )
            assert response.status_code == 200, response.text
            assert response.json()["body"] == body
            assert response.json()["edited_at"] is not None
        for who in STAFF:
            response = await client.get(f"{API}/posts/{post_id}/revisions", headers=cast.h(who))
            assert response.status_code == 200, (who, response.text)
            assert [r["body"] for r in response.json()] == ["First words.", "Second words."]
            assert {r["editor_id"] for r in response.json()} == {cast.uid("participant")}
        for who in ("participant", "participant2", "advisor", "expert", "observer"):
            response = await client.get(f"{API}/posts/{post_id}/revisions", headers=cast.h(who))
            assert_error(response, 403, "forbidden")
        for who in ("outsider", "anonymous"):
            response = await client.get(f"{API}/posts/{post_id}/revisions", headers=cast.h(who))
            assert_error(response, 404, "not_found")

    async def test_others_cannot_edit_moderators_can_with_a_note(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        thread = await new_thread(client, cast, "participant", body="Original.")
        url = f"{API}/posts/{thread['post']['id']}"
        for who in ("participant2", "expert", "advisor"):
            response = await client.patch(url, json={"body": "Hijacked."}, headers=cast.h(who))
            assert_error(response, 403, "forbidden")
        response = await client.patch(url, json={"body": "Hijacked."}, headers=cast.h("observer"))
        assert_error(response, 403, "forbidden")
        assert await rows(app, PostRevision) == 0
        response = await client.patch(
            url,
            json={"body": "Original, name removed.", "note": "removed a name"},
            headers=cast.h("moderator"),
        )
        assert response.status_code == 200, response.text
        history = await client.get(f"{url}/revisions", headers=cast.h("organizer"))
        assert [(r["body"], r["editor_id"], r["note"]) for r in history.json()] == [
            ("Original.", cast.uid("moderator"), "removed a name")
        ]

    async def test_a_bad_edit_is_422_and_keeps_the_post(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant", body="Kept.")
        url = f"{API}/posts/{thread['post']['id']}"
        for body in ("x" * (MAX_BODY + 1), "", "  \n ", "nul\x00"):
            response = await client.patch(url, json={"body": body}, headers=cast.h("participant"))
            assert_error(response, 422, "invalid")
        assert (await client.get(url, headers=cast.h("participant"))).json()["body"] == "Kept."
        assert await rows(app, PostRevision) == 0


class TestSoftDelete:
    async def test_the_author_deletes_others_may_not(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        thread = await new_thread(client, cast, "participant")
        post = await new_post(client, cast, "participant", thread["id"], body="To be removed.")
        url = f"{API}/posts/{post['id']}"
        for who in ("participant2", "moderator", "organizer", "admin", "observer"):
            assert_error(await client.delete(url, headers=cast.h(who)), 403, "forbidden")
        for who in ("outsider", "anonymous"):
            assert_error(await client.delete(url, headers=cast.h(who)), 404, "not_found")
        assert (await client.delete(url, headers=cast.h("participant"))).status_code == 204
        for who in ("participant", "participant2", "moderator"):
            assert_error(await client.get(url, headers=cast.h(who)), 404, "not_found")
        listed = await client.get(f"{API}/threads/{thread['id']}/posts", headers=cast.h("expert"))
        assert [p["id"] for p in listed.json()["items"]] == [thread["post"]["id"]]
        async with db(app).session() as session:
            stored = await session.get(Post, post["id"])
            assert stored is not None
            assert (stored.status, stored.body, stored.body_html) == ("deleted", "", "")
        found = await client.get(
            f"{API}/dialogues/{cast.slug}/search",
            params={"q": "removed"},
            headers=cast.h("moderator"),
        )
        assert found.json()["items"] == []

    async def test_deleted_text_leaves_the_event_log(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        thread = await new_thread(client, cast, "participant")
        post = await new_post(client, cast, "participant", thread["id"], body="Regretted words.")
        assert (
            await client.delete(f"{API}/posts/{post['id']}", headers=cast.h("participant"))
        ).status_code == 204
        for who in ("participant", "participant2", "moderator"):
            log = await client.get(f"{API}/dialogues/{cast.slug}/events", headers=cast.h(who))
            assert "Regretted words." not in log.text

    async def test_a_deleted_post_with_replies_keeps_its_place(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant", "expert"))
        thread = await new_thread(client, cast, "participant", body="Opening words.")
        opening = thread["post"]["id"]
        reply = await new_post(client, cast, "expert", thread["id"], parent_id=opening)
        response = await client.delete(f"{API}/posts/{opening}", headers=cast.h("participant"))
        assert response.status_code == 204
        for who in ("expert", "participant2"):
            listed = await client.get(f"{API}/threads/{thread['id']}/posts", headers=cast.h(who))
            items = listed.json()["items"]
            assert [p["id"] for p in items] == [opening, reply["id"]]
            placeholder = items[0]
            assert placeholder["status"] == "deleted"
            assert (placeholder["body"], placeholder["body_html"]) == ("", "")
            assert (placeholder["author"], placeholder["author_name"]) == (None, None)
            assert items[1]["parent_id"] == opening
        # Deleting again finds nothing to delete.
        again = await client.delete(f"{API}/posts/{opening}", headers=cast.h("participant"))
        assert_error(again, 404, "not_found")
