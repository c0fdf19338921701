"""Listener processes for the fan-out benchmark: many lean sockets each, latency per frame.

One Python process cannot read 40,000 frames/s, so the listeners are spread over several
processes (multiprocessing). Each keeps, per connection, the last number it saw from each
writer, so loss, duplicates and reordering are counted, not assumed.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import time
from array import array
from dataclasses import dataclass, field
from multiprocessing.connection import Connection as Pipe
from multiprocessing.synchronize import Event as MpEvent
from typing import Any

from common import percentile
from wsclient import LeanSocket, connect

MARK = b"bench:"  # bench:<writer>:<n>:<send time ns>;  in the post body / floor message


def marker(writer: int, n: int) -> str:
    return f"bench:{writer}:{n}:{time.time_ns()};"


@dataclass
class Tally:
    delivered: int = 0
    duplicates: int = 0  # a number at or below one already seen from that writer
    gaps: int = 0  # a number skipped (a frame lost before a later one arrived)
    other_frames: int = 0  # hello, presence, anything without a marker
    marked_bytes: int = 0
    latencies: array = field(default_factory=lambda: array("d"))  # type: ignore[type-arg]
    worst: dict[bytes, float] = field(default_factory=dict)  # per post: its slowest frame


def listen(
    pipe: Pipe, urls: list[str], offset: int, go: MpEvent, stop: MpEvent, since: Any
) -> None:
    """Process entry point: open one socket per url, report, count until told to stop."""
    asyncio.run(_listen(pipe, urls, offset, go, stop, since))


async def _listen(
    pipe: Pipe, urls: list[str], offset: int, go: MpEvent, stop: MpEvent, since: Any
) -> None:
    tally = Tally()
    measuring = [False]

    def handler() -> Any:
        last: dict[bytes, int] = {}

        def on_text(payload: bytes) -> None:
            pos = payload.find(MARK)
            if pos < 0:
                tally.other_frames += 1
                return
            now = time.time_ns()
            writer, n_raw, sent = payload[pos + 6 : payload.find(b";", pos)].split(b":")
            n = int(n_raw)
            previous = last.get(writer, -1)
            if n <= previous:
                tally.duplicates += 1
                return
            if n > previous + 1 and previous >= 0:
                tally.gaps += n - previous - 1
            last[writer] = n
            tally.delivered += 1
            tally.marked_bytes += len(payload)
            if measuring[0] and int(sent) >= since.value:  # warm-up posts are not timed
                latency = (now - int(sent)) / 1e6
                tally.latencies.append(latency)
                key = writer + b":" + n_raw
                if latency > tally.worst.get(key, 0.0):
                    tally.worst[key] = latency

        return on_text

    gate = asyncio.Semaphore(50)
    sockets: list[LeanSocket] = []
    failures: list[str] = []

    async def open_one(url: str) -> None:
        async with gate:
            try:
                sockets.append(await connect(url, handler()))
            except (OSError, TimeoutError, ConnectionError) as exc:
                failures.append(f"{type(exc).__name__}: {exc}"[:200])

    began = time.monotonic()
    await asyncio.gather(*(open_one(url) for url in urls))
    pipe.send(
        {
            "connected": len(sockets),
            "failed": len(failures),
            "errors": failures[:3],
            "connect_s": time.monotonic() - began,
            "frames_while_connecting": tally.other_frames,
        }
    )
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, go.wait)
    measuring[0] = True
    await loop.run_in_executor(None, stop.wait)
    closed: dict[int, int] = {}
    for sock in sockets:
        if sock.closed.done():
            closed[sock.closed.result()] = closed.get(sock.closed.result(), 0) + 1
        sock.close()
    pipe.send(
        {
            "delivered": tally.delivered,
            "duplicates": tally.duplicates,
            "gaps": tally.gaps,
            "other_frames": tally.other_frames,
            "marked_bytes": tally.marked_bytes,
            "latencies": tally.latencies.tobytes(),
            "worst": tally.worst,
            "closed": closed,
        }
    )
    await asyncio.sleep(0.2)


class Listeners:
    """`count` listeners over `processes` processes, spread round-robin over `urls`."""

    def __init__(self, urls: list[str], count: int, processes: int) -> None:
        context = mp.get_context("fork")
        self.go, self.stop = context.Event(), context.Event()
        self.since = context.Value("q", 0)  # time.time_ns() from which posts are timed
        self.pipes: list[Pipe] = []
        self.procs = []
        for p in range(processes):
            mine = [urls[i % len(urls)] for i in range(p, count, processes)]
            parent, child = context.Pipe()
            proc = context.Process(
                target=listen, args=(child, mine, p, self.go, self.stop, self.since), daemon=True
            )
            proc.start()
            self.pipes.append(parent)
            self.procs.append(proc)

    def wait_connected(self, timeout: float = 600) -> dict[str, Any]:
        reports = [self._recv(pipe, timeout) for pipe in self.pipes]
        return {
            "connected": sum(r["connected"] for r in reports),
            "failed": sum(r["failed"] for r in reports),
            "errors": [e for r in reports for e in r["errors"]][:3],
            "connect_s": max(r["connect_s"] for r in reports),
            "frames_while_connecting": sum(r["frames_while_connecting"] for r in reports),
        }

    def start_measuring(self, warmup: float = 0.0) -> None:
        """Count every frame from now; time only posts sent `warmup` seconds from now on."""
        self.since.value = time.time_ns() + int(warmup * 1e9)
        self.go.set()

    def finish(self) -> dict[str, Any]:
        self.stop.set()
        reports = [self._recv(pipe, 120) for pipe in self.pipes]
        for proc in self.procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
        latencies = array("d")
        closed: dict[int, int] = {}
        worst: dict[bytes, float] = {}
        for report in reports:
            latencies.frombytes(report["latencies"])
            for key, latency in report["worst"].items():
                worst[key] = max(latency, worst.get(key, 0.0))
            for code, n in report["closed"].items():
                closed[code] = closed.get(code, 0) + n
        ordered = sorted(latencies)
        p99 = percentile(ordered, 99)
        delivered = sum(r["delivered"] for r in reports)
        return {
            "delivered": delivered,
            "duplicates": sum(r["duplicates"] for r in reports),
            "gaps": sum(r["gaps"] for r in reports),
            "other_frames": sum(r["other_frames"] for r in reports),
            "frame_bytes": sum(r["marked_bytes"] for r in reports) / max(delivered, 1),
            "closed": closed,
            "p50": percentile(ordered, 50),
            "p95": percentile(ordered, 95),
            "p99": p99,
            "max": ordered[-1] if ordered else float("nan"),
            # Whether the tail is a few slow posts (a stall) or spread over all of them.
            "posts_over_p99": f"{sum(v > p99 for v in worst.values())}/{len(worst)}",
            "slowest_posts": ",".join(
                f"{key.decode()}={v:.0f}"
                for v, key in sorted((v, k) for k, v in worst.items())[-5:]
            ),
        }

    @staticmethod
    def _recv(pipe: Pipe, timeout: float) -> dict[str, Any]:
        if not pipe.poll(timeout):
            raise TimeoutError("a listener process did not report")
        report: dict[str, Any] = pipe.recv()
        return report
