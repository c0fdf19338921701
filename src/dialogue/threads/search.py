"""Full-text search of posts: SQLite FTS5 or PostgreSQL text search, filtered by visibility.

Snippets are built with control characters as highlight markers, escaped as HTML, and only
then given `<mark>` tags, so no user text can inject markup through a snippet.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import escape
from sqlalchemy import Float, Integer, Select, String, column, func, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.policy import Viewer
from dialogue.threads.models import Post, PostStatus, Thread
from dialogue.threads.queries import post_visible

START, STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12
LISTED_CHARS = 240  # the start of a post listed without a query, like a snippet's length
FTS_COLUMNS = (column("post_id", Integer), column("snip", String), column("rank", Float))


@dataclass(frozen=True, slots=True)
class Hit:
    post_id: int
    thread_id: int
    thread_title: str
    snippet_html: str


def _is_sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def terms(query: str) -> list[str]:
    """The words of a query; everything else (quotes, operators) is dropped, never parsed."""
    return _WORD.findall(query.lower())[:MAX_TERMS]


# PostgreSQL's headline drops whatever its parser takes for an HTML tag or entity, so a post
# that says "<b>" would lose those words from its snippet. The characters that open them are
# swapped for control characters (which posts may not contain) and swapped back afterwards.
HEADLINE_HIDDEN = "\x04\x05\x06"
_HEADLINE_RESTORE = str.maketrans(HEADLINE_HIDDEN, "<>&")


def snippet_html(raw: str) -> str:
    return str(escape(raw)).replace(START, "<mark>").replace(STOP, "</mark>")


async def index_post(*, session: AsyncSession, post: Post) -> None:
    """Keep SQLite's FTS table in step with a post (PostgreSQL indexes the column itself)."""
    if not _is_sqlite(session):
        return
    await unindex_post(session=session, post=post)
    await index_new_posts(session=session, posts=[(post.id or 0, post.status, post.body)])


# SQLite's full-text index takes each post by hand (PostgreSQL indexes the column itself).
FTS_INSERT = text("INSERT INTO post_fts(rowid, body) VALUES (:id, :body)")


async def index_new_posts(*, session: AsyncSession, posts: Sequence[tuple[int, str, str]]) -> None:
    """Index posts (id, status, body) not indexed yet, many at once (an archive import)."""
    params = [
        {"id": post_id, "body": body}
        for post_id, status, body in posts
        if status != PostStatus.DELETED and body
    ]
    if params and _is_sqlite(session):
        await session.exec(FTS_INSERT, params=params)  # type: ignore[call-overload]


async def unindex_post(*, session: AsyncSession, post: Post) -> None:
    if _is_sqlite(session):
        await session.exec(  # type: ignore[call-overload]
            text("DELETE FROM post_fts WHERE rowid = :id"), params={"id": post.id}
        )


def _readable(statement: Any, *, dialogue_id: int, viewer: Viewer) -> Any:
    """Only the dialogue's posts the viewer may read, in threads the viewer may see."""
    statement = statement.join(Thread, col(Thread.id) == col(Post.thread_id)).where(
        Post.dialogue_id == dialogue_id, post_visible(viewer)
    )
    if not viewer.is_staff:
        statement = statement.where(
            (col(Thread.status) == PostStatus.PUBLISHED) | (col(Thread.author_id) == viewer.user_id)
        )
    return statement


def _hit(row: Any) -> Hit:
    return Hit(
        post_id=row[0] or 0,
        thread_id=row[1],
        thread_title=row[2],
        snippet_html=snippet_html(row[3].translate(_HEADLINE_RESTORE)),
    )


async def search_posts(
    *,
    session: AsyncSession,
    dialogue_id: int,
    viewer: Viewer,
    query: str,
    limit: int = 50,
    only_posts: Select[int] | None = None,
) -> list[Hit]:
    """Posts matching the query's words, best first; `only_posts` narrows them (e.g. to a code).

    With no words but `only_posts`, those posts themselves, newest first.
    """
    words = terms(query)
    if not words:
        if only_posts is None:
            return []
        return await _listed(
            session=session, dialogue_id=dialogue_id, viewer=viewer, limit=limit, ids=only_posts
        )
    if _is_sqlite(session):
        match = " ".join('"' + w.replace('"', "") + '"*' for w in words)
        ranked = text(
            "SELECT rowid AS post_id, snippet(post_fts, 0, :start, :stop, '…', 16) AS snip, rank "
            "FROM post_fts WHERE post_fts MATCH :match"
        ).columns(*FTS_COLUMNS)
        fts = ranked.subquery("fts")
        params = {"start": START, "stop": STOP, "match": match}
        order = fts.c.rank
    else:
        tsquery = "to_tsquery('simple', :match)"
        match = " & ".join(w + ":*" for w in words)
        ranked = text(
            "SELECT id AS post_id, ts_headline('simple', translate(body, '<>&', :hidden), "  # noqa: S608 - constant
            f"{tsquery}, 'StartSel=' || :start || ', StopSel=' || :stop || "
            "', MaxWords=30, MinWords=12') AS snip, "
            f"-ts_rank(to_tsvector('simple', body), {tsquery}) AS rank "
            f"FROM post WHERE to_tsvector('simple', body) @@ {tsquery}"
        ).columns(*FTS_COLUMNS)
        fts = ranked.subquery("fts")
        params = {"start": START, "stop": STOP, "match": match, "hidden": HEADLINE_HIDDEN}
        order = fts.c.rank
    statement = _readable(
        select(Post.id, Post.thread_id, Thread.title, fts.c.snip).join(
            fts, fts.c.post_id == col(Post.id)
        ),
        dialogue_id=dialogue_id,
        viewer=viewer,
    ).order_by(order, col(Post.id))
    if only_posts is not None:
        statement = statement.where(col(Post.id).in_(only_posts))
    rows = (await session.exec(statement.limit(limit), params=params)).all()
    return [_hit(row) for row in rows]


async def _listed(
    *, session: AsyncSession, dialogue_id: int, viewer: Viewer, limit: int, ids: Select[int]
) -> list[Hit]:
    """Posts among `ids` without a text query: the start of each as its snippet."""
    opening = func.substr(col(Post.body), 1, LISTED_CHARS + 1)
    statement = _readable(
        select(Post.id, Post.thread_id, Thread.title, opening).where(col(Post.id).in_(ids)),
        dialogue_id=dialogue_id,
        viewer=viewer,
    ).order_by(col(Post.id).desc())
    rows = (await session.exec(statement.limit(limit))).all()
    return [
        _hit((*row[:3], row[3][:LISTED_CHARS] + ("…" if len(row[3]) > LISTED_CHARS else "")))
        for row in rows
    ]
