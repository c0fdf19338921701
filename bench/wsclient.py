"""A lean websocket client for load generation: an asyncio.Protocol that parses frames by hand.

A full client library spends tens of microseconds per received frame; thousands of
listeners at 20 frames/s each would then measure the client, not the server. This one
does the handshake, reads unmasked server frames, answers pings (uvicorn pings every 20 s
and drops a peer that does not answer) and masks what it sends, and nothing else.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Callable
from urllib.parse import urlsplit

OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0, 1, 2, 8, 9, 10


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """A client frame: FIN set, masked as RFC 6455 requires of clients."""
    n = len(payload)
    if n < 126:
        header = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    mask = os.urandom(4)
    if n == 0:
        return header + mask
    key = (mask * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")
    return header + mask + masked


class LeanSocket(asyncio.Protocol):
    """One connection; `on_text(bytes)` is called with each complete text message."""

    def __init__(
        self, host_header: str, path: str, headers: dict[str, str], on_text: Callable[[bytes], None]
    ) -> None:
        self.host_header, self.path, self.headers = host_header, path, headers
        self.on_text = on_text
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._upgraded = False
        self._fragments = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host_header}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        lines += [f"{k}: {v}" for k, v in self.headers.items()]
        transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if not self._upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buffer[:end]).split(b"\r\n", 1)[0]
            if b" 101 " not in status + b" ":
                self._fail(ConnectionError(status.decode(errors="replace")))
                return
            del buffer[: end + 4]
            self._upgraded = True
            self.opened.set_result(None)
        offset, size = 0, len(buffer)
        while size - offset >= 2:
            first, second = buffer[offset], buffer[offset + 1]
            length, header = second & 0x7F, 2
            if length == 126:
                if size - offset < 4:
                    break
                length, header = int.from_bytes(buffer[offset + 2 : offset + 4], "big"), 4
            elif length == 127:
                if size - offset < 10:
                    break
                length, header = int.from_bytes(buffer[offset + 2 : offset + 10], "big"), 10
            if size - offset < header + length:
                break
            payload = bytes(buffer[offset + header : offset + header + length])
            offset += header + length
            self._frame(first & 0x0F, bool(first & 0x80), payload)
        if offset:
            del buffer[:offset]

    def _frame(self, opcode: int, fin: bool, payload: bytes) -> None:
        if opcode in (OP_TEXT, OP_CONTINUATION):
            if fin and not self._fragments:
                self.on_text(payload)
            else:
                self._fragments += payload
                if fin:
                    self.on_text(bytes(self._fragments))
                    self._fragments.clear()
        elif opcode == OP_PING:
            self.send(OP_PONG, payload)
        elif opcode == OP_CLOSE:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self.send(OP_CLOSE, payload[:2])
            if not self.closed.done():
                self.closed.set_result(code)
            if self.transport is not None:
                self.transport.close()

    def send(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(encode_frame(opcode, payload))

    def send_text(self, text: str) -> None:
        self.send(OP_TEXT, text.encode())

    def close(self) -> None:
        self.send(OP_CLOSE, (1000).to_bytes(2, "big"))
        if self.transport is not None:
            self.transport.close()

    def _fail(self, exc: Exception) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc)
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during handshake"))
        if not self.closed.done():
            self.closed.set_result(1006)


async def connect(
    url: str,
    on_text: Callable[[bytes], None],
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> LeanSocket:
    """Open `ws://host:port/path?query` and return once the server has answered 101."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    loop = asyncio.get_running_loop()
    _transport, protocol = await asyncio.wait_for(
        loop.create_connection(
            lambda: LeanSocket(parts.netloc, path, headers or {}, on_text),
            parts.hostname,
            parts.port,
        ),
        timeout,
    )
    await asyncio.wait_for(protocol.opened, timeout)
    return protocol
