"""Two real `dialogue serve` instances sharing one database and one Redis, for scale-out tests.

Shared by the Redis scale-out test and the nginx test: the servers are child processes, the
database is the test's own, and every client and writer talks to them over real sockets.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from dialogue.dialogues.models import Dialogue
from tests.factories import Factory
from tests.live.conftest import Client
from tests.servers import ProcessServer
from tests.services import RedisServer, in_ci, start_redis

START_TIMEOUT = 120


def redis_or_skip() -> RedisServer:
    """A Redis of the test's own (the scale-out tests restart it); required under CI=true."""
    try:
        return start_redis()
    except (RuntimeError, OSError) as exc:
        if in_ci():
            pytest.fail(f"redis-server is required under CI=true: {exc}")
        pytest.skip(f"redis-server is not available: {exc}")


def instance_env(database_url: str, redis_url: str | None) -> dict[str, str]:
    """Without `redis_url` the instances share only the database (and count in memory)."""
    return {
        "DIALOGUE_DATABASE_URL": database_url,
        "DIALOGUE_REDIS_URL": redis_url or "",
        "DIALOGUE_ENVIRONMENT": "test",
        "DIALOGUE_SECRET_KEY": "test-secret",
        # The writers of these tests post faster than a person may.
        "DIALOGUE_POSTS_PER_MINUTE": "100000",
        "DIALOGUE_POSTS_PER_MINUTE_PER_ADDRESS": "100000",
    }


@contextmanager
def running_instances(database_url: str, redis_url: str | None) -> Iterator[list[ProcessServer]]:
    """Instances A and B: separate processes, the same database, the same Redis if any."""
    started = [ProcessServer(instance_env(database_url, redis_url)) for _ in range(2)]
    try:
        # Started side by side: importing the app is most of a start on a busy machine,
        # where two starting at once can take a minute between them.
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda server: server.start(timeout=START_TIMEOUT), started))
        yield started
    finally:
        for server in started:
            server.stop()


@dataclass
class Scene:
    """One open dialogue with a theme, a thread, and members who hold bearer tokens."""

    dialogue: Dialogue
    thread_id: int
    tokens: dict[str, str]

    @property
    def slug(self) -> str:
        return self.dialogue.slug


async def build_scene(factory: Factory, base_url: str) -> Scene:
    dialogue = await factory.dialogue(visibility="invite", moderation="post")
    theme = await factory.theme(dialogue)
    tokens = {}
    people = (("alice", "participant"), ("bob", "expert"), ("mona", "moderator"))
    for name, role in (*people, ("olga", "organizer")):
        tokens[name] = await factory.token(await factory.member(dialogue, role))
    async with httpx.AsyncClient(base_url=base_url, headers=bearer(tokens["alice"])) as http:
        r = await http.post(
            f"/api/v1/themes/{theme.id}/threads", json={"title": "Scale", "body": "opening"}
        )
        assert r.status_code == 201, r.text
        return Scene(dialogue=dialogue, thread_id=int(r.json()["id"]), tokens=tokens)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def open_client(ws_base: str, slug: str, token: str, after: int) -> Client:
    ws = await connect(
        f"{ws_base}/ws/dialogues/{slug}?after={after}",
        additional_headers=bearer(token),
        compression=None,
    )
    client = Client(ws)
    hello = await client.next()
    assert hello["type"] == "hello", hello
    return client


async def post(base_url: str, token: str, thread_id: int, body: str) -> int:
    """Create a post through one instance's HTTP API; its id."""
    async with httpx.AsyncClient(base_url=base_url, headers=bearer(token)) as http:
        r = await http.post(f"/api/v1/threads/{thread_id}/posts", json={"body": body})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])


async def logged_events(base_url: str, slug: str, token: str, after: int) -> list[dict[str, Any]]:
    """The whole of the caller's view of the log after `after`, through GET .../events."""
    events: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=base_url, headers=bearer(token)) as http:
        while True:
            r = await http.get(
                f"/api/v1/dialogues/{slug}/events", params={"after": after, "limit": 1000}
            )
            assert r.status_code == 200, r.text
            page = r.json()
            events.extend(page["events"])
            if not page["events"]:
                return events
            after = page["last_seq"]


async def receive_through(client: Client, last_seq: int, timeout: float = 20.0) -> None:
    """Read until the event `last_seq` has arrived, then a little more to catch duplicates."""
    if not any(f["type"] == "event" and f["seq"] >= last_seq for f in client.frames):
        await client.until(lambda f: f["type"] == "event" and f["seq"] >= last_seq, timeout)
    while True:
        try:
            await client.next(timeout=0.5)
        except TimeoutError:
            return


def received(client: Client) -> list[tuple[int, str]]:
    return [(f["seq"], f["kind"]) for f in client.frames if f["type"] == "event"]


def expected(events: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(e["seq"], e["kind"]) for e in events]


def bodies(client: Client) -> list[str]:
    return [
        f["data"]["body"]
        for f in client.frames
        if f["type"] == "event" and f["kind"] == "post.created"
    ]


async def close_all(*clients: Client) -> None:
    await asyncio.gather(*(c.ws.close() for c in clients), return_exceptions=True)


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
