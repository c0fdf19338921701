"""Fan-out: N listeners in one dialogue, posts at R/s from a few writers, against the floor.

Prints delivered/expected, send-to-receive latency (p50/p95/p99/max, from a timestamp in
each post body), server CPU per delivered frame and peak RSS, for the app (`dialogue serve`
on SQLite) and, in the same run and under the same load, for bench/floor_server.py; then
the ratios. `--instances 2 --redis` adds two app instances over Redis and compares their
p99 with the single instance's.

    python bench/fanout.py --clients 2000 --rate 20 --duration 10
    python bench/fanout.py --clients 1000 --instances 2 --redis
    python bench/fanout.py --clients 1000 --warmup 2   # the first posts after connecting untimed
    python bench/fanout.py --clients 2000 --post-over http   # writers use the JSON API

By default the app's writers post as the browser client does, `post.create` on their own
sockets: the same load as the floor's writers, which send on sockets too. `--post-over http`
adds what the JSON API costs per post (the request in this process, FastAPI on the server)
to both the app's latency and the CPU the listeners compete for.

With `--warmup W` both servers get W seconds of posts first: every frame is still counted for
delivery, but only posts sent after the warm-up are timed (steady state, not the first
seconds after a thousand sockets connected).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from common import (
    Seeded,
    ServerProcess,
    cleanup,
    cpu_split,
    machine,
    machine_ticks,
    open_threads,
    seed,
    sqlite_url,
)
from common import workdir as make_workdir
from loadclients import Listeners, marker
from websockets.asyncio.client import connect as ws_connect

Begin = Callable[[], None]  # called once, as the posting schedule starts

# Writers connect, then wait this long before their first post: a writer's socket arriving is
# a presence change (one frame to every listener), part of connecting, not of a post's delay.
WRITERS_SETTLE = 1.5


async def on_schedule(
    w: int, writers: int, rate: float, duration: float, start: float
) -> AsyncIterator[int]:
    """Writer w's post numbers, each at its time: post k at (k*W + w)/R seconds after start."""
    k = 0
    while (due := start + (k * writers + w) / rate) - start < duration:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        yield k
        k += 1


async def post_over_http(
    servers: list[ServerProcess], seeded: Seeded, rate: float, duration: float, begin: Begin
) -> dict[str, Any]:
    """Each writer posts on its own schedule (writer w, post k at (k*W + w)/R seconds)."""
    writers = len(seeded.writer_tokens)
    acked, failed = [0] * writers, [0] * writers
    start = time.monotonic() + 0.2
    begin()

    async def writer(w: int) -> None:
        server = servers[w % len(servers)]
        headers = {"Authorization": f"Bearer {seeded.writer_tokens[w]}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as http:
            async for k in on_schedule(w, writers, rate, duration, start):
                try:
                    r = await http.post(
                        f"/api/v1/threads/{seeded.thread_ids[w]}/posts",
                        json={"body": marker(w, k)},
                    )
                except httpx.TransportError:
                    # The post may still commit later: it then counts as delivered with no
                    # matching ack, which shows as delivery above 100% rather than hiding.
                    failed[w] += 1
                    continue
                if r.status_code == 201:
                    acked[w] += 1
                else:
                    failed[w] += 1

    await asyncio.gather(*(writer(w) for w in range(writers)))
    return {"posts": sum(acked), "failed_posts": sum(failed)}


async def post_over_websocket(
    servers: list[ServerProcess], seeded: Seeded, rate: float, duration: float, begin: Begin
) -> dict[str, Any]:
    """As `post_over_http`, but each writer sends `post.create` frames on its own socket (what
    the browser client does) and counts the `ack`s; its socket also receives every event."""
    writers = len(seeded.writer_tokens)
    acked, failed = [0] * writers, [0] * writers

    async def writer(w: int, ws: Any, start: float) -> None:
        sent, finished, answered = [0], [False], asyncio.Event()

        def check() -> None:
            if finished[0] and acked[w] + failed[w] >= sent[0]:
                answered.set()

        async def answers() -> None:
            while True:
                reply = json.loads(await ws.recv())
                if reply.get("type") == "ack":
                    acked[w] += 1
                elif reply.get("type") == "error" and "client_id" in reply:
                    failed[w] += 1
                check()

        reading = asyncio.create_task(answers())
        async for k in on_schedule(w, writers, rate, duration, start):
            frame = {
                "type": "post.create",
                "client_id": f"{w}-{k}",
                "thread_id": seeded.thread_ids[w],
                "body": marker(w, k),
            }
            await ws.send(json.dumps(frame))
            sent[0] += 1
        finished[0] = True
        check()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(answered.wait(), 30)
        reading.cancel()
        failed[w] += sent[0] - acked[w] - failed[w]  # never answered

    async with contextlib.AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(
                ws_connect(
                    f"{servers[w % len(servers)].ws_url}/ws/dialogues/{seeded.slug}",
                    additional_headers={"Authorization": f"Bearer {seeded.writer_tokens[w]}"},
                    compression=None,
                )
            )
            for w in range(writers)
        ]
        await asyncio.sleep(WRITERS_SETTLE)
        start = time.monotonic() + 0.2
        begin()
        await asyncio.gather(*(writer(w, sockets[w], start) for w in range(writers)))
    return {"posts": sum(acked), "failed_posts": sum(failed)}


