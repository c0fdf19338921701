"""The moderation queue: pending posts and posts with open flags, oldest first, in context."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.moderation.models import Flag, FlagStatus
from dialogue.policy import Role, Viewer
from dialogue.safety.disclosure import Reason, excerpts
from dialogue.threads.models import Post, PostStatus, Thread
from dialogue.threads.presenters import iso, post_data

MAX_ITEMS = 200
# The queue is read by staff only, so its posts are shown as staff see them.
STAFF_VIEW = Viewer(user_id=None, role=Role.MODERATOR)


async def _posts_with_authors(
    session: AsyncSession, post_ids: Sequence[int]
) -> dict[int, tuple[Post, User | None]]:
    if not post_ids:
        return {}
    rows = (
        await session.exec(
            select(Post, User)
            .outerjoin(User, col(User.id) == col(Post.author_id))
            .where(col(Post.id).in_(list(post_ids)))
        )
    ).all()
    return {row[0].id or 0: (row[0], row[1]) for row in rows}


async def _open_flags(session: AsyncSession, dialogue_id: int) -> dict[int, list[Flag]]:
    flags: dict[int, list[Flag]] = defaultdict(list)
    for flag in (
        await session.exec(
            select(Flag)
            .where(Flag.dialogue_id == dialogue_id, Flag.status == FlagStatus.OPEN)
            .order_by(col(Flag.id))
        )
    ).all():
        flags[flag.post_id].append(flag)
    return flags


async def list_queue(
    *, session: AsyncSession, dialogue_id: int, limit: int = 100
) -> list[dict[str, Any]]:
    """Every item waiting for a moderator, oldest first, each with its thread and parent."""
    limit = min(limit, MAX_ITEMS)
    flags = await _open_flags(session, dialogue_id)
    pending = (
        await session.exec(
            select(Post.id, Post.created_at)
            .where(Post.dialogue_id == dialogue_id, Post.status == PostStatus.PENDING)
            .order_by(col(Post.created_at), col(Post.id))
            .limit(limit)
        )
    ).all()
    waiting: dict[int, datetime] = {post_id or 0: at for post_id, at in pending}
    for post_id, post_flags in flags.items():
        waiting.setdefault(post_id, post_flags[0].created_at)
    order = sorted(waiting, key=lambda pid: (waiting[pid], pid))[:limit]
    posts = await _posts_with_authors(session, order)
    threads = {
        t.id: t
        for t in (
            await session.exec(
                select(Thread).where(col(Thread.id).in_({p.thread_id for p, _u in posts.values()}))
            )
        ).all()
    }
    context = await _context(session, [p for p, _u in posts.values()])
    items = []
    for post_id in order:
        post, author = posts[post_id]
        thread = threads[post.thread_id]
        items.append(
            {
                "kind": "post" if post.status == PostStatus.PENDING else "flags",
                "queued_at": iso(waiting[post_id]),
                "post": post_data(post, author, viewer=STAFF_VIEW),
                "thread": {
                    "id": thread.id,
                    "title": thread.title,
                    "theme_id": thread.theme_id,
                    "status": thread.status,
                    "locked": thread.locked,
                },
                "parent": context.get(post.parent_id or 0),
                "opening": _opening(context, post),
                "held": _held(post),
                "flags": [
                    {
                        "id": f.id,
                        "reason": f.reason,
                        "note": f.note,
                        "created_at": iso(f.created_at),
                    }
                    for f in flags.get(post_id, [])
                ],
            }
        )
    return items


def _held(post: Post) -> list[dict[str, Any]]:
    """What held the post, each span in its context, for the moderator to see at once."""
    reasons = [Reason.from_dict(r) for r in post.hold_reasons or []]
    return [
        {"rule": e.rule.value, "before": e.before, "span": e.span, "after": e.after}
        for e in excerpts(post.body, reasons)
    ]


def _opening(context: dict[int, dict[str, Any]], post: Post) -> dict[str, Any] | None:
    opening = context.get(-post.thread_id)
    return None if opening is None or opening["id"] == post.id else opening


async def _context(session: AsyncSession, posts: Sequence[Post]) -> dict[int, dict[str, Any]]:
    """Parents by their id, and each thread's opening post under the thread's negative id."""
    if not posts:
        return {}
    openings = {
        thread_id: first_id
        for thread_id, first_id in (
            await session.exec(
                select(Post.thread_id, func.min(Post.id))
                .where(col(Post.thread_id).in_({p.thread_id for p in posts}))
                .group_by(col(Post.thread_id))
            )
        ).all()
    }
    parents = {p.parent_id for p in posts if p.parent_id is not None}
    rows = await _posts_with_authors(
        session, sorted(parents | {v for v in openings.values() if v is not None})
    )
    context: dict[int, dict[str, Any]] = {}
    for post_id, (post, author) in rows.items():
        data = post_data(post, author, viewer=STAFF_VIEW)
        if post_id in parents:
            context[post_id] = data
        if openings.get(post.thread_id) == post_id:
            context[-post.thread_id] = data
    return context
