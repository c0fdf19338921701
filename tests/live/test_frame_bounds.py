"""Frames the database cannot hold harm nobody (issue item 6); typing asks the policy (item 9).

A real uvicorn server and real websocket clients: the failure crossed from one socket's
frame into other people's HTTP requests through the shared post writer.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import WebSocket
from sqlalchemy.exc import DataError
from sqlmodel import col, update
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from dialogue.config import Settings
from dialogue.db import utcnow
from dialogue.dialogues.models import Dialogue, Membership
from tests.live.conftest import Client, closing_code
from tests.servers import ThreadServer

HUGE = 2**63


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The honest writers (12 members, 121 posts in seconds) all post from 127.0.0.1."""
    return settings.model_copy(update={"posts_per_minute_per_address": 10_000})


def bad_frames(thread_id: int) -> list[dict[str, Any]]:
    """The issue's reproductions: an id of 2**63 where a thread or a parent is named."""
    base = {"type": "post.create", "client_id": "x", "body": "x"}
    return [{**base, "thread_id": HUGE}, {**base, "thread_id": thread_id, "parent_id": HUGE}]


async def opened(open_socket: Any, slug: str, token: str) -> Client:
    client: Client = await open_socket(slug, token=token)
    hello = await client.next()
    assert hello["type"] == "hello"
    return client


async def still_open(client: Client) -> None:
    await client.send({"type": "ping"})
    await client.until(lambda f: f["type"] == "pong")


class TestOversizedIdsInFrames:
    async def test_each_gets_an_error_frame_and_the_socket_stays(
        self, live_dialogue, open_socket
    ) -> None:
        d, thread, tokens = (
            live_dialogue["dialogue"],
            live_dialogue["thread"],
            live_dialogue["tokens"],
        )
        outsider: Client = await opened(open_socket, d.slug, tokens["observer"])
        for frame in bad_frames(thread.id):
            await outsider.send(frame)
            error = await outsider.until(lambda f: f["type"] == "error")
            assert error["code"] == "invalid", error
            await still_open(outsider)

    async def test_a_deeply_nested_frame_gets_an_error_frame(
        self, live_dialogue, open_socket
    ) -> None:
        d, tokens = live_dialogue["dialogue"], live_dialogue["tokens"]
        client = await opened(open_socket, d.slug, tokens["participant"])
        await client.send("[" * 5000 + "]" * 5000)
        assert (await client.until(lambda f: f["type"] == "error"))["code"] == "invalid_json"
        nested = '{"a":' * 5000 + "{}" + "}" * 5000
        await client.send('{"type": "ping", "x": ' + nested + "}")
        frame = await client.until(lambda f: f["type"] in ("error", "pong"))
        assert frame["type"] == "error" and frame["code"] == "invalid_json"
        await still_open(client)

    async def test_an_oversized_after_is_refused_at_the_handshake(
        self, live_dialogue, open_socket
    ) -> None:
        d, tokens = live_dialogue["dialogue"], live_dialogue["tokens"]
        with pytest.raises(InvalidStatus):
            await open_socket(d.slug, token=tokens["participant"], after=HUGE)
        await still_open(await opened(open_socket, d.slug, tokens["participant"]))


class TestHostileIdValuesInPostCreate:
    """Issue 19: ids too large, too negative, floats and strings in `thread_id`/`parent_id`."""

    @pytest.mark.parametrize("field", ["thread_id", "parent_id"])
    async def test_each_gets_an_error_frame_and_a_following_ping_a_pong(
        self, live_dialogue, open_socket, field: str
    ) -> None:
        d, thread, tokens = (
            live_dialogue["dialogue"],
            live_dialogue["thread"],
            live_dialogue["tokens"],
        )
        client = await opened(open_socket, d.slug, tokens["participant"])
        for value in (2**70, -(2**70), 1e308, "12"):
            frame = {
                "type": "post.create",
                "client_id": uuid.uuid4().hex,
                "body": "x",
                "thread_id": thread.id,
                field: value,
            }
            await client.send(frame)
            reply = await client.until(lambda f: f["type"] in ("error", "ack"))
            assert reply["type"] == "error", (field, value, reply)
            assert reply["code"] in ("invalid", "not_found", "invalid_parent"), (
                field,
                value,
                reply,
            )
            await still_open(client)


class TestDatabaseErrorsOnSockets:
    async def test_the_database_error_handler_closes_a_socket_with_a_reason(
        self, settings: Settings
    ) -> None:
        """It assumed an HTTP request (`WebSocket` has no `.method`) and failed itself."""
        running = ThreadServer(settings)

        async def fails(websocket: WebSocket) -> None:
            await websocket.accept()
            raise DataError("SELECT 1", {}, Exception("integer out of range"))

        running.config.app.add_api_websocket_route("/ws/fails", fails)
        running.start()
        try:
            async with connect(f"{running.ws_url}/ws/fails") as ws:
                assert await closing_code(ws.recv) == 1008
        finally:
            running.stop()


