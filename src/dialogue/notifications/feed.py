"""What follows a dialogue's event log: replies and mentions (a notice each, and mail),
a report sent for review (mail).

Each dialogue has a cursor (`MailFeed`). One transaction reads the events past it, queues
their mail and moves it, so each event is mailed once whichever instance runs the feed:
on PostgreSQL the cursor row is locked for the transaction, on SQLite writers take turns.
A cursor starts at the dialogue's latest event: turning mail on sends no backlog. The
feed runs whether mail is configured or not (the notices need it); the mail it queues
only when it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.dialogues.models import Dialogue, DialogueStatus
from dialogue.events import publish
from dialogue.events.broker import Broker
from dialogue.events.kinds import EventKind
from dialogue.events.models import Event
from dialogue.i18n import gettext as _
from dialogue.notifications import audience
from dialogue.notifications.compose import Recipient, send
from dialogue.notifications.models import MailFeed, MailKind, MailOnce
from dialogue.notifications.post_mail import mail_post
from dialogue.policy import ReportState, Role
from dialogue.threads.models import Post, Thread

KINDS = (EventKind.POST_CREATED, EventKind.POST_STATUS, EventKind.REPORT_UPDATED)
BATCH = 200  # events per transaction: a long backlog is worked in steps


async def dialogues_behind(*, session: AsyncSession) -> list[int]:
    """Open dialogues with events the feed has not read yet (or no cursor yet)."""
    rows = await session.exec(
        select(Dialogue.id)
        .outerjoin(MailFeed, col(MailFeed.dialogue_id) == col(Dialogue.id))
        .where(Dialogue.status == DialogueStatus.OPEN)
        .where(or_(col(MailFeed.seq).is_(None), col(Dialogue.last_seq) > col(MailFeed.seq)))
    )
    return [row for row in rows.all() if row is not None]


async def skip_history(*, session: AsyncSession, dialogue: Dialogue) -> None:
    """Move the cursor to the dialogue's latest event: history replayed in bulk (the demo)
    is not news, so nobody is told or mailed of it."""
    feed = await session.get(MailFeed, dialogue.id)
    assert feed is not None  # made with the dialogue (`dialogues.service.create_dialogue`)
    feed.seq = dialogue.last_seq
    session.add(feed)


async def once(session: AsyncSession, key: str) -> bool:
    """True the first time `key` is asked for in this database (recorded with the caller's
    transaction)."""
    if await session.get(MailOnce, key) is not None:
        return False
    session.add(MailOnce(key=key))
    await session.flush()
    return True


async def advance(
    *, database: Database, settings: Settings, dialogue_id: int, broker: Broker | None = None
) -> int:
    """Tell and mail what one dialogue's new events call for and move its cursor; messages
    queued. After the commit, the people told get their `notification` frame (`broker`)."""
    async with database.writing() as session:
        session.info["broker"] = broker
        feed = await session.get(MailFeed, dialogue_id, with_for_update=True)
        dialogue = await session.get(Dialogue, dialogue_id, populate_existing=True)
        if dialogue is None:
            return 0
        if feed is None:
            session.add(MailFeed(dialogue_id=dialogue_id, seq=dialogue.last_seq))
            try:
                await session.commit()
            except IntegrityError:  # another instance made it first
                await session.rollback()
            return 0
        upto = dialogue.last_seq
        events = (
            await session.exec(
                select(Event)
                .where(Event.dialogue_id == dialogue_id)
                .where(col(Event.seq) > feed.seq, col(Event.seq) <= upto)
                .where(col(Event.kind).in_([k.value for k in KINDS]))
                .order_by(col(Event.seq))
                .limit(BATCH)
            )
        ).all()
        if len(events) == BATCH:
            upto = events[-1].seq
        queued = 0
        posts = await _posts_of(session, events)
        for event in events:
            if event.kind == EventKind.REPORT_UPDATED:
                if settings.smtp_url:
                    queued += await _review(session, settings, dialogue, event)
            else:
                post = posts.get(int(event.data.get("id") or 0))
                if post is not None:
                    queued += await _post(session, settings, dialogue, post)
        feed.seq = upto
        session.add(feed)
        await publish.commit(session)
        return queued


async def _posts_of(session: AsyncSession, events: Sequence[Event]) -> dict[int, Post]:
    """The events' posts that may call for a notice, in one query: published now (not
    pending, hidden, rejected or deleted by now), and a reply or naming someone with `@`.
    Most posts are neither, and this runs in the writer's transaction on every burst of
    posts: the rest are skipped without another statement."""
    ids = [int(e.data.get("id") or 0) for e in events if e.kind != EventKind.REPORT_UPDATED]
    if not ids:
        return {}
    rows = (await session.exec(select(Post).where(col(Post.id).in_(ids)))).all()
    return {
        post.id or 0: post
        for post in rows
        if audience.is_published(post.status) and (post.parent_id is not None or "@" in post.body)
    }


async def _post(session: AsyncSession, settings: Settings, dialogue: Dialogue, post: Post) -> int:
    thread = await session.get(Thread, post.thread_id)
    if thread is None or not await once(session, f"post:{post.id}"):
        return 0
    author = await session.get(User, post.author_id) if post.author_id else None
    parent = await session.get(Post, post.parent_id) if post.parent_id else None
    return await mail_post(
        session,
        settings=settings,
        dialogue=dialogue,
        thread=thread,
        post=post,
        author=author,
        parent=parent,
    )


async def _review(
    session: AsyncSession, settings: Settings, dialogue: Dialogue, event: Event
) -> int:
    if event.data.get("state") != ReportState.IN_REVIEW:
        return 0
    if not await once(session, f"review:{dialogue.id}:{event.data.get('review_round')}"):
        return 0
    people = await audience.readers(
        session=session, dialogue=dialogue, roles=(Role.ORGANIZER, Role.ADVISOR)
    )
    queued = 0
    for user, _membership in people:
        message = await send(
            session,
            settings=settings,
            recipient=Recipient.of(user),
            kind=MailKind.REVIEW,
            template="review",
            subject=lambda: (
                _("The report of “%(title)s” is waiting for your review")
                % {"title": dialogue.title}
            ),
            context={
                "dialogue": dialogue,
                "report_url": f"{settings.base_url.rstrip('/')}/d/{dialogue.slug}/report",
            },
        )
        queued += message is not None
    return queued
