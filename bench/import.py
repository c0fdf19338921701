"""Archive import: posts per second and peak memory for archives of N posts.

Each archive is generated straight to its file (never held in memory): one dialogue, four
themes, 500 members (pseudonyms), N posts of 30-140 words across N/12 threads, a third of
them replies to an earlier post of their thread, 5 % anonymous, N/2 reactions, 4 % coded.
Each import then runs in a fresh child process (`dialogue import archive`'s service, the
same code as the command) into a fresh migrated database, and reports wall and CPU time,
its resident memory before the import (the interpreter and libraries) and at its peak
(`ru_maxrss`). A bounded import keeps the peak flat as N grows tenfold.

    python bench/import.py --posts 10000 --posts 100000 [--postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from common import cleanup, machine, workdir

from dialogue.archive.jsonlines import dumps, gzip_writer, header
from dialogue.archive.records import KINDS
from dialogue.archive.service import read_archive
from dialogue.config import Settings
from dialogue.migrations import upgrade

MEMBERS, THEMES = 500, 4
WORDS = ["care", "justice", "survivors", "shelter", "funding", "partners", "voice", "men", "boys"]
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
T0 = START.isoformat()


def when(n: int) -> str:
    """Post n's time: one a second from T0 (ascending, so replies follow their parents)."""
    return (START + timedelta(seconds=n)).isoformat()


