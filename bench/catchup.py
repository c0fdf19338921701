"""Catch-up: reconnect with `after` after missing K events; time until caught up, as K grows.

The log is built large on purpose: besides the K missed events of the dialogue being
watched, other dialogues hold 10x or 100x more unrelated events. If catch-up costs time
in K only (an index range read on (dialogue_id, seq)), the times grow 10x from K=1,000 to
K=10,000 and do not change with the size of the rest of the log.

Events are written straight into the event table, as the log stores them: catch-up reads
only the log. Each K is measured over the websocket (hello, then the backlog) and over
`GET /api/v1/dialogues/{slug}/events` in pages of 1,000.

    python bench/catchup.py --ks 100,1000,10000 --log-factors 10,100
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sqlite3
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from common import ServerProcess, cleanup, machine, seed, sqlite_url, workdir
from wsclient import connect

OTHER_DIALOGUES = 10


def event_data(n: int, body_words: int) -> str:
    """A post.created payload of the usual shape and size."""
    body = " ".join(["word"] * body_words) + f" {n}"
    return json.dumps(
        {
            "id": n,
            "thread_id": 1,
            "parent_id": None,
            "depth": 0,
            "status": "published",
            "anonymous": False,
            "created_at": "2026-11-29T07:00:00Z",
            "edited_at": None,
            "moderated_at": None,
            "reply_count": 0,
            "highlighted": False,
            "reactions": {"agree": 0, "disagree": 0, "pass": 0},
            "author": {"id": 2, "display_name": "Writer 0"},
            "author_name": "Writer 0",
            "body": body,
            "body_html": f"<p>{body}</p>\n",
        },
        separators=(",", ":"),
    )


def fill(database: Path, dialogue_ids: list[int], per_dialogue: int, body_words: int) -> None:
    """Append `per_dialogue` events to each dialogue's log, straight into the table."""
    created = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    with sqlite3.connect(database) as conn:
        for dialogue_id in dialogue_ids:
            (last,) = conn.execute(
                "SELECT last_seq FROM dialogue WHERE id = ?", (dialogue_id,)
            ).fetchone()
            rows = (
                (
                    dialogue_id,
                    last + i,
                    "post.created",
                    "readers",
                    None,
                    event_data(i, body_words),
                    created,
                )
                for i in range(1, per_dialogue + 1)
            )
            conn.executemany(
                "INSERT INTO event (dialogue_id, seq, kind, audience, subject_user_id, data,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            conn.execute(
                "UPDATE dialogue SET last_seq = ? WHERE id = ?", (last + per_dialogue, dialogue_id)
            )


async def over_websocket(server: ServerProcess, slug: str, after: int) -> tuple[float, int]:
    """Seconds from connecting until the last event has arrived; how many events came."""
    received = [0]
    last_seq: list[int] = []
    done = asyncio.get_running_loop().create_future()

    def on_text(payload: bytes) -> None:
        if payload.startswith(b'{"type":"hello"'):
            last_seq.append(json.loads(payload)["seq"])
            return
        if not payload.startswith(b'{"type":"event"'):
            return
        received[0] += 1
        last = last_seq and payload.startswith(b'{"type":"event","seq":%d,' % last_seq[0])
        if last and not done.done():
            done.set_result(None)

    began = time.perf_counter()
    sock = await connect(f"{server.ws_url}/ws/dialogues/{slug}?after={after}", on_text)
    await asyncio.wait_for(done, 300)
    seconds = time.perf_counter() - began
    sock.close()
    return seconds, received[0]


async def over_http(server: ServerProcess, slug: str, after: int) -> tuple[float, int]:
    count = 0
    began = time.perf_counter()
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as http:
        while True:
            r = await http.get(
                f"/api/v1/dialogues/{slug}/events", params={"after": after, "limit": 1000}
            )
            page = r.json()
            if not page["events"]:
                break
            count += len(page["events"])
            after = page["last_seq"]
    return time.perf_counter() - began, count


