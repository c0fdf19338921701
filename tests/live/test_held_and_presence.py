"""Over the websocket: a held post is acknowledged as pending and reaches nobody else until a
moderator releases it; presence names nobody in a count dialogue, nor who chose to hide."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from dialogue.dialogues.models import Dialogue, PresenceMode
from dialogue.events.publish import commit
from dialogue.live import hub as hub_module
from tests.factories import Factory
from tests.live.conftest import Client
from tests.live.test_presence import INTERVAL, person, started_hubs
from tests.live.test_socket_basics import post_frame
from tests.servers import ThreadServer


async def drain(client: Client, seconds: float = 0.5) -> list[dict[str, Any]]:
    """Whatever arrives within `seconds`."""
    try:
        while True:
            await client.next(timeout=seconds)
    except TimeoutError:
        return client.frames


class TestHeldOverTheSocket:
    async def test_ack_pending_unseen_by_others_then_released_live(
        self, live_dialogue: dict[str, Any], open_socket: Any, server: ThreadServer
    ) -> None:
        d, thread, tokens = (
            live_dialogue["dialogue"],
            live_dialogue["thread"],
            live_dialogue["tokens"],
        )
        author = await open_socket(d.slug, token=tokens["participant"])
        other = await open_socket(d.slug, token=tokens["other"])
        moderator = await open_socket(d.slug, token=tokens["moderator"])
        for socket in (author, other, moderator):
            await socket.until(lambda f: f["type"] == "hello")
        body = "Her address is 12 rue de la Paix, please help."
        await author.send(post_frame(thread.id, body, "held1"))
        ack = await author.until(lambda f: f["type"] == "ack")
        assert ack["status"] == "pending"
        mine = await author.until(lambda f: f.get("kind") == "post.created")
        assert mine["data"]["hold_reasons"] == [{"rule": "address", "start": 15, "end": 32}]
        assert "Your post is waiting for a moderator." in mine["data"]["html"]
        seen = await moderator.until(lambda f: f.get("kind") == "post.created")
        assert "Held for review" in seen["data"]["html"]
        assert not [f for f in await drain(other) if f.get("kind", "").startswith("post.")]

        headers = {"Authorization": f"Bearer {tokens['moderator']}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
            released = await http.post(
                f"/api/v1/posts/{ack['post_id']}/moderation", json={"action": "approve"}
            )
            assert released.status_code == 200, released.text
        shown = await other.until(lambda f: f.get("kind") == "post.status")
        assert shown["data"]["status"] == "published"
        assert "rue de la Paix" in shown["data"]["body_html"]
        assert "hold_reasons" not in shown["data"]
        assert "waiting for a moderator" not in shown["data"]["html"]

    async def test_a_content_warning_travels_with_the_frame(
        self, live_dialogue: dict[str, Any], open_socket: Any
    ) -> None:
        d, thread, tokens = (
            live_dialogue["dialogue"],
            live_dialogue["thread"],
            live_dialogue["tokens"],
        )
        author = await open_socket(d.slug, token=tokens["participant"])
        other = await open_socket(d.slug, token=tokens["other"])
        await author.send(
            post_frame(thread.id, "What happened that night.", "cw1", content_warning="assault")
        )
        assert (await author.until(lambda f: f["type"] == "ack"))["status"] == "published"
        event = await other.until(lambda f: f.get("kind") == "post.created")
        assert event["data"]["content_warning"] == "assault"
        assert '<details class="content-warning"><summary>' in event["data"]["html"]


async def presence_of(client: Client) -> dict[str, Any]:
    return await client.until(lambda f: f["type"] == "presence")


class TestDiscreetPresence:
    async def test_a_count_dialogue_names_nobody(
        self, live_dialogue: dict[str, Any], open_socket: Any, factory: Factory
    ) -> None:
        d, tokens = live_dialogue["dialogue"], live_dialogue["tokens"]
        async with factory.session() as session:
            dialogue = await session.get(Dialogue, d.id)
            assert dialogue is not None
            dialogue.presence = PresenceMode.COUNT.value
            session.add(dialogue)
            await commit(session)
        first = await open_socket(d.slug, token=tokens["participant"])
        assert (await presence_of(first)) == {"type": "presence", "online": [], "count": 1}
        second = await open_socket(d.slug, token=tokens["other"])
        assert (await presence_of(second))["online"] == []
        # The first reader hears of the second by the next announcement, still without names.
        later = await first.until(lambda f: f["type"] == "presence" and f["count"] == 2)
        assert later["online"] == []

    async def test_someone_hidden_is_neither_named_nor_counted(
        self, live_dialogue: dict[str, Any], open_socket: Any, server: ThreadServer
    ) -> None:
        d, tokens, people = (
            live_dialogue["dialogue"],
            live_dialogue["tokens"],
            live_dialogue["people"],
        )
        headers = {"Authorization": f"Bearer {tokens['other']}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
            hidden = await http.patch("/api/v1/me", json={"hide_presence": True})
            assert hidden.status_code == 200 and hidden.json()["hide_presence"] is True
        await open_socket(d.slug, token=tokens["other"])
        watcher = await open_socket(d.slug, token=tokens["participant"])
        frame = await presence_of(watcher)
        assert frame["online"] == [people["participant"].display_name]
        assert frame["count"] == 1


class TestCountAcrossInstances:
    async def test_two_instances_count_each_person_once_and_name_nobody(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(hub_module, "PRESENCE_SECONDS", INTERVAL)
        hubs = await started_hubs(2)
        people = []
        for hub, name in ((hubs[0], "Amina"), (hubs[1], "Bo"), (hubs[1], "Amina")):
            conn, out = person(name)
            conn.count_presence = True
            await hub.join(conn)
            people.append(out)
        await asyncio.sleep(INTERVAL * 3)
        for out in people:
            frames = [json.loads(p) for w in out.written for p in w.split(b"|")]
            shown = [f for f in frames if f["type"] == "presence"]
            assert all(f["online"] == [] for f in shown)
            assert shown[-1]["count"] == 2  # Amina on both instances is one person

    async def test_typing_names_nobody_in_a_count_dialogue(self) -> None:
        (hub,) = await started_hubs(1)
        reader, out = person("Amina")
        reader.count_presence = True
        await hub.join(reader)
        hub._relay_typing(1, {"type": "typing", "user": "Bo", "user_id": 7, "thread_id": 3})
        frames = [json.loads(p) for w in out.written for p in w.split(b"|")]
        assert [f for f in frames if f["type"] == "typing"] == [
            {"type": "typing", "user": None, "thread_id": 3}
        ]
