"""Taking text out of the event log once it may no longer be shown.

The log is replayed to every client that catches up, so content that stops being public
(hidden, rejected, or deleted by its author) must leave the events that once carried it.
"""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.events.kinds import POST_KINDS, THREAD_KINDS
from dialogue.events.models import Event
from dialogue.threads.models import Post, Thread

REDACTED = {"body": "", "body_html": "", "author": None, "author_name": None}


async def redact_events(*, session: AsyncSession, post: Post) -> int:
    """Take a post's text out of the event log once it is no longer published.

    The log is replayed to every client that catches up: without this, a reader joining
    after a hide would still receive the text from the event that once published it.
    """
    query = select(Event).where(
        Event.dialogue_id == post.dialogue_id, col(Event.kind).in_(POST_KINDS)
    )
    if post.author_id is not None:  # the author is the subject of their posts' events
        query = query.where(Event.subject_user_id == post.author_id)
    changed = 0
    for event in (await session.exec(query)).all():
        if event.data.get("id") != post.id or not event.data.get("body_html"):
            continue
        event.data = {**event.data, **REDACTED}
        session.add(event)
        changed += 1
    if changed:
        await session.flush()
    return changed


async def redact_thread_events(*, session: AsyncSession, thread: Thread) -> int:
    """Take a thread's title out of the log when its opening post stops being published."""
    query = select(Event).where(
        Event.dialogue_id == thread.dialogue_id,
        col(Event.kind).in_(THREAD_KINDS),
    )
    if thread.author_id is not None:
        query = query.where(Event.subject_user_id == thread.author_id)
    changed = 0
    for event in (await session.exec(query)).all():
        if event.data.get("id") != thread.id or not event.data.get("title"):
            continue
        event.data = {**event.data, "title": "", "author": None, "author_name": None}
        session.add(event)
        changed += 1
    if changed:
        await session.flush()
    return changed
