"""Report benchmark: a generated dialogue of N posts by 500 participants, with reactions;
time and peak memory for each format, each in its own process pinned to one core.

Each size first has its posts embedded as a server embeds them in the background while
they are published (`synthesis.prewarm`, off every request's path; measured apart), then is
reported in every format with that cache, as a first report finds it. `--cold` also
measures the first report of a server that did not warm (every post embedded by the report).

    .venv/bin/python bench/report.py --posts 10000 --posts 20000 [--cold]

Generation writes a SQLite database per size (kept under --workdir); each format then runs
in a fresh child process (`--one DB FORMAT`), which loads, analyses and renders exactly as
`dialogue export` does and reports its wall time and peak resident memory (ru_maxrss).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

FORMATS = ("json", "csv", "md", "html", "pdf", "docx")
PARTICIPANTS = 500
THEMES = (
    "Accountability to women's movements",
    "Working with boys in schools",
    "Fathers, care and the household",
    "Funding and partnerships",
)
TOPICS = [
    line.split()
    for line in (
        "accountability feminist movements women's organisations trust answer listen",
        "schools teachers boys curriculum classroom lessons pupils norms",
        "fathers care household parenting childcare domestic work sharing",
        "funding donors grants budgets partnerships core competition resources",
        "violence survivors safety shelters police justice prevention services",
        "masculinities harmful norms peer groups sport religious leaders community",
        "évaluation redevabilité mouvements féministes financement partenaires",
        "rendición cuentas movimientos feministas financiamiento escuelas",
    )
]
FILLER = "we our work with in the this that have been found when programme".split()  # noqa: SIM905
CONSENTS = ("named", "named", "anonymous", "none", None)
COUNTRIES = "KE UG ZA NG GH SN FR GB ES BR MX CO IN NP BD PH US CA LB JO".split()  # noqa: SIM905
CONSTITUENCIES = (
    "women's-rights organisation",
    "programme working with men and boys",
    "researcher",
    "funder",
)


def generate(path: Path, posts: int, seed: int = 2026) -> None:
    """A migrated SQLite database holding one dialogue of `posts` published posts."""
    from sqlalchemy import create_engine, insert

    from dialogue.config import Settings
    from dialogue.markup import render_markdown
    from dialogue.migrations import upgrade
    from dialogue.models import (
        Code,
        Dialogue,
        Membership,
        Post,
        PostCode,
        Reaction,
        Theme,
        Thread,
        User,
    )

    path.unlink(missing_ok=True)
    upgrade(Settings(database_url=f"sqlite:///{path}"))
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as db:
        now = datetime.now(UTC)
        db.execute(
            insert(Dialogue),
            [dict(id=1, slug="bench", title="Accountability in work with men and boys",
                  summary="A four-week e-dialogue.", visibility="invite", moderation="post",
                  status="closed", allow_anonymous=True, conduct_version=1, last_seq=0,
                  flag_threshold=3, created_at=now, updated_at=now)],
        )  # fmt: skip
        db.execute(
            insert(User),
            [dict(id=u, email=f"p{u}@example.org", display_name=f"Participant {u}",
                  organization=f"Organisation {u % 90}", country=rng.choice(COUNTRIES),
                  language="en", timezone="UTC", quote_consent=rng.choice(CONSENTS),
                  constituency=rng.choice(CONSTITUENCIES), is_admin=False, created_at=now)
             for u in range(1, PARTICIPANTS + 1)],
        )  # fmt: skip
        db.execute(
            insert(Membership),
            [dict(dialogue_id=1, user_id=u, role="organizer" if u == 1 else "participant",
                  conduct_version=1, trusted=False, created_at=now)
             for u in range(1, PARTICIPANTS + 1)],
        )  # fmt: skip
        db.execute(
            insert(Theme),
            [dict(id=t + 1, dialogue_id=1, position=t, title=title,
                  guiding_questions="1. What works?\n2. What gets in the way?",
                  opens_at=start + timedelta(days=7 * t),
                  closes_at=start + timedelta(days=7 * t + 7),
                  summary="The moderators' summary of the week.", created_at=now)
             for t, title in enumerate(THEMES)],
        )  # fmt: skip
        threads = max(posts // 12, 1)
        db.execute(
            insert(Thread),
            [dict(id=t, dialogue_id=1, theme_id=1 + t % len(THEMES), title=f"Thread {t}",
                  author_id=rng.randint(1, PARTICIPANTS), status="published", locked=False,
                  pinned=False, post_count=0, created_at=now, last_activity_at=now)
             for t in range(1, threads + 1)],
        )  # fmt: skip
        rows = []
        for pid in range(1, posts + 1):
            thread = 1 + (pid - 1) % threads
            theme = 1 + thread % len(THEMES)
            topic = TOPICS[(theme + rng.randint(0, 3)) % len(TOPICS)]
            words = [
                rng.choice(topic if rng.random() < 0.45 else FILLER)
                for _ in range(rng.randint(30, 140))
            ]
            body = " ".join(words).capitalize() + "."
            rows.append(
                dict(id=pid, dialogue_id=1, thread_id=thread,
                     parent_id=None if pid <= threads else thread,
                     depth=0 if pid <= threads else 1, author_id=rng.randint(1, PARTICIPANTS),
                     anonymous=rng.random() < 0.05, quote_consent=None, body=body,
                     body_html=render_markdown(body), status="published", reply_count=0,
                     highlighted=rng.random() < 0.01,
                     created_at=start + timedelta(days=7 * (theme - 1),
                                                  seconds=rng.randint(0, 7 * 86400)))
            )  # fmt: skip
        # Five per cent more posts in every other status: counted, never reported.
        statuses = ["hidden", "rejected", "deleted", "pending"] * posts
        extra = [
            dict(r, id=posts + i + 1, status=s)
            for i, (r, s) in enumerate(zip(rows[: posts // 20], statuses, strict=False))
        ]
        db.execute(insert(Post), rows + extra)
        db.execute(
            insert(Code),
            [dict(id=1, dialogue_id=1, name="Recommendation", description="", colour="#0072b2",
                  created_at=now),
             dict(id=2, dialogue_id=1, name="Funding", description="", colour="#e69f00",
                  created_at=now)],
        )  # fmt: skip
        coded = [
            dict(post_id=p, code_id=1 + (p % 7 == 0)) for p in range(1, posts + 1) if p % 25 == 0
        ]
        db.execute(insert(PostCode), coded)
        reactions = {}
        for user in range(1, PARTICIPANTS + 1):
            camp = user % 3
            for _ in range(posts // 80):
                post = (
                    rng.randint(1, min(posts, 400)) if rng.random() < 0.5 else rng.randint(1, posts)
                )
                kind = ("agree", "disagree", "pass")[
                    (post + camp) % 3 if rng.random() < 0.7 else rng.randint(0, 2)
                ]
                reactions[(post, user)] = kind
        db.execute(
            insert(Reaction),
            [dict(post_id=p, user_id=u, kind=k, created_at=now, updated_at=now)
             for (p, u), k in sorted(reactions.items())],
        )  # fmt: skip
    engine.dispose()


def run_one(db: Path, fmt: str) -> None:
    """Child process: one core, one format; prints seconds, peak MiB and size as JSON."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from dialogue.config import Settings
    from dialogue.synthesis.export import export_report

    settings = Settings(database_url=f"sqlite:///{db}", base_url="https://dialogue.example.org")
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    started = time.perf_counter()
    body = asyncio.run(export_report(settings, slug="bench", fmt=fmt, progress=lambda f, s: None))
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU time too: on a shared machine the wall time mostly measures the neighbours.
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    figures = {
        "seconds": round(seconds, 2),
        "cpu": round(cpu, 2),
        "peak_mib": round(usage.ru_maxrss / 1024),
    }
    print(json.dumps({**figures, "bytes": len(body)}))