def generate(path: Path, posts: int, rng: random.Random) -> None:
    """Write the archive record by record, in the order an import reads it."""
    threads = max(1, posts // 12)
    reactions = posts // 2
    coded = posts // 25
    counts = dict.fromkeys((kind.name for kind in KINDS), 0)
    counts.update(
        dialogue=1, person=MEMBERS, member=MEMBERS, theme=THEMES, thread=threads, post=posts,
        reaction=reactions, code=5, post_code=coded,
    )  # fmt: skip
    with path.open("wb") as raw, gzip_writer(raw) as out:
        out.write(dumps(header(slug="bench", origin="bench", identities=False, counts=counts)))
        out.write(dumps({
            "type": "dialogue", "slug": "bench", "title": "Bench", "summary": "", "visibility":
            "invite", "moderation": "post", "status": "open", "allow_anonymous": True,
            "conduct_version": 0, "flag_threshold": 3, "created_at": T0, "updated_at": T0,
        }))  # fmt: skip
        _people(out)
        for ref in range(1, THEMES + 1):
            out.write(dumps({
                "type": "theme", "ref": ref, "position": ref, "title": f"Theme {ref}",
                "guiding_questions": "", "opens_at": T0, "closes_at": when(10**6), "summary": "",
                "created_at": T0,
            }))  # fmt: skip
        for ref in range(1, threads + 1):
            out.write(dumps({
                "type": "thread", "ref": ref, "theme_id": ref % THEMES + 1, "title": f"T{ref}",
                "author_id": ref % MEMBERS + 1, "status": "published", "locked": False,
                "pinned": False, "post_count": 0, "created_at": when(ref), "last_activity_at":
                when(ref),
            }))  # fmt: skip
        _posts(out, posts, threads, rng)
        _reactions(out, posts)
        for ref in range(1, 6):
            out.write(dumps({
                "type": "code", "ref": ref, "name": f"code {ref}", "description": "",
                "colour": "#888888", "created_at": T0,
            }))  # fmt: skip
        for post in sorted(rng.sample(range(1, posts + 1), coded)):
            out.write(dumps({"type": "post_code", "post_id": post, "code_id": post % 5 + 1}))


def _people(out: IO[bytes]) -> None:
    for ref in range(1, MEMBERS + 1):
        out.write(dumps({
            "type": "person", "ref": ref, "display_name": f"Member {ref}", "email":
            f"member-{ref}@archive.invalid", "organization": "", "country": "KE", "language":
            "en", "timezone": "UTC", "quote_consent": "anonymous", "constituency": None,
        }))  # fmt: skip
    for ref in range(1, MEMBERS + 1):
        out.write(dumps({
            "type": "member", "user_id": ref, "role": "participant", "conduct_version": 0,
            "conduct_accepted_at": None, "muted_until": None, "banned_at": None,
            "trusted": False, "created_at": T0,
        }))  # fmt: skip


def _posts(out: IO[bytes], posts: int, threads: int, rng: random.Random) -> None:
    last_in_thread: dict[int, int] = {}
    for ref in range(1, posts + 1):
        thread = rng.randrange(1, threads + 1) if ref > threads else ref
        parent = last_in_thread.get(thread) if rng.random() < 1 / 3 else None
        last_in_thread[thread] = ref
        anonymous = rng.random() < 0.05
        body = " ".join(rng.choices(WORDS, k=rng.randint(30, 140)))
        out.write(dumps({
            "type": "post", "ref": ref, "thread_id": thread, "parent_id": parent,
            "depth": 1 if parent else 0, "author_id": None if anonymous else ref % MEMBERS + 1,
            "anonymous": anonymous, "quote_consent": "anonymous" if anonymous else None,
            "body": body, "body_html": f"<p>{body}</p>", "status": "published",
            "reply_count": 0, "highlighted": False, "created_at": when(ref),
            "edited_at": None, "moderated_at": None,
        }))  # fmt: skip


def _reactions(out: IO[bytes], posts: int) -> None:
    """Every second post gets one agreement, from a member picked by its number."""
    for post in range(2, posts + 1, 2):
        out.write(dumps({
            "type": "reaction", "post_id": post, "user_id": post * 7 % MEMBERS + 1,
            "kind": "agree", "created_at": when(post), "updated_at": when(post),
        }))  # fmt: skip


def child(archive: Path, url: str) -> dict[str, Any]:
    """Run one import in this process and measure it."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    rss_before = _rss_kib()
    started = time.perf_counter()
    restored = asyncio.run(
        read_archive(Settings(database_url=url), path=archive, slug=None, merge=False,
                     progress=lambda _done, _total: None)
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {
        "posts": restored.added["post"],
        "records": sum(restored.added.values()),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "rss_before_mib": round(rss_before / 1024, 1),
        "peak_rss_mib": round(after.ru_maxrss / 1024, 1),
    }


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--posts", type=int, action="append", help="archive sizes (repeatable)")
    parser.add_argument("--postgresql", action="store_true", help="also into PostgreSQL")
    parser.add_argument("--child", nargs=2, metavar=("ARCHIVE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(Path(args.child[0]), args.child[1])))
        return
    directory = workdir("import")
    postgres = None
    try:
        if args.postgresql:
            from tests.services import start_postgres

            postgres = start_postgres()
        print(json.dumps({"machine": machine()}))
        for posts in args.posts or [10_000, 100_000]:
            archive = directory / f"{posts}.jsonl.gz"
            started = time.perf_counter()
            generate(archive, posts, random.Random(posts))
            print(f"# {posts} posts: archive {archive.stat().st_size / 2**20:.1f} MiB, "
                  f"generated in {time.perf_counter() - started:.1f} s", flush=True)  # fmt: skip
            targets = [("sqlite", f"sqlite+aiosqlite:///{directory / f'{posts}.db'}")]
            if postgres is not None:
                targets.append(("postgresql", _pg_database(postgres.url, f"bench_import_{posts}")))
            for kind, url in targets:
                upgrade(Settings(database_url=url))
                result = subprocess.run(
                    [sys.executable, __file__, "--child", str(archive), url],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                figures = json.loads(result.stdout.splitlines()[-1])
                figures["posts_per_s"] = round(figures["posts"] / figures["wall_s"])
                print(json.dumps({"database": kind, **figures}), flush=True)
    finally:
        if postgres is not None:
            postgres.stop()
        cleanup(directory)


def _pg_database(server_url: str, name: str) -> str:
    import psycopg

    admin = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + "/" + name


if __name__ == "__main__":
    main()