async def post_to_floor(
    floor: ServerProcess, writers: int, rate: float, duration: float, frame_bytes: int, begin: Begin
) -> dict[str, Any]:
    sent = [0] * writers

    async def writer(w: int, ws: Any, start: float) -> None:
        async for k in on_schedule(w, writers, rate, duration, start):
            body = marker(w, sent[w])
            head = f'{{"type":"event","seq":{k},"kind":"post.created","data":{{"body":"{body}"'
            pad = max(0, frame_bytes - len(head) - 12)
            await ws.send(head + ',"pad":"' + "x" * pad + '"}}')
            sent[w] += 1

    async with contextlib.AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(ws_connect(floor.ws_url + "/write", compression=None))
            for _ in range(writers)
        ]
        await asyncio.sleep(WRITERS_SETTLE)
        start = time.monotonic() + 0.2
        begin()
        await asyncio.gather(*(writer(w, sockets[w], start) for w in range(writers)))
    await asyncio.sleep(0.1)
    return {"posts": sum(sent), "failed_posts": 0}


def measure(
    name: str, servers: list[ServerProcess], urls: list[str], args: argparse.Namespace, post: Any
) -> dict[str, Any]:
    """Connect the listeners, post for the duration, drain, and collect every figure."""
    listeners = Listeners(urls, args.clients, args.procs)
    connected = listeners.wait_connected()
    time.sleep(1.0)  # let the last joins' presence frames settle
    before = [cpu_split(s.pid) for s in servers]
    box_before = machine_ticks()
    began = time.monotonic()
    # Timing starts with the posting schedule (writers may connect and settle first).
    posted = asyncio.run(post(lambda: listeners.start_measuring(args.warmup)))
    post_seconds = time.monotonic() - began
    box_after = machine_ticks()
    time.sleep(args.drain)
    after = [cpu_split(s.pid) for s in servers]
    kernel = sum(a[1] - b[1] for a, b in zip(after, before, strict=True))
    cpu = sum(a[0] - b[0] for a, b in zip(after, before, strict=True)) + kernel
    received = listeners.finish()
    expected = posted["posts"] * connected["connected"]
    memory = [s.memory_kib() for s in servers]
    result = {
        "name": name,
        **connected,
        **posted,
        **received,
        "expected": expected,
        "delivery": received["delivered"] / expected if expected else float("nan"),
        "post_seconds": round(post_seconds, 2),
        "server_cpu_s": round(cpu, 2),
        "cpu_us_per_frame": cpu / received["delivered"] * 1e6 if received["delivered"] else 0,
        "kernel_share": round(kernel / cpu, 2) if cpu else 0,
        # How busy the whole machine was while posting: the listeners share its cores.
        "box_busy": round((box_after[0] - box_before[0]) / max(box_after[1] - box_before[1], 1), 2),
        "peak_rss_mib": round(sum(m["VmHWM"] for m in memory) / 1024, 1),
        "kib_per_connection": None,
    }
    return result


