"""Dating what the services wrote at the moment the demo's history says it happened.

The services stamp rows and events with the clock. The demo replays three weeks through
those same services (so counters, search and the event log are theirs), then moves each
change to its historical moment: the row's own time and the events it appended, both the
event's `created_at` and the times carried in its data, so a client rebuilding the
dialogue from the log sees the same dates as one reading the tables.

The 1,400 events are dated in bulk UPDATEs at the end rather than one UPDATE each, which
would add a statement to nearly every step of the load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.events.models import Event
from dialogue.events.service import take_pending_events

# The times in an event's data that mean "when this happened" (a new post's or thread's
# creation, a thread's latest activity); other times (a theme's window) are left alone.
MOMENT_FIELDS = ("created_at", "last_activity_at")


@dataclass
class Backdates:
    """Historical times collected during the replay, written by `write` before commit."""

    events: list[dict[str, Any]] = field(default_factory=list)
    events_with_data: list[dict[str, Any]] = field(default_factory=list)

    def date_events(self, session: AsyncSession, at: datetime, *, data: bool = False) -> None:
        """Date the events appended since the last call; with `data`, their moments too.

        The events come from the session's pending list, which is exactly "since last
        time": nothing rings a broker for the demo, which loads before any server runs.
        """
        moment = at.isoformat()
        for event in take_pending_events(session):
            if data:
                dated = {name: moment for name in MOMENT_FIELDS if name in event.data}
                row = {"id": event.id, "created_at": at, "data": {**event.data, **dated}}
                self.events_with_data.append(row)
            else:
                self.events.append({"id": event.id, "created_at": at})

    async def write(self, session: AsyncSession) -> None:
        """Apply every collected time by primary key, in one executemany per shape of row."""
        await session.flush()
        for rows in (self.events, self.events_with_data):
            if rows:
                await session.exec(update(Event), params=rows)
        self.events, self.events_with_data = [], []