def run_warm(db: Path) -> None:
    """Child process: one core, the background warmer's pass over every published post."""
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from dialogue.config import Settings
    from dialogue.db import Database
    from dialogue.synthesis.prewarm import warm

    async def once() -> int:
        database = Database(Settings(database_url=f"sqlite:///{db}"))
        try:
            return await warm(database)
        finally:
            await database.dispose()

    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    new = asyncio.run(once())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    print(json.dumps({"seconds": round(time.perf_counter() - started, 2), "cpu": round(cpu, 2),
                      "peak_mib": round(usage.ru_maxrss / 1024), "bytes": new}))  # fmt: skip


def measure(db: Path, fmt: str) -> dict[str, float]:
    """`fmt` rendered in a child process; "warm" runs the background warmer instead."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run(
        [sys.executable, __file__, "--one", str(db), fmt],
        check=True, capture_output=True, text=True, env=env,
    )  # fmt: skip
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, action="append", help="sizes (default 10000, 20000)")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path("/tmp/dialogue-report-bench"),  # noqa: S108
    )
    parser.add_argument(
        "--cold", action="store_true", help="also time a first report without the warmer"
    )
    parser.add_argument("--one", nargs=2, metavar=("DB", "FORMAT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        if args.one[1] == "warm":
            run_warm(Path(args.one[0]))
        else:
            run_one(Path(args.one[0]), args.one[1])
        return
    sizes = args.posts or [10_000, 20_000]
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"load average {os.getloadavg()[0]:.2f} at start", flush=True)
    results: dict[int, dict[str, dict[str, float]]] = {}
    for size in sizes:
        db = args.workdir / f"bench-{size}.db"
        started = time.perf_counter()
        generate(db, size)
        print(f"generated {size} posts in {time.perf_counter() - started:.1f} s", flush=True)
        results[size] = {}
        # Each size with an empty cache of its own: nothing carried over from the last size.
        cache = args.workdir / f"embeddings-{size}.sqlite3"
        cache.unlink(missing_ok=True)
        os.environ["DIALOGUE_EMBEDDING_CACHE"] = str(cache)
        if args.cold:
            cold = measure(db, "json")
            print(
                f"{size:>6} posts  json, no warmer  {cold['seconds']:>7.2f} s  "
                f"cpu {cold['cpu']:>6.2f} s  {cold['peak_mib']:>5.0f} MiB",
                flush=True,
            )
            cache.unlink()
        warmed = measure(db, "warm")
        print(
            f"{size:>6} posts  background embedding (no request waits) "
            f"{warmed['seconds']:>7.2f} s  cpu {warmed['cpu']:>6.2f} s  "
            f"{warmed['peak_mib']:>5.0f} MiB  {warmed['bytes']:.0f} texts",
            flush=True,
        )
        for fmt in FORMATS:
            results[size][fmt] = measure(db, fmt)
            r = results[size][fmt]
            print(f"{size:>6} posts  {fmt:<5} {r['seconds']:>7.2f} s  cpu {r['cpu']:>6.2f} s  "
                  f"{r['peak_mib']:>5.0f} MiB  "
                  f"{r['bytes'] / 1024:>8.0f} KiB", flush=True)  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f} at the end", flush=True)
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        for fmt in FORMATS:
            wall = results[large][fmt]["seconds"] / results[small][fmt]["seconds"]
            cpu = results[large][fmt]["cpu"] / results[small][fmt]["cpu"]
            print(f"ratio {large}/{small} {fmt:<5} wall {wall:.2f}x  cpu {cpu:.2f}x")


if __name__ == "__main__":
    main()
