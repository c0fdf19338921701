"""The demo's thousand reactions: each appends its event in its moment, the rows go in at once.

Through `threads.service.set_reaction` a reaction costs five statements and two flushes
(look up, insert, count, bump `seq`, insert the event): about 70% of the whole load, which
then takes several times the few seconds it should. The demo's reactions are valid by
construction (one per person and post, on published posts: `checks` verifies the first,
the schedule the second), so nothing needs looking up or counting in SQL: the count is
kept here, each reaction appends the same `reaction.changed` event `set_reaction` appends,
through the events service and in its place in the log, and the rows are inserted in one
executemany before commit. tests/test_demo.py compares these events with the service's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.events.kinds import EventKind
from dialogue.events.service import append_event
from dialogue.threads.models import Post, Reaction, ReactionKind
from dialogue.threads.presenters import EMPTY_COUNTS


@dataclass
class ReactionLedger:
    counts: dict[int, dict[str, int]] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)

    async def react(
        self, session: AsyncSession, *, post: Post, user: User, kind: ReactionKind, at: datetime
    ) -> None:
        """Record one new reaction and append its event (the row is written by `write`)."""
        assert post.id is not None and user.id is not None
        tally = self.counts.setdefault(post.id, dict(EMPTY_COUNTS))
        tally[kind.value] += 1
        self.rows.append(
            {
                "post_id": post.id,
                "user_id": user.id,
                "kind": kind.value,
                "created_at": at,
                "updated_at": at,
            }
        )
        await append_event(
            session=session,
            dialogue_id=post.dialogue_id,
            kind=EventKind.REACTION_CHANGED,
            data={"post_id": post.id, "thread_id": post.thread_id, "reactions": dict(tally)},
        )

    async def write(self, session: AsyncSession) -> None:
        if self.rows:
            await session.exec(insert(Reaction), params=self.rows)
        self.rows = []
