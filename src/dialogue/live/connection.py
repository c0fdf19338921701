"""One websocket client: frames written at once while it keeps up, else a bounded queue.

Publishing never awaits a socket. While the peer keeps up and nothing is queued, a frame
goes straight to the transport (see `adapters.websocket_protocol`). Otherwise it waits in a
bounded queue drained by one long-lived sender task; a queue that is full means this reader is
too slow, so it is closed (4008) and resumes later with `after`, instead of slowing everyone
down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from starlette.websockets import WebSocket, WebSocketState

from dialogue.adapters.websocket_protocol import SEND_FRAMES_NOW, OutFrame
from dialogue.live.fragments import ReaderClass
from dialogue.policy import Role, Viewer

log = logging.getLogger(__name__)

WS_1001_GOING_AWAY = 1001
WS_1008_POLICY_VIOLATION = 1008
WS_4008_TOO_SLOW = 4008
WS_4401_SIGNED_OUT = 4401
WS_4403_REMOVED = 4403
WS_4404_NOT_FOUND = 4404
SEND_QUEUE_LIMIT = 1000
_CLOSE = object()


class Connection:
    viewer: Viewer
    reader: ReaderClass

    def __init__(
        self,
        websocket: WebSocket,
        *,
        dialogue_id: int,
        user_id: int | None,
        display_name: str | None,
        token_id: int | None,
        role: Role | None,
        is_admin: bool,
        after: int,
        rights_seq: int,
        queue_limit: int = SEND_QUEUE_LIMIT,
        language: str = "en",
        timezone: str = "UTC",
        count_presence: bool = False,
    ) -> None:
        self.websocket = websocket
        self.count_presence = count_presence  # the dialogue's setting when this socket joined
        self.dialogue_id = dialogue_id
        self.user_id = user_id
        self.language = language
        self.timezone = timezone
        self.display_name = display_name
        self.token_id = token_id
        self.role = role
        self.is_admin = is_admin
        self.sent_seq = after  # the highest seq handed to this client (sent or skipped)
        # The log position at which `role` was read: membership changes logged after it
        # still have to be applied, older ones are already part of `role`.
        self.rights_seq = rights_seq
        self.live = False  # False while it replays the log on its own
        self.closing = False
        self._queue: asyncio.Queue[str | object] = asyncio.Queue(maxsize=queue_limit)
        self.close_code = 1000
        self._sender: asyncio.Task[None] | None = None
        self._send_now: Callable[[Sequence[OutFrame]], bool] | None = websocket.scope.get(
            "extensions", {}
        ).get(SEND_FRAMES_NOW)
        self._holding = False  # the sender has taken a frame and not finished sending it
        self.frames_out = 0  # frames handed to the socket or its queue, for the access line

    @property
    def role(self) -> Role | None:
        return self.viewer.role

    @role.setter
    def role(self, role: Role | None) -> None:
        # Kept as objects: the hub reads them for every event and every connection.
        self.viewer = Viewer(user_id=self.user_id, role=role)
        self.reader = ReaderClass(role=role, language=self.language, timezone=self.timezone)

    @property
    def queued(self) -> int:
        """Frames waiting for this socket (read at scrape time, `/metrics`)."""
        return self._queue.qsize()

    def start(self) -> None:
        self._sender = asyncio.create_task(self._send_loop(), name="ws-sender")

    def push(self, text: str) -> bool:
        """Queue a frame without waiting; a full queue closes the connection as too slow."""
        return self.push_many([OutFrame(text)])

    def push_many(self, frames: Sequence[OutFrame]) -> bool:
        """Frames in order, written together when the peer keeps up (one system call)."""
        if self.closing:
            return False
        # Straight out only when nothing is waiting ahead of them, so frames keep their order.
        if (
            self._send_now is not None
            and not self._holding
            and self._queue.empty()
            and self._send_now(frames)
        ):
            self.frames_out += len(frames)
            return True
        for frame in frames:
            try:
                self._queue.put_nowait(frame.text)
            except asyncio.QueueFull:
                self.close(WS_4008_TOO_SLOW)
                return False
            self.frames_out += 1
        return True

    async def push_wait(self, text: str) -> None:
        """Queue a frame, waiting for room: for replay, which goes at this client's own pace."""
        if not self.closing:
            await self._queue.put(text)
            self.frames_out += 1

    def close(self, code: int) -> None:
        """Close after what is already queued; a reader too slow for that is cut off at once."""
        if self.closing:
            return
        self.closing = True
        self.close_code = code
        if code == WS_4008_TOO_SLOW:
            # Its sender is stuck behind a full socket: drop the backlog it will never read
            # and send the close frame next (it leaves once the peer reads, or the keepalive
            # ping gives up on it).
            while not self._queue.empty():
                self._queue.get_nowait()
            if self._sender is not None:
                self._sender.cancel()
            return
        try:
            self._queue.put_nowait(_CLOSE)
        except asyncio.QueueFull:
            if self._sender is not None:
                self._sender.cancel()

    async def _send_loop(self) -> None:
        try:
            while True:
                item = await self._queue.get()
                if item is _CLOSE:
                    break
                assert isinstance(item, str)
                self._holding = True
                await self.websocket.send_text(item)
                self._holding = False
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # the peer went away mid-send: nothing more to do for it
            log.debug("websocket send failed: %s", exc)
            self.closing = True
            return
        await self._close_socket()

    async def _close_socket(self) -> None:
        if self.websocket.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await self.websocket.close(self.close_code)

    async def stop(self) -> None:
        if self._sender is not None and not self._sender.done():
            self.close(self.close_code if self.closing else 1000)
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._sender, 5)
