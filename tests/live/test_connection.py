"""A connection writes straight to the transport while its peer keeps up, in order, else queues."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from dialogue.adapters.websocket_protocol import SEND_FRAMES_NOW, OutFrame
from dialogue.live.connection import WS_4008_TOO_SLOW, Connection


class Transport:
    """Stands in for uvicorn's protocol writer: accepts frames until told the peer is behind."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.keeping_up = True

    def send_frames_now(self, frames: Sequence[OutFrame]) -> bool:
        if self.keeping_up:
            self.written.append(b"|".join(frame.text.encode() for frame in frames))
        return self.keeping_up


def connection(transport: Transport | None, queue_limit: int = 3) -> Connection:
    extensions: dict[str, Any] = {SEND_FRAMES_NOW: transport.send_frames_now} if transport else {}
    return Connection(
        SimpleNamespace(scope={"extensions": extensions}),  # type: ignore[arg-type]
        dialogue_id=1,
        user_id=None,
        display_name=None,
        token_id=None,
        role=None,
        is_admin=False,
        after=0,
        rights_seq=0,
        queue_limit=queue_limit,
    )


class TestDirectWrites:
    def test_frames_go_straight_out_while_the_peer_keeps_up(self) -> None:
        transport = Transport()
        conn = connection(transport)
        assert conn.push("one") and conn.push("two")
        assert transport.written == [b"one", b"two"]
        assert conn._queue.empty()

    def test_a_peer_that_falls_behind_gets_the_queue_and_keeps_the_order(self) -> None:
        transport = Transport()
        conn = connection(transport)
        conn.push("one")
        transport.keeping_up = False
        conn.push("two")
        transport.keeping_up = True
        conn.push("three")  # must not overtake "two", still waiting in the queue
        assert transport.written == [b"one"]
        assert [conn._queue.get_nowait() for _ in range(2)] == ["two", "three"]

    def test_queue_overflow_closes_as_too_slow(self) -> None:
        transport = Transport()
        transport.keeping_up = False
        conn = connection(transport, queue_limit=2)
        assert conn.push("a") and conn.push("b")
        assert not conn.push("c")
        assert conn.closing and conn.close_code == WS_4008_TOO_SLOW
        assert not conn.push("d")

    def test_several_frames_go_out_in_one_write_in_order(self) -> None:
        transport = Transport()
        conn = connection(transport)
        assert conn.push_many([OutFrame("one"), OutFrame("two"), OutFrame("three")])
        assert transport.written == [b"one|two|three"]

    def test_several_frames_behind_a_slow_peer_are_queued_in_order(self) -> None:
        transport = Transport()
        transport.keeping_up = False
        conn = connection(transport, queue_limit=5)
        assert conn.push_many([OutFrame("one"), OutFrame("two")])
        assert [conn._queue.get_nowait() for _ in range(2)] == ["one", "two"]

    def test_without_the_extension_everything_is_queued(self) -> None:
        conn = connection(None)
        conn.push("one")
        assert conn._queue.get_nowait() == "one"
