"""Ingest: acknowledged posts per second, over websockets (post.create + ack) and over HTTP.

Many writers, each closed-loop (the next post goes when the last is acknowledged), against
`dialogue serve` on SQLite. After each run the server is killed with SIGKILL, no shutdown
hook running, and every acknowledged post id is looked up in the database file: an ack
is only worth something if the post survives a crash.

The writers are dealt round-robin over `--procs` worker processes, so the load generator is
not held to one core (its CPU seconds are printed beside the server's), and over
`--dialogues` dialogues. With one dialogue every post is fanned out to every writer's
socket; with as many dialogues as writers each post reaches only its own writer's socket,
which measures the write path rather than the N² fan-out.

    python bench/ingest.py --writers 50 --duration 15
    python bench/ingest.py --writers 50 --duration 15 --procs 2 --dialogues 50
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import time
import uuid
from dataclasses import dataclass
from multiprocessing.connection import Connection as Pipe
from multiprocessing.synchronize import Event as MpEvent
from pathlib import Path
from typing import Any

import httpx
import wsclient
from common import (
    ServerProcess,
    Workers,
    cleanup,
    machine,
    open_threads,
    percentile,
    seed_dialogues,
    share_out,
    sqlite_url,
    workdir,
    writer_of,
)


@dataclass(frozen=True)
class Writer:
    """One closed-loop writer: its number, dialogue, token and thread."""

    n: int
    slug: str
    token: str
    thread_id: int


@dataclass
class Tally:
    """What one worker process saw: acked ids, their latencies, errors by code."""

    acked: list[int]
    latencies: list[float]
    errors: dict[str, int]

    def error(self, code: str) -> None:
        self.errors[code] = self.errors.get(code, 0) + 1


class Answer:
    """The answer a writer waits for; every other frame on its socket is read and dropped."""

    def __init__(self) -> None:
        self.client_id = ""
        self.key = b""
        self.future: asyncio.Future[dict[str, Any]] | None = None

    def expect(self, client_id: str) -> asyncio.Future[dict[str, Any]]:
        self.client_id, self.key = client_id, client_id.encode()
        self.future = asyncio.get_running_loop().create_future()
        return self.future

    def on_text(self, payload: bytes) -> None:
        future = self.future
        if future is None or future.done() or self.key not in payload:
            return  # events, presence: this writer only waits for its answer
        reply = json.loads(payload)
        if reply.get("client_id") == self.client_id:
            future.set_result(reply)


async def ws_writer(ws_url: str, writer: Writer, stop_at: float, tally: Tally) -> None:
    url = f"{ws_url}/ws/dialogues/{writer.slug}"
    headers = {"Authorization": f"Bearer {writer.token}"}
    n = 0
    while time.monotonic() < stop_at:
        answer = Answer()
        try:
            sock = await wsclient.connect(url, answer.on_text, headers)
        except (OSError, TimeoutError, ConnectionError) as exc:
            tally.error(f"connect {type(exc).__name__}")
            await asyncio.sleep(0.1)
            continue
        try:
            while time.monotonic() < stop_at:
                client_id = str(uuid.uuid4())
                reply = answer.expect(client_id)
                frame = {
                    "type": "post.create",
                    "client_id": client_id,
                    "thread_id": writer.thread_id,
                    "body": f"Ingest {writer.n}/{n}: a contribution of ordinary length, "
                    "one sentence.",
                }
                sent = time.monotonic()
                sock.send_text(json.dumps(frame))
                n += 1
                either: set[asyncio.Future[Any]] = {reply, sock.closed}
                await asyncio.wait(either, timeout=60, return_when=asyncio.FIRST_COMPLETED)
                if reply.done():
                    message = reply.result()
                    if message["type"] == "ack":
                        tally.acked.append(int(message["post_id"]))
                        tally.latencies.append((time.monotonic() - sent) * 1000)
                    else:
                        tally.error(str(message.get("code", "?")))
                elif sock.closed.done():
                    # A server error while posting ends the socket: count it and reconnect,
                    # as the browser client does.
                    tally.error(f"closed {sock.closed.result()}")
                    break
                else:
                    tally.error("no answer in 60 s")
                    break
        finally:
            sock.close()


async def http_writer(base_url: str, writer: Writer, stop_at: float, tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {writer.token}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as http:
        n = 0
        while time.monotonic() < stop_at:
            sent = time.monotonic()
            n += 1
            try:
                r = await http.post(
                    f"/api/v1/threads/{writer.thread_id}/posts",
                    json={
                        "body": f"Ingest {writer.n}/{n}: a contribution of ordinary length.",
                        "client_id": str(uuid.uuid4()),
                    },
                )
            except httpx.TransportError as exc:
                # No answer (60 s) or a dropped connection: the post may still commit, and
                # then it is simply not counted as acknowledged.
                tally.error(type(exc).__name__)
                continue
            if r.status_code == 201:
                tally.acked.append(int(r.json()["id"]))
                tally.latencies.append((time.monotonic() - sent) * 1000)
            else:
                tally.error(str(r.status_code))


def worker(
    pipe: Pipe,
    writers: list[Writer],
    go: MpEvent,
    transport: str,
    server: ServerProcess,
    duration: float,
) -> None:
    """Worker process: run this share of the writers for `duration` once released, report."""
    go.wait()
    cpu_before, began = time.process_time(), time.monotonic()
    tally = Tally([], [], {})
    stop_at = began + duration

    async def run() -> None:
        if transport == "websocket":
            await asyncio.gather(*(ws_writer(server.ws_url, w, stop_at, tally) for w in writers))
        else:
            await asyncio.gather(*(http_writer(server.url, w, stop_at, tally) for w in writers))

    asyncio.run(run())
    pipe.send(
        {
            "acked": tally.acked,
            "latencies": tally.latencies,
            "errors": tally.errors,
            "seconds": time.monotonic() - began,
            "cpu_s": time.process_time() - cpu_before,
        }
    )


def surviving(database: Path, ids: list[int]) -> int:
    """How many of the acknowledged post ids are in the database file after the crash."""
    with sqlite3.connect(database) as conn:
        present = {row[0] for row in conn.execute("SELECT id FROM post")}
    return sum(1 for i in ids if i in present)


def one_run(transport: str, args: argparse.Namespace) -> dict[str, Any]:
    directory = workdir("ingest")
    database = sqlite_url(directory)
    seeded = asyncio.run(seed_dialogues(database, writers=args.writers, dialogues=args.dialogues))
    server = ServerProcess.dialogue(database, directory).start()
    try:
        for dialogue in seeded:
            asyncio.run(open_threads(server.url, dialogue))
        writers = []
        for w in range(args.writers):
            dialogue, i = writer_of(seeded, w)
            writers.append(
                Writer(w, dialogue.slug, dialogue.writer_tokens[i], dialogue.thread_ids[i])
            )
        workers = Workers(worker, share_out(writers, args.procs), transport, server, args.duration)
        cpu_before = server.cpu_seconds()
        workers.start()
        reports = workers.reports(timeout=args.duration + 120)
        cpu = server.cpu_seconds() - cpu_before
        server.kill()
        ids = [i for r in reports for i in r["acked"]]
        latencies = sorted(ms for r in reports for ms in r["latencies"])
        errors: dict[str, int] = {}
        for r in reports:
            for code, count in r["errors"].items():
                errors[code] = errors.get(code, 0) + count
        seconds = max(r["seconds"] for r in reports)
        return {
            "transport": transport,
            "dialogues": args.dialogues,
            "procs": len(reports),
            "acked": len(ids),
            "seconds": round(seconds, 2),
            "acked_per_s": round(len(ids) / seconds, 1),
            "ack_p50_ms": round(percentile(latencies, 50), 1),
            "ack_p99_ms": round(percentile(latencies, 99), 1),
            "errors": errors,
            "server_cpu_ms_per_ack": round(cpu / max(len(ids), 1) * 1000, 2),
            "server_cpu_s": round(cpu, 2),
            "loadgen_cpu_s": round(sum(r["cpu_s"] for r in reports), 2),
            "durable_after_sigkill": f"{surviving(directory / 'bench.db', ids)}/{len(ids)}",
        }
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
    parser.add_argument("--procs", type=int, default=2, help="load generator processes")
    parser.add_argument("--dialogues", type=int, default=1, help="writers spread round-robin")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory and logs")
    args = parser.parse_args()
    if not 1 <= args.dialogues <= args.writers:
        parser.error("--dialogues must be between 1 and --writers")
    if args.procs < 1:
        parser.error("--procs must be at least 1")
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
