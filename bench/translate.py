"""Translation benchmark: machine translations per second through the app, made (a miss:
Apertium runs) and kept (a hit: read from the cache), straight and through Spanish.

    .venv/bin/python bench/translate.py --posts 40 --concurrency 1 --concurrency 4

The app runs in this process on a fresh SQLite database, with its real lifespan and the
Apertium on this machine; requests go through `GET /api/v1/posts/{id}/translation` on an
in-process transport, so the figures are the app's and the engine's, not a network's.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from pathlib import Path
from typing import Any

import httpx
from common import Settings, cleanup, machine, run, seed, sqlite_url, workdir

from dialogue.app import create_app

ENGLISH = (
    "The shelters in our district are full by the middle of each month and the women who "
    "come after that are sent back to relatives. We ask the ministry for a budget line that "
    "follows the need, and for **training** of the police officers who take the first report."
)
FRENCH = (
    "Les refuges de notre district sont pleins au milieu de chaque mois et les femmes qui "
    "arrivent ensuite sont renvoyées chez des proches. Nous demandons au ministère une ligne "
    "budgétaire qui suive les besoins et une formation des policiers qui reçoivent la plainte."
)


def body(text: str, n: int) -> str:
    """Post `n`: the text's words in an order of its own, so that no two posts are alike."""
    words = text.split()
    random.Random(n).shuffle(words)
    return " ".join(words)


async def make_posts(client: httpx.AsyncClient, theme_id: int, token: str, n: int) -> list[int]:
    headers = {"Authorization": f"Bearer {token}"}
    opened = await client.post(
        f"/api/v1/themes/{theme_id}/threads",
        json={"title": "Across languages", "body": body(ENGLISH, 0), "lang": "en"},
        headers=headers,
    )
    opened.raise_for_status()
    thread = opened.json()
    ids = [thread["post"]["id"]]
    for i in range(1, 2 * n):
        words, lang = (ENGLISH, "en") if i < n else (FRENCH, "fr")
        answer = await client.post(
            f"/api/v1/threads/{thread['id']}/posts",
            json={"body": body(words, i), "lang": lang},
            headers=headers,
        )
        answer.raise_for_status()
        ids.append(answer.json()["id"])
    return ids


async def translate_all(
    client: httpx.AsyncClient, ids: list[int], to: str, concurrency: int
) -> tuple[float, int]:
    """Seconds to translate every post of `ids` into `to`, `concurrency` at a time."""
    queue = list(ids)
    cached = 0

    async def worker() -> None:
        nonlocal cached
        while queue:
            post_id = queue.pop()
            answer = await client.get(f"/api/v1/posts/{post_id}/translation", params={"to": to})
            answer.raise_for_status()
            cached += bool(answer.json()["cached"])

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, cached


async def bench(directory: Path, posts: int, concurrencies: list[int]) -> None:
    url = sqlite_url(directory)
    seeded = await seed(url, writers=1)
    settings = Settings(
        database_url=url,
        environment="test",
        secret_key="bench",  # noqa: S106
        posts_per_minute=1_000_000,  # the posts are the set-up, not what is measured
        posts_per_minute_per_address=1_000_000,
    )
    app = create_app(settings)
    rows: list[dict[str, Any]] = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for concurrency in concurrencies:
                ids = await make_posts(client, seeded.theme_id, seeded.writer_tokens[0], posts)
                english, french = ids[:posts], ids[posts:]
                for label, chosen, to in (
                    ("en→es (direct)", english, "es"),
                    ("fr→en (via es)", french, "en"),
                ):
                    for kind in ("made (miss)", "kept (hit)"):
                        seconds, cached = await translate_all(client, chosen, to, concurrency)
                        rows.append(
                            {
                                "pair": label,
                                "kind": kind,
                                "concurrency": concurrency,
                                "n": len(chosen),
                                "cached": cached,
                                "per_second": len(chosen) / seconds,
                                "ms_each": 1000 * seconds / len(chosen),
                            }
                        )
    print(f"machine: {machine()}")
    print("| pair | translation | concurrency | posts | from cache | per second | ms each |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['pair']} | {r['kind']} | {r['concurrency']} | {r['n']} | {r['cached']} "
            f"| {r['per_second']:.1f} | {r['ms_each']:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=40, help="posts per language and run")
    parser.add_argument("--concurrency", type=int, action="append")
    args = parser.parse_args()
    directory = workdir("translate")
    try:
        run(bench(directory, args.posts, args.concurrency or [1, 4]))
    finally:
        cleanup(directory)


if __name__ == "__main__":
    main()
