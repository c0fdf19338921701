"""Commit, then ring the broker: a failed transaction never leaks an event."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.events.broker import Broker
from dialogue.events.service import take_pending_events


async def commit(session: AsyncSession) -> None:
    """Commit the caller's transaction and announce the events it appended."""
    await session.commit()
    events = take_pending_events(session)
    broker: Broker | None = session.info.get("broker")
    if broker is None or not events:
        return
    latest: dict[int, int] = {}
    for event in events:
        latest[event.dialogue_id] = max(latest.get(event.dialogue_id, 0), event.seq)
    for dialogue_id, seq in latest.items():
        await broker.publish(dialogue_id, {"seq": seq})


async def announce_revocation(session: AsyncSession, token_id: int) -> None:
    """Tell every instance to close the sockets opened with a token that was just revoked."""
    broker: Broker | None = session.info.get("broker")
    if broker is not None:
        await broker.publish(0, {"type": "revoke", "token_id": token_id})
