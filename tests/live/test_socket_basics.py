"""The websocket contract: hello, backlog then live in order, acks after commit, bad frames."""

from __future__ import annotations

import asyncio
import json

import httpx
from sqlmodel import select
from websockets.asyncio.client import connect

from dialogue.threads.models import Post
from tests.live.conftest import Client, closing_code
from tests.servers import ThreadServer


def post_frame(thread_id: int, body: str, client_id: str, **extra: object) -> dict[str, object]:
    return {
        "type": "post.create",
        "client_id": client_id,
        "thread_id": thread_id,
        "body": body,
        **extra,
    }


class TestHelloBacklogLive:
    async def test_hello_backlog_then_live_once_in_order(self, live_dialogue, open_socket, server):
        d, thread = live_dialogue["dialogue"], live_dialogue["thread"]
        token = live_dialogue["tokens"]["participant"]
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as http:
            for i in range(3):
                r = await http.post(
                    f"/api/v1/threads/{thread.id}/posts", json={"body": f"before {i}"}
                )
                assert r.status_code == 201
            log = (await http.get(f"/api/v1/dialogues/{d.slug}/events")).json()
            client: Client = await open_socket(d.slug, token=token, after=0)
            hello = await client.next()
            assert hello == {"type": "hello", "seq": log["last_seq"], "role": "participant"}
            backlog = await client.events(len(log["events"]))
            assert [f["seq"] for f in backlog] == [e["seq"] for e in log["events"]]
            for i in range(3):
                await http.post(f"/api/v1/threads/{thread.id}/posts", json={"body": f"after {i}"})
            live = await client.events(3)
        bodies = [f["data"]["body"] for f in live]
        assert bodies == ["after 0", "after 1", "after 2"]
        seqs = [f["seq"] for f in client.frames if f["type"] == "event"]
        assert seqs == sorted(set(seqs))

    async def test_resume_after_gets_only_what_was_missed(self, live_dialogue, open_socket, server):
        d, thread = live_dialogue["dialogue"], live_dialogue["thread"]
        token = live_dialogue["tokens"]["participant"]
        first: Client = await open_socket(d.slug, token=token)
        hello = await first.next()
        await first.ws.close()
        async with httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            for i in range(4):
                await http.post(f"/api/v1/threads/{thread.id}/posts", json={"body": f"missed {i}"})
        again: Client = await open_socket(d.slug, token=token, after=hello["seq"])
        await again.next()
        missed = await again.events(4)
        assert [f["data"]["body"] for f in missed] == [f"missed {i}" for i in range(4)]

    async def test_no_after_means_from_now(self, live_dialogue, open_socket):
        d = live_dialogue["dialogue"]
        client: Client = await open_socket(d.slug, token=live_dialogue["tokens"]["observer"])
        hello = await client.next()
        assert hello["seq"] >= 1
        await client.send({"type": "ping"})
        await client.until(lambda f: f["type"] == "pong")
        assert not [f for f in client.frames if f["type"] == "event"]  # no backlog


class TestPostCreate:
    async def test_ack_after_commit_and_idempotent_retry(self, live_dialogue, open_socket, factory):
        d, thread = live_dialogue["dialogue"], live_dialogue["thread"]
        client: Client = await open_socket(d.slug, token=live_dialogue["tokens"]["participant"])
        await client.next()
        await client.send(post_frame(thread.id, "via socket", "c-1"))
        ack = await client.until(lambda f: f["type"] == "ack")
        assert ack["client_id"] == "c-1" and ack["status"] == "published"
        async with factory.session() as session:
            stored = (await session.exec(select(Post).where(Post.id == ack["post_id"]))).one()
            assert stored.body == "via socket"  # committed before the ack was sent
        await client.send(post_frame(thread.id, "via socket", "c-1"))
        again = await client.until(lambda f: f["type"] == "ack")
        assert again["post_id"] == ack["post_id"]
        async with factory.session() as session:
            rows = (await session.exec(select(Post).where(Post.client_id == "c-1"))).all()
            assert len(rows) == 1

    async def test_refusals_are_error_frames_with_client_id(self, live_dialogue, open_socket):
        d, thread = live_dialogue["dialogue"], live_dialogue["thread"]
        observer: Client = await open_socket(d.slug, token=live_dialogue["tokens"]["observer"])
        await observer.next()
        await observer.send(post_frame(thread.id, "hi", "o-1"))
        err = await observer.until(lambda f: f["type"] == "error")
        assert err["code"] == "forbidden" and err["client_id"] == "o-1"
        member: Client = await open_socket(d.slug, token=live_dialogue["tokens"]["participant"])
        await member.next()
        await member.send(post_frame(thread.id, "x" * 20_001, "p-1"))
        err = await member.until(lambda f: f["type"] == "error")
        assert err["code"] == "invalid"
        await member.send(post_frame(999_999, "nowhere", "p-2"))
        err = await member.until(lambda f: f["type"] == "error")
        assert err["code"] == "not_found"


class TestBadFrames:
    async def test_each_bad_frame_gets_an_error_and_the_socket_stays(
        self, live_dialogue, open_socket
    ):
        d = live_dialogue["dialogue"]
        client: Client = await open_socket(d.slug, token=live_dialogue["tokens"]["participant"])
        await client.next()
        cases = [
            ("{nope", "invalid_json"),
            (json.dumps([1, 2]), "invalid_frame"),
            (json.dumps({"type": "shout"}), "unknown_type"),
            (json.dumps({"type": "post.create"}), "invalid"),
            (json.dumps({"type": "ping", "pad": "x" * (64 * 1024)}), "frame_too_large"),
            (b"\x00\x01binary", "binary_not_supported"),
        ]
        for frame, code in cases:
            await client.send(frame)
            err = await client.until(lambda f: f["type"] == "error")
            assert err["code"] == code
        await client.send({"type": "ping"})
        assert (await client.until(lambda f: f["type"] == "pong"))["type"] == "pong"

    async def test_repeated_abuse_closes_with_1008(self, live_dialogue, open_socket):
        d = live_dialogue["dialogue"]
        client: Client = await open_socket(d.slug, token=live_dialogue["tokens"]["participant"])
        await client.next()
        for _ in range(10):
            await client.send("garbage")
        assert await closing_code(client.ws.recv) == 1008


class TestCompression:
    async def test_a_peer_that_negotiated_compression_reads_the_shared_frames(
        self, live_dialogue, settings
    ):
        """Event frames are serialised once, uncompressed, for every listener (RFC 7692
        allows that); a client that asked for permessage-deflate must still read them."""
        d, thread = live_dialogue["dialogue"], live_dialogue["thread"]
        token = live_dialogue["tokens"]["participant"]
        headers = {"Authorization": f"Bearer {token}"}
        running = ThreadServer(settings, ws_per_message_deflate=True).start()
        try:
            async with connect(
                f"{running.ws_url}/ws/dialogues/{d.slug}",
                additional_headers=headers,
                compression="deflate",
            ) as ws:
                assert ws.protocol.extensions  # deflate was negotiated
                assert json.loads(await ws.recv())["type"] == "hello"
                bodies = [f"compressible {i} " + "words " * 200 for i in range(3)]
                async with httpx.AsyncClient(base_url=running.url, headers=headers) as http:
                    for body in bodies:
                        r = await http.post(
                            f"/api/v1/threads/{thread.id}/posts", json={"body": body}
                        )
                        assert r.status_code == 201
                received: list[str] = []
                while len(received) < len(bodies):
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    if frame["type"] == "event" and frame["kind"] == "post.created":
                        received.append(frame["data"]["body"])
                assert received == bodies
        finally:
            running.stop()
