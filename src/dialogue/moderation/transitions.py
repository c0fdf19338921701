"""Changing a post's status exactly once, whoever else is acting on it at the same moment.

The status moves by a conditional UPDATE (`... WHERE status IN (expected)`): of two
moderators approving the same post at once, the database lets one UPDATE match and the
other match nothing, and the second is told the post was already handled.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.db import utcnow
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict
from dialogue.events.kinds import EventKind
from dialogue.events.models import Audience
from dialogue.events.service import append_event
from dialogue.i18n import gettext as _
from dialogue.threads import queries as threads
from dialogue.threads.models import Post, PostStatus, Thread
from dialogue.threads.presenters import post_data, thread_data
from dialogue.threads.redaction import redact_events, redact_thread_events


class AlreadyHandled(Conflict):
    code = ErrorCode.ALREADY_HANDLED


def already_handled() -> AlreadyHandled:
    return AlreadyHandled(_("Someone else already handled this post."))


async def move_status(
    *, session: AsyncSession, post: Post, expected: Iterable[PostStatus], to: PostStatus
) -> str:
    """Move the post to `to` if it is still in one of `expected`; returns the old status."""
    allowed = [s.value for s in expected]
    old = post.status
    now = utcnow()
    result = await session.exec(
        update(Post)
        .where(col(Post.id) == post.id, col(Post.status).in_(allowed))
        .values(status=to.value, moderated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise already_handled()
    # The row is ours until commit; bring the loaded object in line with it without marking
    # it changed (that would write the same values a second time).
    set_committed_value(post, "status", to.value)
    set_committed_value(post, "moderated_at", now)
    if old == PostStatus.PUBLISHED and to != PostStatus.PUBLISHED:
        await redact_events(session=session, post=post)
    await _follow(session=session, post=post, old=old)
    await _emit_status(session=session, post=post, old=old)
    return old


async def _follow(*, session: AsyncSession, post: Post, old: str) -> None:
    """The thread's published count, and its status when the post is the opening one."""
    published = PostStatus.PUBLISHED.value
    delta = (post.status == published) - (old == published)
    if delta:
        # In SQL, not read-then-write: new posts in the same thread bump the count meanwhile.
        await session.exec(
            update(Thread)
            .where(col(Thread.id) == post.thread_id)
            .values(post_count=col(Thread.post_count) + delta)
            .execution_options(synchronize_session=False)
        )
    # Loaded after the UPDATE and overwriting any copy in the session: the count is current.
    thread = await session.get(Thread, post.thread_id, populate_existing=True)
    assert thread is not None
    if delta > 0 and post.created_at > thread.last_activity_at:
        thread.last_activity_at = post.created_at
    opening = None
    if post.parent_id is None:  # a reply is never the opening post
        opening = (
            await session.exec(select(func.min(Post.id)).where(Post.thread_id == post.thread_id))
        ).one()
    status_changed = opening == post.id and thread.status != post.status
    if status_changed:
        thread.status = post.status
    if delta or status_changed:
        session.add(thread)
        await session.flush()
    if status_changed:
        if post.status != PostStatus.PUBLISHED:
            await redact_thread_events(session=session, thread=thread)
        await emit_thread(session=session, thread=thread, opening=post)


def _audience(post: Post, old: str) -> Audience:
    """Readers hear of a post they could see, or can now see; a queued one stays with staff."""
    if PostStatus.PUBLISHED.value in (post.status, old):
        return Audience.READERS
    return Audience.STAFF


async def _emit_status(*, session: AsyncSession, post: Post, old: str) -> None:
    author = await session.get(User, post.author_id) if post.author_id else None
    data: dict[str, Any] = post_data(post, author)  # no body unless published
    if post.status == PostStatus.PUBLISHED.value and old != PostStatus.PENDING.value:
        # A post that waited in the queue has no reactions yet; one hidden for a while may.
        counts = await threads.reaction_counts(session=session, post_ids=[post.id or 0])
        data["reactions"] = counts[post.id or 0]
    await append_event(
        session=session,
        dialogue_id=post.dialogue_id,
        kind=EventKind.POST_STATUS,
        data=data,
        audience=_audience(post, old),
        subject_user_id=post.author_id,
    )


async def opening_post(*, session: AsyncSession, thread: Thread) -> Post | None:
    return (
        await session.exec(
            select(Post).where(Post.thread_id == thread.id).order_by(col(Post.id)).limit(1)
        )
    ).first()


async def emit_thread(*, session: AsyncSession, thread: Thread, opening: Post | None) -> None:
    """`thread.updated` as every reader may see it (an anonymous opener stays masked)."""
    anonymous = bool(opening and opening.anonymous)
    author = None
    if thread.author_id is not None and not anonymous:
        author = await session.get(User, thread.author_id)
    await append_event(
        session=session,
        dialogue_id=thread.dialogue_id,
        kind=EventKind.THREAD_UPDATED,
        data=thread_data(thread, author, anonymous=anonymous),
        audience=Audience.READERS if thread.status == PostStatus.PUBLISHED else Audience.STAFF,
        subject_user_id=thread.author_id,
    )
