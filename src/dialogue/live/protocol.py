"""uvicorn's websocket protocol, closing with 1001 (going away) when the server shuts down.

uvicorn closes open websockets with 1012 (service restart) before the app's lifespan ends,
so the hub never gets to say goodbye itself; the contract promises 1001.
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

WS_1001_GOING_AWAY = 1001


class GoingAwayProtocol(WebSocketsSansIOProtocol):
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
