"""Adding a post with Core statements built once: the hot loop of the write path.

Through the ORM one new post cost about 2 ms of Python before SQLite did anything (a unit
of work, a bulk update that re-evaluates its WHERE clause in Python, statements composed
anew for every post); these statements are composed at import and run straight on the
transaction's connection. A post just written is returned as a `PostRow`, which the
presenters read like a loaded `Post`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.db import utcnow
from dialogue.markup import render_markdown
from dialogue.threads import search
from dialogue.threads.models import Post, PostStatus, Thread

MAX_DEPTH = 8

POST: Table = Post.__table__  # type: ignore[attr-defined]
THREAD: Table = Thread.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class PostRow:
    """A post as it was just inserted, with every field a `Post` has."""

    id: int
    dialogue_id: int
    thread_id: int
    parent_id: int | None
    depth: int
    author_id: int | None
    anonymous: bool
    quote_consent: str | None
    body: str
    body_html: str
    lang: str | None
    status: str
    client_id: str | None
    created_at: datetime
    reply_count: int = 0
    highlighted: bool = False
    content_warning: str | None = None
    hold_reasons: list[dict[str, Any]] | None = None
    edited_at: datetime | None = None
    moderated_at: datetime | None = None


def _insert_once(dialect_insert: Any) -> Any:
    # A `client_id` raced in from a second connection (or another instance) inserts nothing
    # instead of failing the transaction, which now holds other people's posts too.
    return (
        dialect_insert(POST)
        .on_conflict_do_nothing(index_elements=["author_id", "client_id"])
        .returning(POST.c.id)
    )


_INSERT_POST = {
    "sqlite": _insert_once(sqlite.insert),
    "postgresql": _insert_once(postgresql.insert),
}
# Counted in SQL: concurrent writers each loaded the same count, and writing back `count + 1`
# from Python would lose all but one of their posts.
_COUNT_PUBLISHED = (
    update(THREAD)
    .where(THREAD.c.id == bindparam("thread_id"))
    .values(post_count=THREAD.c.post_count + 1, last_activity_at=bindparam("at"))
)
_COUNT_REPLY = (
    update(POST)
    .where(POST.c.id == bindparam("reply_to"))
    .values(reply_count=POST.c.reply_count + 1)
)
_ID_BY_CLIENT_ID = select(POST.c.id).where(
    POST.c.author_id == bindparam("author"), POST.c.client_id == bindparam("client")
)
_POST_COLUMNS = [column.name for column in POST.columns if column.name != "id"]


def new_row(
    *,
    thread: Thread,
    author_id: int | None,
    body: str,
    status: PostStatus,
    parent: Post | None,
    anonymous: bool,
    quote_consent: str | None,
    client_id: str | None,
    content_warning: str | None = None,
    hold_reasons: list[dict[str, Any]] | None = None,
    lang: str | None,
) -> PostRow:
    """The row to insert, its HTML rendered: before any write, so a bad body fails alone."""
    return PostRow(
        id=0,
        dialogue_id=thread.dialogue_id,
        thread_id=thread.id or 0,
        parent_id=parent.id if parent else None,
        depth=min(parent.depth + 1, MAX_DEPTH) if parent else 0,
        author_id=author_id,
        anonymous=anonymous,
        quote_consent=quote_consent,
        body=body,
        body_html=render_markdown(body),
        lang=lang,
        status=status.value,
        client_id=client_id,
        created_at=utcnow(),
        content_warning=content_warning,
        hold_reasons=hold_reasons,
    )


async def insert_post(session: AsyncSession, row: PostRow) -> PostRow | None:
    """Write the post, its thread's count and its search entry; None if its `client_id` was
    taken meanwhile (the caller reads that post instead)."""
    await session.flush()  # rows the ORM still holds (a new thread) must exist first
    connection = await session.connection()
    dialect = connection.dialect.name
    values = {name: getattr(row, name) for name in _POST_COLUMNS}
    post_id = (await connection.execute(_INSERT_POST[dialect], values)).scalar()
    if post_id is None:
        return None
    if row.parent_id is not None:
        await connection.execute(_COUNT_REPLY, {"reply_to": row.parent_id})
    if row.status == PostStatus.PUBLISHED:
        await connection.execute(
            _COUNT_PUBLISHED, {"thread_id": row.thread_id, "at": row.created_at}
        )
    if dialect == "sqlite":  # PostgreSQL indexes the column itself
        await connection.execute(search.FTS_INSERT, {"id": post_id, "body": row.body})
    return replace(row, id=int(post_id))


async def id_by_client_id(
    session: AsyncSession, author_id: int | None, client_id: str
) -> int | None:
    """The author's post sent with this `client_id` before, if any (asked only when a post is
    refused or its insert conflicts)."""
    connection = await session.connection()
    params = {"author": author_id, "client": client_id}
    found = (await connection.execute(_ID_BY_CLIENT_ID, params)).scalar()
    return None if found is None else int(found)
