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
   of posts then costs each listener one system call, not one per post.
"""

from __future__ import annotations

from collections.abc import Sequence

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.http11 import Request

WS_1001_GOING_AWAY = 1001
SEND_TEXTS_NOW = "dialogue.send_texts_now"


class GoingAwayProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)  # absent when the handshake was refused
        if scope is not None:
            scope["extensions"][SEND_TEXTS_NOW] = self.send_texts_now

    def send_texts_now(self, texts: Sequence[bytes]) -> bool:
        """Write text frames now, in one write; False when the peer is not keeping up or is gone.

        "Not keeping up" is the transport's own signal: its buffer passed the high-water
        mark and it paused writing. The caller then queues the frame instead.
        """
        if self.close_sent or self.disconnected or not self.writable.is_set():
            return False
        try:
            for data in texts:
                self.conn.send_text(data)
        except InvalidState:  # the peer started closing
            return False
        self.transport.write(b"".join(self.conn.data_to_send()))
        return True

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
