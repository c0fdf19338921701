"""uvicorn's websocket protocol with the hub's writer and a 1001 goodbye, on a real server;
and the parts of uvicorn and websockets it relies on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.types import Message, Receive, Scope, Send
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol

from dialogue.adapters.websocket_protocol import SEND_FRAMES_NOW, GoingAwayProtocol, OutFrame
from tests.adapters.contract import Contract
from tests.live.conftest import closing_code
from tests.servers import ThreadServer

ADAPTER = "dialogue.adapters.websocket_protocol"
UVICORN = Contract("uvicorn", ADAPTER)
WEBSOCKETS = Contract("websockets", ADAPTER)


async def writes_directly(scope: Scope, receive: Receive, send: Send) -> None:
    """Accepts, writes two frames through the protocol's writer, says whether it took them."""
    assert scope["type"] == "websocket"
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    write = scope["extensions"].get(SEND_FRAMES_NOW)
    taken = write is not None and write([OutFrame("one"), OutFrame("two")])
    await send({"type": "websocket.send", "text": f"taken: {taken}"})
    message: Message = await receive()
    while message["type"] != "websocket.disconnect":
        message = await receive()


@pytest.fixture
def server() -> Iterator[ThreadServer]:
    running = ThreadServer(writes_directly, lifespan="off").start()
    yield running
    running.stop()


class TestOnAServer:
    async def test_frames_written_at_once_arrive_in_order_before_the_queued_ones(
        self, server: ThreadServer
    ) -> None:
        received: list[str | bytes] = []
        async with connect(server.ws_url) as ws:
            while not received or not str(received[-1]).startswith("taken: "):
                received.append(await asyncio.wait_for(ws.recv(), 10))
        UVICORN.holds(
            received[-1] == "taken: True",
            "the app found no writer in its scope's extensions (handle_connect no longer"
            f" sets `self.scope` with an `extensions` dict?); it said {received[-1]!r}",
        )
        assert received == ["one", "two", "taken: True"]

    async def test_shutdown_says_going_away(self, server: ThreadServer) -> None:
        async with connect(server.ws_url) as ws:
            await asyncio.wait_for(ws.recv(), 10)
            stopping = asyncio.get_running_loop().run_in_executor(None, server.stop)
            code = await closing_code(ws.recv, 10)
            await stopping
        assert code == 1001

    async def test_a_text_frame_that_is_not_utf8_closes_1007_without_a_traceback(
        self, server: ThreadServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        async with connect(server.ws_url) as ws:
            await asyncio.wait_for(ws.recv(), 10)
            await ws.send(b"\xff\xfe not text", text=True)
            code = await closing_code(ws.recv, 10)
        assert code == 1007
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


class TestWhatItReliesOn:
    async def test_uvicorn_serves_websockets_with_the_protocol_class_it_is_given(self) -> None:
        config = uvicorn.Config(writes_directly, ws=GoingAwayProtocol)
        config.load()
        UVICORN.holds(
            config.ws_protocol_class is GoingAwayProtocol,
            "Config(ws=...) no longer takes a protocol class",
        )

    async def test_uvicorn_s_protocol_state_and_hooks(self) -> None:
        config = uvicorn.Config(writes_directly, ws=GoingAwayProtocol)
        config.load()
        protocol = WebSocketsSansIOProtocol(
            config, ServerState(), {}, _loop=asyncio.get_running_loop()
        )
        UVICORN.attributes(
            protocol,
            "conn",
            "transport",
            "queue",
            "writable",
            "close_sent",
            "disconnected",
            "handshake_complete",
            "stop_keepalive",
            "pause_writing",
            "resume_writing",
        )
        UVICORN.holds(
            isinstance(protocol.conn, ServerProtocol)
            and isinstance(protocol.queue, asyncio.Queue)
            and isinstance(protocol.writable, asyncio.Event),
            "its `conn` is no websockets ServerProtocol, `queue` no asyncio.Queue"
            " or `writable` no asyncio.Event",
        )
        UVICORN.holds(
            not (protocol.close_sent or protocol.disconnected or protocol.handshake_complete),
            "a new connection's close_sent, disconnected and handshake_complete are not False",
        )
        # The transport's "peer is not keeping up" signal is what send_frames_now reads.
        protocol.pause_writing()
        paused = protocol.writable.is_set()
        protocol.resume_writing()
        UVICORN.holds(
            not paused and protocol.writable.is_set(),
            "pause_writing() and resume_writing() no longer clear and set `writable`",
        )
        UVICORN.parameters(WebSocketsSansIOProtocol.handle_connect, "self", "event")
        UVICORN.parameters(WebSocketsSansIOProtocol.shutdown, "self")
        UVICORN.parameters(WebSocketsSansIOProtocol.send_receive_event_to_app, "self")
        UVICORN.parameters(WebSocketsSansIOProtocol.handle_parser_exception, "self")
        UVICORN.attributes(protocol, "frames", "curr_msg_data_type", "logger")

    def test_websockets_server_protocol_state(self) -> None:
        conn = ServerProtocol()
        WEBSOCKETS.attributes(
            conn, "state", "expect_continuation_frame", "send_close", "data_to_send"
        )
        WEBSOCKETS.attributes(State, "OPEN")
        WEBSOCKETS.holds(
            conn.expect_continuation_frame is False,
            "ServerProtocol.expect_continuation_frame does not start False",
        )

    def test_websockets_serialises_an_unmasked_text_frame_as_rfc_6455_says(self) -> None:
        long = "x" * 200
        wire = {
            "hi": Frame(Opcode.TEXT, b"hi").serialize(mask=False, extensions=[]),
            long: Frame(Opcode.TEXT, long.encode()).serialize(mask=False, extensions=[]),
        }
        WEBSOCKETS.holds(
            wire == {"hi": b"\x81\x02hi", long: b"\x81\x7e\x00\xc8" + long.encode()},
            f"Frame.serialize(mask=False, extensions=[]) gives {wire['hi']!r} for 'hi'",
        )
        assert OutFrame("hi").wire == wire["hi"]
