"""Appending to and reading the per-dialogue event log."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.dialogues.models import Dialogue
from dialogue.events.models import Audience, Event
from dialogue.policy import Viewer


def may_see(*, audience: str, subject_user_id: int | None, viewer: Viewer) -> bool:
    if viewer.user_id is not None and subject_user_id == viewer.user_id:
        return True
    if audience == Audience.READERS:
        return True
    if audience == Audience.STAFF:
        return viewer.is_staff
    if audience == Audience.REVIEWERS:
        return viewer.is_reviewer
    return False


async def append_event(
    *,
    session: AsyncSession,
    dialogue_id: int,
    kind: str,
    data: dict[str, Any],
    audience: Audience = Audience.READERS,
    subject_user_id: int | None = None,
) -> Event:
    """Take the dialogue's next `seq` and record the event, inside the caller's transaction.

    The counter row is updated (not read then written): on PostgreSQL the UPDATE takes the
    row lock until commit, so concurrent writers queue up and commit in `seq` order.
    """
    result = await session.exec(
        update(Dialogue)
        .where(col(Dialogue.id) == dialogue_id)
        .values(last_seq=col(Dialogue.last_seq) + 1)
        .returning(col(Dialogue.last_seq))
    )
    seq = int(result.scalar_one())
    event = Event(
        dialogue_id=dialogue_id,
        seq=seq,
        kind=kind,
        data=data,
        audience=audience.value,
        subject_user_id=subject_user_id,
    )
    session.add(event)
    await session.flush()
    pending = session.info.setdefault("pending_events", [])
    pending.append(event)
    return event


def take_pending_events(session: AsyncSession) -> list[Event]:
    """The events this transaction appended, for publishing once it has committed."""
    events: list[Event] = session.info.pop("pending_events", [])
    return events


async def read_events(
    *, session: AsyncSession, dialogue_id: int, after: int, limit: int, viewer: Viewer
) -> tuple[list[Event], int]:
    """The viewer's events after `after`, and the seq the reader has now covered.

    Reads in pages of the raw log so filtering never turns a small answer into a full scan.
    """
    visible: list[Event] = []
    covered = after
    while len(visible) < limit:
        rows = (
            await session.exec(
                select(Event)
                .where(Event.dialogue_id == dialogue_id, Event.seq > covered)
                .order_by(col(Event.seq))
                .limit(limit)
            )
        ).all()
        if not rows:
            break
        for event in rows:
            covered = event.seq
            if may_see(
                audience=event.audience, subject_user_id=event.subject_user_id, viewer=viewer
            ):
                visible.append(event)
                if len(visible) >= limit:
                    break
        if len(rows) < limit:
            break
    return visible, covered
