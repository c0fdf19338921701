"""The floor: a bare `websockets`-library broadcast server, nothing in Python delivers faster.

Readers connect to `/`; each text message a writer sends on `/write` is broadcast to every
reader with `websockets.broadcast` (one write per reader, no queue, no database). The app
is measured against this in the same run, under the same load, as a ratio.

    python bench/floor_server.py --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from http import HTTPStatus

from websockets.asyncio.server import Request, Response, ServerConnection, broadcast, serve

readers: set[ServerConnection] = set()


def health(connection: ServerConnection, request: Request) -> Response | None:
    if request.path == "/healthz":
        return connection.respond(HTTPStatus.OK, "ok\n")
    return None


async def handler(connection: ServerConnection) -> None:
    if connection.request is not None and connection.request.path == "/write":
        async for message in connection:
            broadcast(readers, message)
        return
    readers.add(connection)
    try:
        await connection.wait_closed()
    finally:
        readers.discard(connection)


async def main(host: str, port: int) -> None:
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with serve(
        handler, host, port, process_request=health, compression=None, max_queue=None, backlog=4096
    ):
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    asyncio.run(main(args.host, args.port))
