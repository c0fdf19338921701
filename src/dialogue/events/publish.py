"""Commit, then ring the broker: a failed transaction never leaks an event."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.events.broker import Broker
from dialogue.events.service import take_pending_events

PENDING_MESSAGES = "pending_messages"
# session.info: called with how many events each commit made (the app's metrics counter).
COUNT_COMMITTED = "count_committed_events"


async def commit(session: AsyncSession) -> None:
    """Commit the caller's transaction and announce the events it appended."""
    await session.commit()
    events = take_pending_events(session)
    count = session.info.get(COUNT_COMMITTED)
    if count is not None and events:
        count(len(events))
    messages: list[tuple[int, dict[str, Any]]] = session.info.pop(PENDING_MESSAGES, [])
    broker: Broker | None = session.info.get("broker")
    if broker is None:
        return
    latest: dict[int, int] = {}
    for event in events:
        latest[event.dialogue_id] = max(latest.get(event.dialogue_id, 0), event.seq)
    for dialogue_id, seq in latest.items():
        await broker.publish(dialogue_id, {"seq": seq})
    for channel, message in messages:
        await broker.publish(channel, message)


def discard_pending(session: AsyncSession) -> None:
    """Forget what a transaction that rolled back would have announced."""
    take_pending_events(session)
    session.info.pop(PENDING_MESSAGES, None)


def announce_revocation(session: AsyncSession, token_id: int) -> None:
    """Once this transaction commits, tell every instance to close the token's sockets."""
    message = {"type": "revoke", "token_id": token_id}
    session.info.setdefault(PENDING_MESSAGES, []).append((0, message))
