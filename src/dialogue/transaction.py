"""Undo only the part of a request's work that a refusal stopped.

The request's session dependency (`dialogue.access.get_session`) is the unit of work: it
commits when the route returns and rolls everything back when it raises. A page that catches
a refusal to show the form again with the reason returns normally, so what the refused
service did must be undone on its own: `attempt` runs it inside a savepoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import inspect
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.errors import DialogueError
from dialogue.events.publish import PENDING_MESSAGES
from dialogue.events.service import PENDING_EVENTS


@asynccontextmanager
async def attempt(session: AsyncSession) -> AsyncIterator[None]:
    """Run a change in a savepoint; on a `DialogueError` undo just that change and re-raise."""
    queued = {key: len(session.info.get(key, [])) for key in (PENDING_EVENTS, PENDING_MESSAGES)}
    savepoint = await session.begin_nested()
    try:
        yield
    except DialogueError:
        await savepoint.rollback()
        for key, length in queued.items():  # the undone change announces nothing
            del session.info.get(key, [])[length:]
        await _reload(session)
        raise
    await savepoint.commit()


async def _reload(session: AsyncSession) -> None:
    """Reload the rows the page goes on to read.

    The savepoint's rollback expires what it changed, and an async session cannot load
    lazily; a dialogue's event counter is moved without the session tracking it. A refusal
    is rare and few rows are loaded by then, so every loaded row is read again.
    """
    for row in list(session.identity_map.values()):
        if inspect(row).persistent:
            await session.refresh(row)
