"""How fast a moderator clears the queue: round trips, SQL queries and time per approval.

Runs the real app in-process (httpx over ASGI, the app's own lifespan) on a migrated SQLite
file with a few hundred queued posts, and approves them one by one the way the queue page's
keyboard script does: one `POST /api/v1/posts/{id}/moderation` per post, after one queue read.

    .venv/bin/python bench/moderation.py [--posts 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/x.py` puts bench/ first, not the repo
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import event  # noqa: E402

from dialogue.accounts import service as accounts  # noqa: E402
from dialogue.accounts.models import TokenKind, User  # noqa: E402
from dialogue.app import create_app  # noqa: E402
from dialogue.config import Settings  # noqa: E402
from dialogue.db import utcnow  # noqa: E402
from dialogue.dialogues import service as dialogues  # noqa: E402
from dialogue.events.publish import commit  # noqa: E402
from dialogue.migrations import upgrade  # noqa: E402
from dialogue.policy import Role  # noqa: E402
from dialogue.state import app_state  # noqa: E402
from dialogue.threads import service as threads  # noqa: E402


async def seed(app: Any, posts: int) -> tuple[str, str]:
    """A pre-moderated dialogue with queued posts; returns its slug and a moderator's token."""
    hashed = PasswordHasher().hash("bench password")
    async with app_state(app).database.session() as session:
        admin = User(
            email="admin@bench.example", display_name="Admin", password_hash=hashed, is_admin=True
        )
        moderator = User(email="mod@bench.example", display_name="Moderator", password_hash=hashed)
        writer = User(email="writer@bench.example", display_name="Writer", password_hash=hashed)
        session.add_all([admin, moderator, writer])
        await session.flush()
        dialogue = await dialogues.create_dialogue(
            session=session,
            actor=admin,
            fields={"slug": "bench", "title": "Bench", "visibility": "invite", "moderation": "pre"},
        )
        dialogue.status = "open"
        now = utcnow()
        theme = await dialogues.create_theme(
            session=session,
            dialogue=dialogue,
            fields={
                "title": "Week 1",
                "opens_at": now - timedelta(days=1),
                "closes_at": now + timedelta(days=7),
            },
        )
        await dialogues.add_member(
            session=session, dialogue=dialogue, user_id=moderator.id or 0, role=Role.MODERATOR
        )
        membership = await dialogues.add_member(
            session=session, dialogue=dialogue, user_id=writer.id or 0, role=Role.PARTICIPANT
        )
        thread, _post, _created = await threads.create_thread(
            session=session,
            dialogue=dialogue,
            theme=theme,
            user=admin,
            membership=None,
            title="Queue",
            body="Opening post.",
            client_id=None,
            restricted=False,
        )
        for n in range(posts):
            await threads.create_post(
                session=session,
                dialogue=dialogue,
                theme=theme,
                thread=thread,
                user=writer,
                membership=membership,
                body=f"Queued contribution number {n}.",
                parent_id=None,
                client_id=uuid.uuid4().hex,
                restricted=False,
            )
        token = await accounts.issue_token(
            session=session, user=moderator, kind=TokenKind.API, lifetime=timedelta(days=1)
        )
        await commit(session)
    return dialogue.slug, token


async def run(posts: int) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="dialogue-bench-moderation-"))
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{directory / 'bench.db'}",
        secret_key="bench-secret",  # noqa: S106 - a throwaway database
        posts_per_minute=10**9,
        posts_per_minute_per_address=10**9,
    )
    upgrade(settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        slug, token = await seed(app, posts)
        statements = 0

        def count(*_args: Any) -> None:
            nonlocal statements
            statements += 1

        event.listen(app_state(app).database.engine.sync_engine, "before_cursor_execute", count)
        headers = {"Authorization": f"Bearer {token}"}
        queue_url = f"/api/v1/dialogues/{slug}/moderation/queue?limit=200"
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            # FastAPI builds each route's dependency plan on its first request; warm it up so
            # the figures are those of a running server, and report the cold read apart.
            started = time.perf_counter()
            await client.get(queue_url, headers=headers)
            cold_seconds = time.perf_counter() - started
            statements = 0
            requests = 0
            started = time.perf_counter()
            queue = await client.get(
                f"/api/v1/dialogues/{slug}/moderation/queue?limit=200", headers=headers
            )
            requests += 1
            queue_seconds = time.perf_counter() - started
            queue_statements = statements
            assert queue.status_code == 200, queue.text
            durations: list[float] = []
            per_approval: list[int] = []
            pending = True
            while pending:
                items = queue.json()["items"]
                for item in items:
                    before = statements
                    t0 = time.perf_counter()
                    response = await client.post(
                        f"/api/v1/posts/{item['post']['id']}/moderation",
                        json={"action": "approve"},
                        headers=headers,
                    )
                    durations.append(time.perf_counter() - t0)
                    requests += 1
                    per_approval.append(statements - before)
                    assert response.status_code == 200, response.text
                queue = await client.get(
                    f"/api/v1/dialogues/{slug}/moderation/queue?limit=200", headers=headers
                )
                requests += 1
                pending = bool(queue.json()["items"])
    approvals = len(durations)
    return {
        "posts": approvals,
        "round_trips_per_approval": 1,
        "round_trips_total": requests,
        "queue_read_cold_ms": round(cold_seconds * 1000, 1),
        "queue_read_ms": round(queue_seconds * 1000, 1),
        "queue_read_sql": queue_statements,
        "sql_per_approval_median": statistics.median(per_approval),
        "sql_per_approval_max": max(per_approval),
        "approval_ms_median": round(statistics.median(durations) * 1000, 2),
        "approval_ms_p95": round(sorted(durations)[int(0.95 * (approvals - 1))] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=300)
    args = parser.parse_args()
    figures = asyncio.run(run(args.posts))
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
