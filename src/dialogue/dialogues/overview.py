"""Every dialogue at a glance, for the site's admins: status, members and last activity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.dialogues.models import Dialogue, Membership
from dialogue.events.models import Event


@dataclass(frozen=True, slots=True)
class DialogueSummary:
    dialogue: Dialogue
    members: int
    last_activity: datetime  # the newest event's time, else the dialogue's last change


async def all_dialogues(*, session: AsyncSession) -> list[DialogueSummary]:
    """All dialogues, whatever their visibility, newest activity first."""
    counts = (
        select(col(Membership.dialogue_id), func.count().label("members"))
        .group_by(col(Membership.dialogue_id))
        .subquery()
    )
    # The last event is the one at the dialogue's `last_seq` (unique per dialogue).
    rows = (
        await session.exec(
            select(Dialogue, counts.c.members, col(Event.created_at))
            .outerjoin(counts, counts.c.dialogue_id == col(Dialogue.id))
            .outerjoin(
                Event,
                and_(
                    col(Event.dialogue_id) == col(Dialogue.id),
                    col(Event.seq) == col(Dialogue.last_seq),
                ),
            )
        )
    ).all()
    summaries = [
        DialogueSummary(dialogue=d, members=int(n or 0), last_activity=at or d.updated_at)
        for d, n, at in rows
    ]
    return sorted(summaries, key=lambda s: s.last_activity, reverse=True)
