"""The handover: what changed since this moderator last caught up, and what has waited too long.

Moderators take turns; the one coming on reads new queue items, new flags, appeals and the
other moderators' notes since they last marked the handover as read (`ModeratorVisit`).
A first visit looks back `FIRST_LOOK`. Flaggers are not named, and queue items are shown as
the queue shows them, so an anonymous author stays unknown here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.db import utcnow
from dialogue.moderation import appeals, notes, queue
from dialogue.moderation.models import Flag
from dialogue.moderation.oversight_models import ModeratorVisit

FIRST_LOOK = timedelta(days=7)


async def last_seen(*, session: AsyncSession, dialogue_id: int, user_id: int) -> datetime | None:
    visit = (
        await session.exec(
            select(ModeratorVisit).where(
                ModeratorVisit.dialogue_id == dialogue_id, ModeratorVisit.user_id == user_id
            )
        )
    ).first()
    return visit.seen_at if visit else None


async def mark_seen(*, session: AsyncSession, dialogue_id: int, user_id: int) -> None:
    """Everything up to now is read: the next handover starts from here."""
    visit = (
        await session.exec(
            select(ModeratorVisit).where(
                ModeratorVisit.dialogue_id == dialogue_id, ModeratorVisit.user_id == user_id
            )
        )
    ).first()
    visit = visit or ModeratorVisit(dialogue_id=dialogue_id, user_id=user_id)
    visit.seen_at = utcnow()
    session.add(visit)
    await session.flush()


def waited_too_long(items: list[dict[str, Any]], *, minutes: int) -> list[dict[str, Any]]:
    """The queue items waiting longer than `minutes`: the dashboard's alert."""
    limit = utcnow() - timedelta(minutes=minutes)
    return [item for item in items if datetime.fromisoformat(item["queued_at"]) < limit]


@dataclass(slots=True)
class Handover:
    since: datetime
    first: bool  # no handover was marked as read before
    queue: list[dict[str, Any]]
    flags: list[Flag]
    appeals: list[dict[str, Any]]
    notes: list[notes.NoteView]

    @property
    def empty(self) -> bool:
        return not (self.queue or self.flags or self.appeals or self.notes)


async def handover(*, session: AsyncSession, dialogue_id: int, user_id: int) -> Handover:
    seen = await last_seen(session=session, dialogue_id=dialogue_id, user_id=user_id)
    since = seen or utcnow() - FIRST_LOOK
    items = await queue.list_queue(session=session, dialogue_id=dialogue_id, limit=queue.MAX_ITEMS)
    flags = (
        await session.exec(
            select(Flag)
            .where(Flag.dialogue_id == dialogue_id, col(Flag.created_at) > since)
            .order_by(col(Flag.id))
        )
    ).all()
    changed = [
        appeals.appeal_data(a, n)
        for a, n in await appeals.list_appeals(session=session, dialogue_id=dialogue_id)
        if a.created_at > since or (a.decided_at is not None and a.decided_at > since)
    ]
    others = [
        n
        for n in await notes.list_notes(session=session, dialogue_id=dialogue_id, since=since)
        if n.note.author_id != user_id
    ]
    return Handover(
        since=since,
        first=seen is None,
        queue=[i for i in items if datetime.fromisoformat(i["queued_at"]) > since],
        flags=list(flags),
        appeals=changed,
        notes=others,
    )