def app_run(
    name: str, args: argparse.Namespace, instances: int, redis_url: str | None
) -> dict[str, Any]:
    directory = make_workdir("fanout")
    database = sqlite_url(directory)
    seeded = asyncio.run(seed(database, writers=args.writers))
    env = {"DIALOGUE_REDIS_URL": redis_url} if redis_url else {}
    servers = [ServerProcess.dialogue(database, directory, **env).start() for _ in range(instances)]
    try:
        idle = sum(s.memory_kib()["VmRSS"] for s in servers)
        asyncio.run(open_threads(servers[0].url, seeded))
        urls = [f"{s.ws_url}/ws/dialogues/{seeded.slug}" for s in servers]
        result = measure(
            name,
            servers,
            urls,
            args,
            lambda begin: POSTERS[args.post_over](
                servers, seeded, args.rate, args.warmup + args.duration, begin
            ),
        )
        result["kib_per_connection"] = round(
            (result["peak_rss_mib"] * 1024 - idle) / max(result["connected"], 1), 1
        )
        return result
    finally:
        for server in servers:
            server.stop()
        if not args.keep:
            cleanup(directory)


POSTERS = {"http": post_over_http, "websocket": post_over_websocket}


def floor_run(args: argparse.Namespace, frame_bytes: int) -> dict[str, Any]:
    directory = make_workdir("floor")
    floor = ServerProcess.floor(directory).start()
    try:
        idle = floor.memory_kib()["VmRSS"]
        result = measure(
            "floor",
            [floor],
            [floor.ws_url + "/"],
            args,
            lambda begin: post_to_floor(
                floor, args.writers, args.rate, args.warmup + args.duration, frame_bytes, begin
            ),
        )
        result["kib_per_connection"] = round(
            (result["peak_rss_mib"] * 1024 - idle) / max(result["connected"], 1), 1
        )
        return result
    finally:
        floor.stop()
        cleanup(directory)


COLUMNS = [
    "name",
    "connected",
    "failed",
    "posts",
    "delivered",
    "expected",
    "delivery",
    "duplicates",
    "gaps",
    "p50",
    "p95",
    "p99",
    "max",
    "posts_over_p99",
    "slowest_posts",
    "cpu_us_per_frame",
    "kernel_share",
    "box_busy",
    "peak_rss_mib",
    "kib_per_connection",
    "frame_bytes",
    "connect_s",
    "frames_while_connecting",
    "other_frames",
    "failed_posts",
    "closed",
]


def show(results: list[dict[str, Any]]) -> None:
    for r in results:
        print("  ".join(f"{c}={_fmt(r.get(c))}" for c in COLUMNS))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if value < 10 else f"{value:.1f}"
    return str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=20.0, help="posts per second, all writers")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of posting")
    parser.add_argument(
        "--warmup",
        type=float,
        default=0.0,
        help="seconds of posting before latencies are timed (frames still counted)",
    )
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument(
        "--post-over",
        choices=("http", "websocket"),
        default="websocket",
        help="how the app's writers post: the JSON API, or post.create on a socket",
    )
    parser.add_argument("--procs", type=int, default=4, help="listener processes")
    parser.add_argument("--drain", type=float, default=3.0, help="seconds to wait after posting")
    parser.add_argument("--instances", type=int, choices=(1, 2), default=1)
    parser.add_argument("--redis", action="store_true", help="with --instances 2")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    if args.instances == 2 and not args.redis:
        parser.error("--instances 2 needs --redis: the instances share events through it")

    print("machine:", machine(), "args:", vars(args), flush=True)
    results = [app_run("app", args, 1, None)]
    show(results[-1:])
    if not args.skip_floor:
        results.append(floor_run(args, int(results[0]["frame_bytes"])))
        show(results[-1:])
    if args.instances == 2:
        from tests.services import start_redis

        redis = start_redis()
        try:
            results.append(app_run("app x2 over redis", args, 2, redis.url))
        finally:
            redis.stop()
        show(results[-1:])
    app = results[0]
    for other in results[1:]:
        label = "app/floor" if other["name"] == "floor" else "x2/app"
        a, b = (app, other) if other["name"] == "floor" else (other, app)
        print(
            f"{label}: p50 {a['p50'] / b['p50']:.2f}x  p99 {a['p99'] / b['p99']:.2f}x  "
            f"cpu/frame {a['cpu_us_per_frame'] / b['cpu_us_per_frame']:.2f}x  "
            f"peak RSS {a['peak_rss_mib'] / b['peak_rss_mib']:.2f}x"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(
                {"machine": machine(), "args": vars(args), "results": results}, handle, indent=1
            )


if __name__ == "__main__":
    main()
