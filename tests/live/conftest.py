"""Live tests run the app under a real uvicorn server and talk to it with real websocket clients."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from dialogue.config import Settings
from tests.servers import ProcessServer, ThreadServer
from tests.services import RedisServer


@pytest.fixture
def server(settings: Settings) -> Iterator[ThreadServer]:
    running = ThreadServer(settings).start()
    yield running
    running.stop()


class Client:
    """A websocket client that keeps every frame it receives, for assertions."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []

    async def send(self, frame: dict[str, Any] | str | bytes) -> None:
        await self.ws.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        self.frames.append(frame)
        return frame  # type: ignore[no-any-return]

    async def until(self, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
        """Read frames until one matches; fail after the timeout."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"no matching frame; got {self.frames[-5:]}")
            frame = await self.next(remaining)
            if predicate(frame):
                return frame

    async def events(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        got = []
        while len(got) < count:
            frame = await self.until(lambda f: f["type"] == "event", timeout)
            got.append(frame)
        return got


async def closing_code(recv: Any, timeout: float = 5.0) -> int | None:
    """Read until the server closes the connection; the close code it sent."""
    try:
        while True:
            await asyncio.wait_for(recv(), timeout)
    except ConnectionClosed as closed:
        error = closed
    return error.rcvd.code if error.rcvd else None


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """A Redis of the module's own (the scale-out tests restart it)."""
    from tests.live.scale import redis_or_skip  # scale.py builds on this module's Client

    server = redis_or_skip()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shared_instances(
    module_postgres_url: str, redis_server: RedisServer
) -> Iterator[list[ProcessServer]]:
    """Two `dialogue serve` processes over one PostgreSQL and one Redis, started once for a
    module (they take seconds to start): each test works in a dialogue of its own."""
    from tests.live.scale import running_instances

    with running_instances(module_postgres_url, redis_server.url) as started:
        yield started


@pytest.fixture
def instances(
    db_kind: str, database_url: str, redis_server: RedisServer
) -> Iterator[list[ProcessServer]]:
    """Two `dialogue serve` processes of the test's own, for a test that stops one."""
    from tests.live.scale import running_instances

    assert db_kind == "postgresql"
    with running_instances(database_url, redis_server.url) as started:
        yield started


@pytest.fixture
def instances_without_redis(db_kind: str, database_url: str) -> Iterator[list[ProcessServer]]:
    """Two `dialogue serve` processes over one PostgreSQL, and nothing else shared."""
    from tests.live.scale import running_instances

    assert db_kind == "postgresql"
    with running_instances(database_url, None) as started:
        yield started


@pytest.fixture
async def open_socket(server: ThreadServer) -> AsyncIterator[Any]:
    opened: list[ClientConnection] = []

    async def _open(
        slug: str, *, token: str | None = None, after: int | None = None, **kw: Any
    ) -> Client:
        url = f"{server.ws_url}/ws/dialogues/{slug}"
        if after is not None:
            url += f"?after={after}"
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        # Unbounded: a test that stops reading would otherwise leave the client unable to see
        # the server's reply to its close, and each close at teardown would wait 10 s for it.
        kw.setdefault("max_queue", None)
        ws = await connect(url, additional_headers=headers, compression=None, **kw)
        opened.append(ws)
        return Client(ws)

    yield _open
    for ws in opened:
        await ws.close()


@pytest.fixture
async def live_dialogue(factory: Any) -> dict[str, Any]:
    """An invite dialogue with an open theme, one thread, and a member of every role."""
    from dialogue.dialogues import service as dialogues
    from dialogue.threads import service as threads

    d = await factory.dialogue(visibility="invite", allow_anonymous=True)
    theme = await factory.theme(d)
    people = {
        role: await factory.member(d, role)
        for role in ("participant", "expert", "observer", "advisor", "moderator", "organizer")
    }
    people["other"] = await factory.member(d, "participant")
    async with factory.session() as session:
        organizer = people["organizer"]
        membership = await dialogues.get_membership(
            session=session, dialogue_id=d.id, user_id=organizer.id
        )
        thread, _post, _ = await threads.create_thread(
            session=session,
            dialogue=d,
            theme=theme,
            user=organizer,
            membership=membership,
            title="Opening",
            body="Welcome",
            client_id=None,
            restricted=False,
        )
        await session.commit()
    tokens = {role: await factory.token(user) for role, user in people.items()}
    return {"dialogue": d, "theme": theme, "thread": thread, "people": people, "tokens": tokens}
