"""What one post costs the server, in-process: SQL statements, wall and CPU time.

One writer posts N replies through the real app (its lifespan, middleware, policy, the
service and the commit) over httpx's ASGI transport, on a fresh SQLite file: no network,
no other load, so the figure is the write path's own cost. It prints the statements of one
post, then the mean wall and CPU time per post.

    python bench/post_cost.py --posts 300
    python bench/post_cost.py --posts 300 --profile /tmp/post.prof   # cProfile of the timed posts
"""

from __future__ import annotations

import argparse
import cProfile
import time
from pathlib import Path

import httpx
from common import run_in_workdir, seed, sqlite_url
from sqlalchemy import event

from dialogue.app import create_app
from dialogue.config import Settings
from dialogue.state import app_state


async def main(posts: int, directory: Path, profile: str | None) -> None:
    url = sqlite_url(directory)
    seeded = await seed(url, writers=1)
    settings = Settings(
        database_url=url,
        environment="test",
        secret_key="bench",  # noqa: S106
        posts_per_minute=posts * 10,
        posts_per_minute_per_address=posts * 10,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {seeded.writer_tokens[0]}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            created = await client.post(
                f"/api/v1/themes/{seeded.theme_id}/threads",
                json={"title": "Cost", "body": "Opening"},
                headers=headers,
            )
            path = f"/api/v1/threads/{created.json()['id']}/posts"
            for n in range(20):  # warm the statement caches and route plans
                await client.post(path, json={"body": f"Warm-up {n}"}, headers=headers)
            statements: list[str] = []

            def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
                statements.append(" ".join(statement.split()[:4]))

            engines = app_state(app).database.sync_engines
            for engine in engines:
                event.listen(engine, "before_cursor_execute", count)
            await client.post(path, json={"body": "Counted"}, headers=headers)
            for engine in engines:
                event.remove(engine, "before_cursor_execute", count)
            print(f"statements for one post: {len(statements)}")
            for statement in statements:
                print("   ", statement)
            profiler = cProfile.Profile() if profile else None
            wall, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            for n in range(posts):
                body = f"Post {n}: a contribution of ordinary length, one sentence."
                response = await client.post(path, json={"body": body}, headers=headers)
                assert response.status_code == 201, response.text
            if profiler:
                profiler.disable()
                profiler.dump_stats(profile)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"posts={posts}  wall_ms_per_post={wall / posts * 1000:.2f}", end="  ")
            print(f"cpu_ms_per_post={cpu / posts * 1000:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--profile", help="write a cProfile of the timed posts here")
    args = parser.parse_args()
    run_in_workdir("post-cost", lambda directory: main(args.posts, directory, args.profile))
