"""A new notice reaches its person's open pages at once: a `notification` frame with the
unread count, to that person's sockets only (issue 16, in the app)."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from tests.live.conftest import Client


async def frames_within(client: Client, seconds: float) -> list[dict[str, Any]]:
    got = []
    with contextlib.suppress(TimeoutError):
        while True:
            got.append(await client.next(seconds))
    return got


class TestNotificationFrame:
    async def test_only_the_author_of_a_hidden_post_is_told_with_the_count(
        self, live_dialogue: dict[str, Any], open_socket: Any, server: Any
    ) -> None:
        slug, tokens = live_dialogue["dialogue"].slug, live_dialogue["tokens"]
        async with httpx.AsyncClient(base_url=server.url) as http:
            opened = await http.post(
                f"/api/v1/themes/{live_dialogue['theme'].id}/threads",
                json={"title": "Off topic", "body": "Something else entirely"},
                headers={"Authorization": f"Bearer {tokens['participant']}"},
            )
            assert opened.status_code == 201, opened.text
            author = await open_socket(slug, token=tokens["participant"])
            other = await open_socket(slug, token=tokens["other"])
            for client in (author, other):
                await client.until(lambda f: f["type"] == "hello")
            hidden = await http.post(
                f"/api/v1/posts/{opened.json()['post']['id']}/moderation",
                json={"action": "hide", "reason": "Off topic"},
                headers={"Authorization": f"Bearer {tokens['moderator']}"},
            )
            assert hidden.status_code == 200, hidden.text
        told = await author.until(lambda f: f["type"] == "notification")
        assert told == {"type": "notification", "unread": 1}
        assert all(f["type"] != "notification" for f in await frames_within(other, 1.0))

    async def test_a_reply_reaches_the_author_answered_only_with_no_mail_configured(
        self, live_dialogue: dict[str, Any], open_socket: Any, server: Any
    ) -> None:
        dialogue, tokens = live_dialogue["dialogue"], live_dialogue["tokens"]
        async with httpx.AsyncClient(base_url=server.url) as http:
            opened = await http.post(
                f"/api/v1/themes/{live_dialogue['theme'].id}/threads",
                json={"title": "Shelters", "body": "Where are they?"},
                headers={"Authorization": f"Bearer {tokens['participant']}"},
            )
            assert opened.status_code == 201, opened.text
            author = await open_socket(dialogue.slug, token=tokens["participant"])
            other = await open_socket(dialogue.slug, token=tokens["other"])
            for client in (author, other):
                await client.until(lambda f: f["type"] == "hello")
            replied = await http.post(
                f"/api/v1/threads/{opened.json()['id']}/posts",
                json={
                    "body": "Anonymously: here.",
                    "parent_id": opened.json()["post"]["id"],
                    "anonymous": True,
                },
                headers={"Authorization": f"Bearer {tokens['expert']}"},
            )
            assert replied.status_code == 201, replied.text
            told = await author.until(lambda f: f["type"] == "notification")
            assert told == {"type": "notification", "unread": 1}
            assert all(f["type"] != "notification" for f in await frames_within(other, 1.0))
            listed = await http.get(
                "/api/v1/me/notices", headers={"Authorization": f"Bearer {tokens['participant']}"}
            )
            [notice] = listed.json()["items"]
            assert notice["kind"] == "reply" and notice["post_id"] == replied.json()["id"]
