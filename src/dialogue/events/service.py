"""Appending to and reading the per-dialogue event log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.db import CHECK_EVENTS, utcnow
from dialogue.dialogues.models import Dialogue
from dialogue.events.kinds import EventKind
from dialogue.events.models import Audience, Event
from dialogue.events.payloads import check_data
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


@dataclass(frozen=True, slots=True)
class AppendedEvent:
    """An event this transaction added: published once it commits (`events.publish`)."""

    id: int
    dialogue_id: int
    seq: int
    data: dict[str, Any]


PENDING_EVENTS = "pending_events"  # session.info key: appended, not yet published
DIALOGUE: Table = Dialogue.__table__  # type: ignore[attr-defined]
EVENT: Table = Event.__table__  # type: ignore[attr-defined]
# Built once: every change appends an event, and composing statements cost more than
# running them (see `threads.inserts`).
_NEXT_SEQ = (
    update(DIALOGUE)
    .where(DIALOGUE.c.id == bindparam("dialogue"))
    .values(last_seq=DIALOGUE.c.last_seq + 1)
    .returning(DIALOGUE.c.last_seq)
)
_INSERT_EVENT = insert(EVENT).returning(EVENT.c.id)


async def append_event(
    *,
    session: AsyncSession,
    dialogue_id: int,
    kind: EventKind,
    data: dict[str, Any],
    audience: Audience = Audience.READERS,
    subject_user_id: int | None = None,
) -> AppendedEvent:
    """Take the dialogue's next `seq` and record the event, inside the caller's transaction.

    The counter row is updated (not read then written): on PostgreSQL the UPDATE takes the
    row lock until commit, so concurrent writers queue up and commit in `seq` order.
    """
    if session.info.get(CHECK_EVENTS):
        check_data(kind, data)
    await session.flush()  # the rows the event refers to must exist first
    connection = await session.connection()
    seq = int((await connection.execute(_NEXT_SEQ, {"dialogue": dialogue_id})).scalar_one())
    loaded = session.sync_session.identity_map.get(identity_key(Dialogue, dialogue_id))
    if loaded is not None:  # a loaded dialogue shows the counter as it now stands
        set_committed_value(loaded, "last_seq", seq)
    row = {
        "dialogue_id": dialogue_id,
        "seq": seq,
        "kind": kind,
        "data": data,
        "audience": audience.value,
        "subject_user_id": subject_user_id,
        "created_at": utcnow(),
    }
    event_id = int((await connection.execute(_INSERT_EVENT, row)).scalar_one())
    event = AppendedEvent(id=event_id, dialogue_id=dialogue_id, seq=seq, data=data)
    session.info.setdefault(PENDING_EVENTS, []).append(event)
    return event


def take_pending_events(session: AsyncSession) -> list[AppendedEvent]:
    """The events this transaction appended, for publishing once it has committed."""
    events: list[AppendedEvent] = session.info.pop(PENDING_EVENTS, [])
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
