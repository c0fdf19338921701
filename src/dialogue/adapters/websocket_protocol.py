"""uvicorn's websocket protocol, with two things the hub needs from it.

1. Closing with 1001 (going away) when the server shuts down: uvicorn closes open websockets
   with 1012 (service restart) before the app's lifespan ends, so the hub never gets to say
   goodbye itself; the contract promises 1001.
2. Writing frames at once, without awaiting: through ASGI every frame to every listener
   costs a queue put, a wake-up of that listener's sender task and the ASGI send chain,
   which measured 3.6x the CPU of a bare broadcast server per delivered frame. The hub
   writes straight to the transport instead while the peer keeps up (what
   `websockets.broadcast` does), and falls back to the queued, awaited path when it does not.
   The writer is handed to the app as a scope extension, so an app served by anything else
   simply does not find it. Several frames for one listener go out in one write: a burst
   of posts then costs each listener one system call, not one per post. A frame is
   serialised once (`OutFrame`) and the same bytes go to every listener: server frames are
   not masked, so they are identical for all of them. That holds even for a peer that
   negotiated compression: permessage-deflate lets either side send any message
   uncompressed (RFC 7692, section 6), and compressing small frames costs more than it saves.
3. Closing on a text frame that is not UTF-8 (1007, as uvicorn does) without logging a
   traceback at ERROR: it is a client's bad input, not the server's failure, and a
   traceback in the log is what operators (and the fuzz test) watch for.

What this takes from uvicorn's and websockets' private parts:
tests/adapters/test_websocket_protocol.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State

WS_1001_GOING_AWAY = 1001
WS_1007_INVALID_DATA = 1007
SEND_FRAMES_NOW = "dialogue.send_frames_now"


class OutFrame:
    """A text message and its websocket frame, serialised once for all its listeners."""

    __slots__ = ("text", "wire")

    def __init__(self, text: str) -> None:
        self.text = text
        self.wire = Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


class GoingAwayProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # absent when the handshake was refused
        if scope is not None:
            scope["extensions"][SEND_FRAMES_NOW] = self.send_frames_now

    def send_frames_now(self, frames: Sequence[OutFrame]) -> bool:
        """Write frames now, in one write; False when the peer is not keeping up or is gone.

        "Not keeping up" is the transport's own signal: its buffer passed the high-water
        mark and it paused writing. The caller then queues the frame instead.
        """
        conn = self.conn
        if (
            self.close_sent
            or self.disconnected
            or not self.writable.is_set()
            or conn.state is not State.OPEN  # the peer started closing
            or conn.expect_continuation_frame
        ):
            return False
        if len(frames) == 1:
            self.transport.write(frames[0].wire)
        else:
            self.transport.write(b"".join([frame.wire for frame in frames]))
        return True

    def send_receive_event_to_app(self) -> None:
        if self.curr_msg_data_type == "text" and not self.close_sent:
            try:
                b"".join(self.frames).decode()
            except UnicodeDecodeError:
                self.frames = []
                if self.conn.state is State.OPEN:  # else a close is under way already
                    self.logger.info("websocket: a text frame that is not UTF-8; closing (1007)")
                    self.conn.send_close(WS_1007_INVALID_DATA, "text frames must be UTF-8")
                    self.handle_parser_exception()
                return
        super().send_receive_event_to_app()

    def shutdown(self) -> None:
        if self.handshake_complete and not self.close_sent:
            self.stop_keepalive()
            self.queue.put_nowait({"type": "websocket.disconnect", "code": WS_1001_GOING_AWAY})
            self.conn.send_close(WS_1001_GOING_AWAY)
            self.close_sent = True
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.transport.close()
            return
        super().shutdown()
