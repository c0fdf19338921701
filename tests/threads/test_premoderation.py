"""Pre-moderation: a participant's post waits, seen only by its author and by moderators."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient

from tests.dialogues.cast import API, STAFF, Cast, events_of, make_cast, new_post, new_thread
from tests.factories import Factory

OTHERS = ("participant2", "advisor", "expert", "observer")


async def sees_post(
    client: AsyncClient, cast: Cast, who: str, post_id: int, thread_id: int, word: str = "waiting"
) -> bool:
    """Whether `who` finds the post on any read path; all paths must agree."""
    direct = await client.get(f"{API}/posts/{post_id}", headers=cast.h(who))
    listed = await client.get(f"{API}/threads/{thread_id}/posts", headers=cast.h(who))
    in_list = listed.status_code == 200 and post_id in [p["id"] for p in listed.json()["items"]]
    found = await client.get(
        f"{API}/dialogues/{cast.slug}/search", params={"q": word}, headers=cast.h(who)
    )
    in_search = post_id in [h["post_id"] for h in found.json()["items"]]
    in_events = post_id in [
        e["data"].get("id")
        for e in await events_of(client, cast, who)
        if e["kind"] == "post.created"
    ]
    seen = {direct.status_code == 200, in_list, in_search, in_events}
    assert len(seen) == 1, (who, direct.status_code, in_list, in_search, in_events)
    if direct.status_code != 200:
        assert direct.status_code == 404, direct.text
    return seen.pop()


async def post_event_ids(client: AsyncClient, cast: Cast, who: str) -> list[int]:
    events = await events_of(client, cast, who)
    return [e["data"]["id"] for e in events if e["kind"].startswith("post.")]


class TestPendingPosts:
    async def test_a_participants_reply_waits_unseen_by_other_participants(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, moderation="pre")
        thread = await new_thread(client, cast, "moderator", body="Opening by staff.")
        assert thread["post"]["status"] == "published"
        pending = await new_post(client, cast, "participant", thread["id"], body="A waiting reply.")
        assert pending["status"] == "pending"
        for who in ("participant", *STAFF):
            assert await sees_post(client, cast, who, pending["id"], thread["id"]), who
        for who in OTHERS:
            assert not await sees_post(client, cast, who, pending["id"], thread["id"]), who
        read = await client.get(f"{API}/threads/{thread['id']}", headers=cast.h("participant2"))
        assert read.json()["post_count"] == 1

    async def test_a_participants_thread_waits_with_its_first_post(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, moderation="pre")
        made = await new_thread(client, cast, "participant", body="A waiting thread.")
        assert (made["status"], made["post"]["status"]) == ("pending", "pending")
        post_id, thread_id = made["post"]["id"], made["id"]
        for who in ("participant", *STAFF):
            assert await sees_post(client, cast, who, post_id, thread_id), who
            listed = await client.get(f"{API}/themes/{cast.theme.id}/threads", headers=cast.h(who))
            assert [t["id"] for t in listed.json()["items"]] == [thread_id]
        for who in OTHERS:
            assert not await sees_post(client, cast, who, post_id, thread_id), who
            thread = await client.get(f"{API}/threads/{thread_id}", headers=cast.h(who))
            assert thread.status_code == 404
            listed = await client.get(f"{API}/themes/{cast.theme.id}/threads", headers=cast.h(who))
            assert listed.json()["items"] == []
            kinds = [e["kind"] for e in await events_of(client, cast, who)]
            assert "thread.created" not in kinds
        # Others cannot reply into it, react to it or edit it either: to them it does not exist.
        await new_post(client, cast, "participant2", thread_id, expect=404)
        react = await client.put(
            f"{API}/posts/{post_id}/reaction",
            json={"kind": "agree"},
            headers=cast.h("participant2"),
        )
        assert react.status_code == 404

    async def test_staff_posts_publish_at_once(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, moderation="pre")
        for who in STAFF:
            made = await new_thread(client, cast, who)
            assert (made["status"], made["post"]["status"]) == ("published", "published"), who
            reply = await new_post(client, cast, who, made["id"], body=f"Staff note by {who}.")
            assert reply["status"] == "published"
            assert await sees_post(client, cast, "participant2", reply["id"], made["id"], who)

    async def test_deleting_a_pending_post_tells_no_one_else(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, moderation="pre")
        thread = await new_thread(client, cast, "moderator")
        pending = await new_post(client, cast, "participant", thread["id"], body="A waiting reply.")
        response = await client.delete(
            f"{API}/posts/{pending['id']}", headers=cast.h("participant")
        )
        assert response.status_code == 204
        for who in OTHERS:
            assert pending["id"] not in await post_event_ids(client, cast, who), who
        assert (await post_event_ids(client, cast, "moderator")).count(pending["id"]) == 2
        assert (await post_event_ids(client, cast, "participant")).count(pending["id"]) == 2