def measure(args: argparse.Namespace, factor: int) -> list[dict[str, Any]]:
    directory = workdir("catchup")
    database_url = sqlite_url(directory)
    database = directory / "bench.db"
    seeded = asyncio.run(seed(database_url, writers=1, slug="watched"))
    others = [
        asyncio.run(seed(database_url, writers=0, slug=f"other-{i}", migrate=False)).dialogue_id
        for i in range(OTHER_DIALOGUES)
    ]
    k_max = max(args.ks)
    began = time.monotonic()
    fill(database, [seeded.dialogue_id], k_max, args.body_words)
    fill(database, others, k_max * factor // OTHER_DIALOGUES, args.body_words)
    with sqlite3.connect(database) as conn:
        # The file is in WAL mode: fold the bulk insert into the main file, as a long-running
        # server's checkpoints would have, so reads do not go through a 1 GiB WAL.
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    built = time.monotonic() - began
    with sqlite3.connect(database) as conn:
        (total,) = conn.execute("SELECT count(*) FROM event").fetchone()
        (head,) = conn.execute(
            "SELECT last_seq FROM dialogue WHERE id = ?", (seeded.dialogue_id,)
        ).fetchone()
    size_mib = database.stat().st_size / 2**20
    print(
        f"log: {total} events ({size_mib:.0f} MiB, built in {built:.0f} s); "
        f"other dialogues hold {k_max * factor} = {factor}x K_max",
        flush=True,
    )
    server = ServerProcess.dialogue(database_url, directory).start()
    rows = []
    try:
        asyncio.run(over_websocket(server, seeded.slug, head - 10))  # warm the server up
        for k in sorted(args.ks):
            ws_times, http_times = [], []
            for _ in range(args.repeat):
                seconds, count = asyncio.run(over_websocket(server, seeded.slug, head - k))
                assert count == k, (count, k)
                ws_times.append(seconds)
                seconds, count = asyncio.run(over_http(server, seeded.slug, head - k))
                assert count == k, (count, k)
                http_times.append(seconds)
            row = {
                "log_events": total,
                "log_factor": factor,
                "k": k,
                "ws_s": statistics.median(ws_times),
                "http_s": statistics.median(http_times),
            }
            row["ws_us_per_event"] = row["ws_s"] / k * 1e6
            row["http_us_per_event"] = row["http_s"] / k * 1e6
            rows.append(row)
            print("  ".join(f"{key}={_fmt(v)}" for key, v in row.items()), flush=True)
    finally:
        server.stop()
        cleanup(directory)
    return rows


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ks", default="100,1000,10000", help="missed events, comma-separated")
    parser.add_argument(
        "--log-factors",
        default="10,100",
        help="unrelated events in other dialogues, as multiples of the largest K",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per K (median is shown)")
    parser.add_argument("--body-words", type=int, default=40)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    args.ks = [int(k) for k in args.ks.split(",")]
    factors = [int(f) for f in args.log_factors.split(",")]
    print("machine:", machine(), "args:", vars(args), flush=True)
    rows = [row for factor in factors for row in measure(args, factor)]
    by = {(r["log_factor"], r["k"]): r for r in rows}
    ks = sorted(args.ks)
    for factor in factors:
        for small, large in itertools.pairwise(ks):
            a, b = by[(factor, small)], by[(factor, large)]
            print(
                f"log {factor}x: K {small} -> {large} ({large / small:.0f}x): websocket "
                f"{b['ws_s'] / a['ws_s']:.1f}x, http {b['http_s'] / a['http_s']:.1f}x"
            )
    if len(factors) > 1:
        lo, hi = min(factors), max(factors)
        for k in ks:
            a, b = by[(lo, k)], by[(hi, k)]
            print(
                f"K={k}: log {lo}x -> {hi}x: websocket {b['ws_s'] / a['ws_s']:.2f}x, "
                f"http {b['http_s'] / a['http_s']:.2f}x"
            )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"machine": machine(), "args": vars(args), "rows": rows}, handle)


if __name__ == "__main__":
    main()
