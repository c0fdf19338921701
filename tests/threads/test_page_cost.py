"""A thread page costs the same with 100 posts as with 1,000: a fixed set of queries and rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from dialogue.db import utcnow
from dialogue.threads.models import Post, Thread
from tests.dialogues.cast import API, Cast, db, make_cast, new_thread
from tests.factories import Factory
from tests.helpers import listening

PAGE = 50


@dataclass
class Cost:
    statements: list[str] = field(default_factory=list)
    posts_loaded: int = 0


@contextmanager
def measured(app: FastAPI) -> Iterator[Cost]:
    """Count the SQL statements sent and the Post rows loaded into sessions meanwhile."""
    cost = Cost()

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        cost.statements.append(statement)

    def on_load(_session: Any, instance: Any) -> None:
        if isinstance(instance, Post):
            cost.posts_loaded += 1

    event.listen(Session, "loaded_as_persistent", on_load)
    try:
        with listening(app, "before_cursor_execute", on_execute):
            yield cost
    finally:
        event.remove(Session, "loaded_as_persistent", on_load)


async def grow_to(app: FastAPI, cast: Cast, thread_id: int, total: int) -> None:
    """Bulk-insert replies until the thread holds `total` posts (one statement, not 1,000 calls)."""
    async with db(app).session() as session:
        thread = await session.get(Thread, thread_id)
        assert thread is not None
        missing = total - thread.post_count
        now = utcnow()
        await session.exec(
            insert(Post),
            params=[
                {
                    "dialogue_id": thread.dialogue_id,
                    "thread_id": thread_id,
                    "author_id": cast.uid("participant2"),
                    "body": f"Contribution number {n}.",
                    "body_html": f"<p>Contribution number {n}.</p>",
                    "created_at": now,
                }
                for n in range(missing)
            ],
        )
        thread.post_count = total
        session.add(thread)
        await session.commit()


async def first_page(client: AsyncClient, app: FastAPI, cast: Cast, thread_id: int) -> Cost:
    with measured(app) as cost:
        response = await client.get(
            f"{API}/threads/{thread_id}/posts",
            params={"limit": PAGE},
            headers=cast.h("participant"),
        )
    assert response.status_code == 200, response.text
    assert len(response.json()["items"]) == PAGE
    assert response.json()["next"] is not None
    return cost


class TestFirstPageCostIsFlat:
    async def test_same_queries_and_rows_at_100_and_1000_posts(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant")
        await grow_to(app, cast, thread["id"], 100)
        small = await first_page(client, app, cast, thread["id"])
        await grow_to(app, cast, thread["id"], 1000)
        large = await first_page(client, app, cast, thread["id"])
        assert len(small.statements) == len(large.statements), (small.statements, large.statements)
        # One row past the page tells whether there is a next page (never an empty one).
        assert small.posts_loaded == large.posts_loaded == PAGE + 1
        assert len(large.statements) <= 10, large.statements
        listing = [s for s in large.statements if "FROM post" in s and "LIMIT" in s.upper()]
        assert listing, "the page of posts is not read with a LIMIT"
