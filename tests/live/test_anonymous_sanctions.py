"""A ban through an anonymous post changes nothing anyone sees live (the hardening issue, item 4).

Before, the author's socket closed with 4403 and the next `presence` frame, sent to everyone,
no longer listed their name: everyone learnt who wrote the post.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed

from tests.live.conftest import Client


async def online(client: Client, timeout: float = 3.0) -> list[str] | None:
    """The last presence list a client is told within `timeout`, or None if told nothing."""
    last = None
    try:
        while True:
            frame = await client.next(timeout)
            if frame["type"] == "presence":
                last = frame["online"]
    except TimeoutError:
        return last


class TestBanThroughAnAnonymousPost:
    async def test_the_author_stays_connected_and_listed(
        self, live_dialogue: dict[str, Any], open_socket: Any, server: Any
    ) -> None:
        slug, tokens = live_dialogue["dialogue"].slug, live_dialogue["tokens"]
        author = live_dialogue["people"]["participant"]
        async with httpx.AsyncClient(base_url=server.url) as http:
            opened = await http.post(
                f"/api/v1/themes/{live_dialogue['theme'].id}/threads",
                json={"title": "Hard to say", "body": "What happened to me", "anonymous": True},
                headers={"Authorization": f"Bearer {tokens['participant']}"},
            )
            assert opened.status_code == 201, opened.text
            post_id = opened.json()["post"]["id"]
            watcher = await open_socket(slug, token=tokens["other"])
            mine = await open_socket(slug, token=tokens["participant"])
            await mine.until(lambda f: f["type"] == "hello")
            assert author.display_name in (await online(watcher) or [])
            banned = await http.post(
                f"/api/v1/posts/{post_id}/author/moderation",
                json={"action": "ban", "reason": "Threats"},
                headers={"Authorization": f"Bearer {tokens['moderator']}"},
            )
            assert banned.status_code == 200, banned.text
        told = await online(watcher, timeout=2.5)  # presence is coalesced to once a second
        assert told is None or author.display_name in told
        try:
            await mine.send({"type": "ping"})
            assert (await mine.until(lambda f: f["type"] == "pong"))["type"] == "pong"
        except ConnectionClosed as closed:  # before the change: 4403 at once
            raise AssertionError(f"the author's socket was closed: {closed}") from None
        await mine.send(
            {
                "type": "post.create",
                "client_id": uuid.uuid4().hex,
                "thread_id": live_dialogue["thread"].id,
                "body": "Still here",
            }
        )
        refused = await mine.until(lambda f: f["type"] in ("error", "ack"))
        assert (refused["type"], refused["code"]) == ("error", "muted")
