"""For moderators: what waits in their queues, batched to at most one mail per 15 minutes.

A moderator's `MailCursor` says until when their mail has covered; new pending posts and
flags after it are counted per dialogue. The cursor moves with a conditional UPDATE in
the same transaction as the message, so two instances never both send the same batch.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.config import Settings
from dialogue.db import as_utc, utcnow
from dialogue.dialogues.models import Dialogue, DialogueStatus, Membership
from dialogue.i18n import gettext as _
from dialogue.moderation.models import Flag
from dialogue.notifications import audience
from dialogue.notifications.compose import Recipient, send
from dialogue.notifications.models import MailCursor, MailKind
from dialogue.policy import Role
from dialogue.threads.models import Post, PostStatus

BATCH_EVERY = timedelta(minutes=15)
MODERATING = (Role.MODERATOR.value, Role.ORGANIZER.value)


async def cursor_of(
    session: AsyncSession, *, user_id: int, kind: MailKind, now: datetime
) -> MailCursor | None:
    """The person's cursor for `kind`; a new one starts now (nothing from before is sent)
    and is returned as None, since it has nothing to cover yet."""
    found = (
        await session.exec(
            select(MailCursor).where(MailCursor.user_id == user_id, MailCursor.kind == kind)
        )
    ).first()
    if found is None:
        session.add(MailCursor(user_id=user_id, kind=kind, covered_until=now, sent_at=now))
        await session.flush()
    return found


async def move(session: AsyncSession, *, cursor: MailCursor, now: datetime) -> bool:
    """Claim the span from the cursor to `now`; False when another instance took it."""
    result = await session.exec(
        update(MailCursor)
        .where(
            col(MailCursor.id) == cursor.id, col(MailCursor.covered_until) == cursor.covered_until
        )
        .values(covered_until=now, sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


async def moderators(*, session: AsyncSession) -> list[int]:
    """Everyone who moderates an open dialogue."""
    rows = await session.exec(
        select(Membership.user_id)
        .join(Dialogue, col(Dialogue.id) == col(Membership.dialogue_id))
        .where(Dialogue.status == DialogueStatus.OPEN, col(Membership.role).in_(MODERATING))
        .distinct()
    )
    return list(rows.all())


async def mail_queue(session: AsyncSession, *, settings: Settings, user_id: int) -> int:
    """One moderator's batch, if 15 minutes have passed and something new waits."""
    now = utcnow()
    user = await session.get(User, user_id)
    cursor = await cursor_of(session, user_id=user_id, kind=MailKind.MODERATION, now=now)
    if user is None or cursor is None or as_utc(cursor.sent_at) > now - BATCH_EVERY:
        return 0
    since = as_utc(cursor.covered_until)
    rows = (
        await session.exec(
            select(Dialogue, Membership)
            .join(Membership, col(Membership.dialogue_id) == col(Dialogue.id))
            .where(Membership.user_id == user_id, col(Membership.role).in_(MODERATING))
            .where(Dialogue.status == DialogueStatus.OPEN)
            .order_by(col(Dialogue.title))
        )
    ).all()
    waiting = []
    for dialogue, membership in rows:
        if not audience.may_read(user, membership, dialogue):
            continue
        pending = await _count(session, Post, dialogue.id, since, now, PostStatus.PENDING)
        flags = await _count(session, Flag, dialogue.id, since, now, "open")
        if pending or flags:
            link = f"{settings.base_url.rstrip('/')}/d/{dialogue.slug}/moderation"
            waiting.append({"dialogue": dialogue, "pending": pending, "flags": flags, "url": link})
    if not waiting or not await move(session, cursor=cursor, now=now):
        return 0
    message = await send(
        session,
        settings=settings,
        recipient=Recipient.of(user),
        kind=MailKind.MODERATION,
        template="moderation",
        subject=lambda: _("New items wait for moderation"),
        context={"waiting": waiting, "since": since},
    )
    return int(message is not None)


async def _count(
    session: AsyncSession,
    model: type[Post] | type[Flag],
    dialogue_id: int | None,
    since: datetime,
    until: datetime,
    status: str,
) -> int:
    found = await session.exec(
        select(func.count())
        .select_from(model)
        .where(
            col(model.dialogue_id) == dialogue_id,
            col(model.status) == status,
            col(model.created_at) > since,
            col(model.created_at) <= until,
        )
    )
    return int(found.one())
