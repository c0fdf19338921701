"""Slow readers are closed instead of slowing others; dead peers are dropped; shutdown is 1001."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from websockets.asyncio.client import connect
from websockets.sync.client import connect as sync_connect

from dialogue.config import Settings
from dialogue.dialogues import service as dialogues
from dialogue.events.publish import commit
from dialogue.state import app_state
from dialogue.threads import service as threads
from tests.live.conftest import Client, closing_code
from tests.servers import ThreadServer


@pytest.fixture
def small_queue_server(settings: Settings):
    # Keepalive pings would otherwise end the stalled client first on a loaded machine.
    running = ThreadServer(
        settings.model_copy(update={"ws_send_queue": 60}), ws_ping_interval=300
    ).start()
    yield running
    running.stop()


async def add_posts(factory, live, count: int, size: int) -> None:
    d, theme, thread = live["dialogue"], live["theme"], live["thread"]
    organizer = live["people"]["organizer"]
    broker = app_state(factory.app).broker
    for start in range(0, count, 10):
        async with factory.session() as session:
            membership = await dialogues.get_membership(
                session=session, dialogue_id=d.id, user_id=organizer.id
            )
            for i in range(start, min(start + 10, count)):
                await threads.create_post(
                    session=session,
                    dialogue=d,
                    theme=theme,
                    thread=thread,
                    user=organizer,
                    membership=membership,
                    body=f"{i} " + "x" * size,
                    parent_id=None,
                    client_id=None,
                    restricted=False,
                )
            session.info["broker"] = broker
            await commit(session)


class TestSlowReader:
    async def test_stalled_reader_closed_4008_while_others_get_everything(
        self, live_dialogue, small_queue_server, factory
    ):
        d = live_dialogue["dialogue"]
        url = f"{small_queue_server.ws_url}/ws/dialogues/{d.slug}"
        token = live_dialogue["tokens"]["participant"]
        headers = {"Authorization": f"Bearer {token}"}
        stalled = await connect(
            url, additional_headers=headers, compression=None, max_queue=1, ping_interval=None
        )
        # A client that stops reading: what the server writes piles up in the kernel's
        # buffers until its own send queue fills. (A tiny receive window would do the same,
        # but reading the megabytes buffered behind the close frame through it takes minutes.)
        stalled.transport.pause_reading()
        # The fast reader reads on its own thread, so its pace does not depend on this
        # test's event loop, which also does the writing.
        received: list[int] = []
        ready = threading.Event()
        total = 300

        def read_all() -> None:
            with sync_connect(url, additional_headers=headers, compression=None) as fast:
                fast.recv(timeout=10)  # hello
                ready.set()
                while len(received) < total:
                    frame = json.loads(fast.recv(timeout=60))
                    if frame["type"] == "event" and frame["kind"] == "post.created":
                        received.append(int(frame["data"]["body"].split()[0]))

        reader = asyncio.create_task(asyncio.to_thread(read_all))
        assert await asyncio.to_thread(ready.wait, 15)
        await add_posts(factory, live_dialogue, total, 15_000)
        await asyncio.wait_for(reader, 90)
        assert received == list(range(total))
        hub = app_state(small_queue_server.config.app).hub  # type: ignore[attr-defined]
        codes = [c.close_code for ch in hub.channels.values() for c in ch.connections if c.closing]
        assert codes == [4008]
        # The stalled client, once it reads, finds the server closed it as too slow.
        stalled.transport.resume_reading()
        assert await closing_code(stalled.recv, 30) == 4008


class TestHeartbeat:
    async def test_ping_pong(self, live_dialogue, open_socket):
        client: Client = await open_socket(
            live_dialogue["dialogue"].slug, token=live_dialogue["tokens"]["expert"]
        )
        await client.next()
        await client.send({"type": "ping"})
        assert (await client.until(lambda f: f["type"] == "pong"))["type"] == "pong"

    async def test_dead_peer_is_dropped(self, live_dialogue, settings):
        running = ThreadServer(settings, ws_ping_interval=0.3, ws_ping_timeout=0.3).start()
        try:
            d = live_dialogue["dialogue"]
            hub = app_state(running.config.app).hub
            url = f"{running.ws_url}/ws/dialogues/{d.slug}"
            token = live_dialogue["tokens"]["participant"]
            # A client that stops answering pings: websockets answers pings only while it
            # reads the connection, so a paused transport plays a vanished peer.
            ws = await connect(
                url,
                additional_headers={"Authorization": f"Bearer {token}"},
                compression=None,
                ping_interval=None,
            )
            await asyncio.wait_for(ws.recv(), 5)
            ws.transport.pause_reading()
            await asyncio.sleep(0.2)

            def watched() -> int:
                return sum(len(ch.connections) for ch in hub.channels.values())

            deadline = asyncio.get_running_loop().time() + 10
            while watched() and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.1)
            assert watched() == 0
            ws.transport.abort()
            await asyncio.wait_for(ws.wait_closed(), 5)
        finally:
            running.stop()


class TestShutdown:
    async def test_server_shutdown_closes_with_1001(self, live_dialogue, settings):
        running = ThreadServer(settings).start()
        d = live_dialogue["dialogue"]
        token = live_dialogue["tokens"]["participant"]
        ws = await connect(
            f"{running.ws_url}/ws/dialogues/{d.slug}",
            additional_headers={"Authorization": f"Bearer {token}"},
            compression=None,
        )
        await asyncio.wait_for(ws.recv(), 5)
        await asyncio.to_thread(running.stop)
        assert await closing_code(ws.recv, 10) == 1001