class TestHonestWritersBesideAnAttacker:
    async def test_every_honest_post_succeeds(
        self, factory, server: ThreadServer, open_socket
    ) -> None:
        """12 members post 120 replies over HTTP and websockets while an outsider of the
        public dialogue keeps sending frames with ids of 2**63, reconnecting when closed."""
        d = await factory.dialogue(visibility="public")
        theme = await factory.theme(d)
        people = [await factory.member(d, "participant") for _ in range(12)]
        tokens = [await factory.token(person) for person in people]
        attacker_token = await factory.token(await factory.user())
        async with httpx.AsyncClient(base_url=server.url) as http:
            created = await http.post(
                f"/api/v1/themes/{theme.id}/threads",
                json={"title": "Open", "body": "First"},
                headers={"Authorization": f"Bearer {tokens[0]}"},
            )
            assert created.status_code == 201, created.text
            thread_id = created.json()["id"]
            done = asyncio.Event()
            refused: list[dict[str, Any]] = []

            async def attack() -> None:
                while not done.is_set():
                    client = await opened(open_socket, d.slug, attacker_token)
                    for frame in bad_frames(thread_id) * 4:  # under the strike limit
                        await client.send(frame)
                    for _ in range(8):
                        refused.append(await client.until(lambda f: f["type"] == "error"))
                    await client.ws.close()
                    bad = await http.post(
                        f"/api/v1/threads/{thread_id}/posts",
                        json={"body": "x", "parent_id": HUGE},
                        headers={"Authorization": f"Bearer {attacker_token}"},
                    )
                    assert bad.status_code == 403, bad.text  # the policy refuses before reading ids

            async def over_http(token: str, n: int) -> list[int]:
                statuses = []
                for k in range(10):
                    response = await http.post(
                        f"/api/v1/threads/{thread_id}/posts",
                        json={"body": f"HTTP {n}.{k}"},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                    statuses.append(response.status_code)
                return statuses

            async def over_socket(token: str, n: int) -> list[str]:
                client = await opened(open_socket, d.slug, token)
                ids = [str(uuid.uuid4()) for _ in range(10)]
                for k, client_id in enumerate(ids):
                    await client.send(
                        {
                            "type": "post.create",
                            "client_id": client_id,
                            "thread_id": thread_id,
                            "body": f"WS {n}.{k}",
                        }
                    )
                answers = []
                for _ in ids:
                    answer = await client.until(
                        lambda f: f["type"] in ("ack", "error") and f.get("client_id") in ids,
                        timeout=30,
                    )
                    answers.append(answer["type"])
                return answers

            attacker = asyncio.create_task(attack())
            await asyncio.sleep(0.2)
            honest = await asyncio.gather(
                *(over_http(tokens[n], n) for n in range(6)),
                *(over_socket(tokens[n], n) for n in range(6, 12)),
            )
            done.set()
            await attacker
        assert honest[:6] == [[201] * 10] * 6
        assert honest[6:] == [["ack"] * 10] * 6
        assert refused and {f["code"] for f in refused} == {"invalid"}


async def make_public(factory: Any, dialogue_id: int) -> None:
    async with factory.session() as session:
        await session.exec(
            update(Dialogue).where(col(Dialogue.id) == dialogue_id).values(visibility="public")
        )
        await session.commit()


class TestTypingAsksThePolicy:
    async def refused_then_relayed(
        self, open_socket: Any, live_dialogue: dict[str, Any], token: str, thread_id: int
    ) -> None:
        """The refused typist gets an error frame; the reader sees only the member after it."""
        d, tokens, people = (
            live_dialogue["dialogue"],
            live_dialogue["tokens"],
            live_dialogue["people"],
        )
        reader = await opened(open_socket, d.slug, tokens["moderator"])
        typist = await opened(open_socket, d.slug, token)
        await typist.send({"type": "typing", "thread_id": thread_id})
        error = await typist.until(lambda f: f["type"] == "error")
        assert error["code"] == "forbidden"
        member = await opened(open_socket, d.slug, tokens["participant"])
        await member.send({"type": "typing", "thread_id": live_dialogue["thread"].id})
        frame = await reader.until(lambda f: f["type"] == "typing")
        assert frame["user"] == people["participant"].display_name
        assert frame["thread_id"] == live_dialogue["thread"].id

    async def test_an_observer_is_not_relayed(self, live_dialogue, open_socket) -> None:
        await self.refused_then_relayed(
            open_socket,
            live_dialogue,
            live_dialogue["tokens"]["observer"],
            live_dialogue["thread"].id,
        )

    async def test_a_muted_member_is_not_relayed(self, factory, live_dialogue, open_socket) -> None:
        muted = live_dialogue["people"]["other"]
        async with factory.session() as session:
            await session.exec(
                update(Membership)
                .where(col(Membership.dialogue_id) == live_dialogue["dialogue"].id)
                .where(col(Membership.user_id) == muted.id)
                .values(muted_until=utcnow() + timedelta(hours=1))
            )
            await session.commit()
        token = live_dialogue["tokens"]["other"]
        await self.refused_then_relayed(
            open_socket, live_dialogue, token, live_dialogue["thread"].id
        )

    async def test_a_thread_that_does_not_exist_is_not_relayed(
        self, live_dialogue, open_socket
    ) -> None:
        token = live_dialogue["tokens"]["other"]
        await self.refused_then_relayed(open_socket, live_dialogue, token, 2**31 - 1)

    async def test_a_non_member_of_a_public_dialogue_is_not_relayed(
        self, factory, live_dialogue, open_socket
    ) -> None:
        await make_public(factory, live_dialogue["dialogue"].id)
        outsider = await factory.token(await factory.user())
        await self.refused_then_relayed(
            open_socket, live_dialogue, outsider, live_dialogue["thread"].id
        )

    async def test_a_thread_of_another_dialogue_is_not_relayed(
        self, factory, server: ThreadServer, live_dialogue, open_socket
    ) -> None:
        elsewhere = await factory.dialogue()
        theme = await factory.theme(elsewhere)
        author = await factory.member(elsewhere, "participant")
        async with httpx.AsyncClient(base_url=server.url) as http:
            created = await http.post(
                f"/api/v1/themes/{theme.id}/threads",
                json={"title": "Elsewhere", "body": "Hello"},
                headers={"Authorization": f"Bearer {await factory.token(author)}"},
            )
        assert created.status_code == 201, created.text
        token = live_dialogue["tokens"]["other"]
        await self.refused_then_relayed(open_socket, live_dialogue, token, created.json()["id"])
