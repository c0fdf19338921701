"""Ingest: acknowledged posts per second, over websockets (post.create + ack) and over HTTP.

Many writers, each closed-loop (the next post goes when the last is acknowledged), against
`dialogue serve` on SQLite. After each run the server is killed with SIGKILL, no shutdown
hook running, and every acknowledged post id is looked up in the database file: an ack
is only worth something if the post survives a crash.

    python bench/ingest.py --writers 50 --duration 15
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from common import (
    Seeded,
    ServerProcess,
    cleanup,
    machine,
    open_threads,
    percentile,
    seed,
    sqlite_url,
    workdir,
)
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed


async def over_websockets(server: ServerProcess, seeded: Seeded, duration: float) -> dict[str, Any]:
    acked: list[int] = []
    latencies: list[float] = []
    errors: dict[str, int] = {}
    stop_at = time.monotonic() + duration

    async def writer(w: int) -> None:
        url = f"{server.ws_url}/ws/dialogues/{seeded.slug}"
        headers = {"Authorization": f"Bearer {seeded.writer_tokens[w]}"}
        n = 0
        while time.monotonic() < stop_at:
            try:
                async with connect(url, additional_headers=headers, compression=None) as ws:
                    while time.monotonic() < stop_at:
                        await post_one(ws, w, n)
                        n += 1
            except ConnectionClosed as exc:
                # A server error while posting ends the socket: count it and reconnect, as
                # the browser client does.
                code = f"closed {exc.rcvd.code if exc.rcvd else 'abnormally'}"
                errors[code] = errors.get(code, 0) + 1
                n += 1

    async def post_one(ws: ClientConnection, w: int, n: int) -> None:
        client_id = str(uuid.uuid4())
        frame = {
            "type": "post.create",
            "client_id": client_id,
            "thread_id": seeded.thread_ids[w],
            "body": f"Ingest {w}/{n}: a contribution of ordinary length, one sentence.",
        }
        sent = time.monotonic()
        await ws.send(json.dumps(frame))
        while True:
            reply = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if reply.get("client_id") != client_id:
                continue  # events, presence: this writer only waits for its answer
            if reply["type"] == "ack":
                acked.append(int(reply["post_id"]))
                latencies.append((time.monotonic() - sent) * 1000)
            else:
                errors[reply.get("code", "?")] = errors.get(reply.get("code", "?"), 0) + 1
            return

    began = time.monotonic()
    await asyncio.gather(*(writer(w) for w in range(len(seeded.writer_tokens))))
    return _summary("websocket", acked, latencies, errors, time.monotonic() - began)


async def over_http(server: ServerProcess, seeded: Seeded, duration: float) -> dict[str, Any]:
    acked: list[int] = []
    latencies: list[float] = []
    errors: dict[str, int] = {}
    stop_at = time.monotonic() + duration

    async def writer(w: int) -> None:
        headers = {"Authorization": f"Bearer {seeded.writer_tokens[w]}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=60) as http:
            n = 0
            while time.monotonic() < stop_at:
                sent = time.monotonic()
                r = await http.post(
                    f"/api/v1/threads/{seeded.thread_ids[w]}/posts",
                    json={
                        "body": f"Ingest {w}/{n}: a contribution of ordinary length.",
                        "client_id": str(uuid.uuid4()),
                    },
                )
                if r.status_code == 201:
                    acked.append(int(r.json()["id"]))
                    latencies.append((time.monotonic() - sent) * 1000)
                else:
                    errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1
                n += 1

    began = time.monotonic()
    await asyncio.gather(*(writer(w) for w in range(len(seeded.writer_tokens))))
    return _summary("http", acked, latencies, errors, time.monotonic() - began)


def _summary(
    name: str, acked: list[int], latencies: list[float], errors: dict[str, int], seconds: float
) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "transport": name,
        "acked": len(acked),
        "seconds": round(seconds, 2),
        "acked_per_s": round(len(acked) / seconds, 1),
        "ack_p50_ms": round(percentile(ordered, 50), 1),
        "ack_p99_ms": round(percentile(ordered, 99), 1),
        "errors": errors,
        "ids": acked,
    }


def surviving(database: Path, ids: list[int]) -> int:
    """How many of the acknowledged post ids are in the database file after the crash."""
    with sqlite3.connect(database) as conn:
        present = {row[0] for row in conn.execute("SELECT id FROM post")}
    return sum(1 for i in ids if i in present)


def one_run(transport: str, args: argparse.Namespace) -> dict[str, Any]:
    directory = workdir("ingest")
    database = sqlite_url(directory)
    seeded = asyncio.run(seed(database, writers=args.writers))
    server = ServerProcess.dialogue(database, directory).start()
    try:
        asyncio.run(open_threads(server.url, seeded))
        cpu_before = server.cpu_seconds()
        run = over_websockets if transport == "websocket" else over_http
        result = asyncio.run(run(server, seeded, args.duration))
        cpu = server.cpu_seconds() - cpu_before
        result["server_cpu_ms_per_ack"] = round(cpu / max(result["acked"], 1) * 1000, 2)
        server.kill()
        ids = result.pop("ids")
        result["durable_after_sigkill"] = f"{surviving(directory / 'bench.db', ids)}/{len(ids)}"
        return result
    finally:
        server.stop()
        if args.keep:
            print("kept", directory)
        else:
            cleanup(directory)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--transport", choices=("websocket", "http", "both"), default="both")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory and logs")
    args = parser.parse_args()
    print("machine:", machine(), "args:", vars(args), flush=True)
    transports = ["websocket", "http"] if args.transport == "both" else [args.transport]
    results = []
    for transport in transports:
        results.append(one_run(transport, args))
        print("  ".join(f"{k}={v}" for k, v in results[-1].items()), flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"machine": machine(), "args": vars(args), "results": results}, handle)


if __name__ == "__main__":
    main()
