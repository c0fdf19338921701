"""The event log over HTTP, with long-polling where websockets are blocked."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from dialogue import i18n
from dialogue.access import Access, SessionDep, allow
from dialogue.bounds import DbInt
from dialogue.events.doorbell import Doorbell
from dialogue.events.payloads import EventPage
from dialogue.events.service import read_events
from dialogue.live.fragments import ReaderClass
from dialogue.paths import DialogueDep
from dialogue.policy import Action
from dialogue.state import app_state

router = APIRouter(tags=["events"])
MAX_WAIT = 30


# Documented, not checked on the way out: the log is checked when written (`check_events`),
# and an event stored by an older release must still be served as it was.
@router.get("/dialogues/{slug}/events", response_model=EventPage)
async def list_events(
    request: Request,
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.EVENTS_READ)],
    after: Annotated[DbInt, Query()] = 0,
    limit: Annotated[DbInt, Query(ge=1, le=1000)] = 200,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT)] = 0,
) -> JSONResponse:
    """The caller's view of the log after `after`; `last_seq` is where to resume from."""
    assert dialogue.id is not None
    # Read before any rollback: a rollback expires the loaded rows, and reloading an expired
    # attribute outside an await is an error on an async session (it made every woken poll 500).
    dialogue_id, viewer = dialogue.id, access.viewer
    reader = ReaderClass(
        role=viewer.role,
        language=i18n.current_language(),
        timezone=access.user.timezone if access.user else "UTC",
    )
    doorbell: Doorbell = app_state(request).doorbell
    deadline = asyncio.get_running_loop().time() + wait
    covered = after
    while True:
        armed = doorbell.arm(dialogue_id) if wait > 0 else None
        events, covered = await read_events(
            session=session, dialogue_id=dialogue_id, after=covered, limit=limit, viewer=viewer
        )
        remaining = deadline - asyncio.get_running_loop().time()
        if events or armed is None or remaining <= 0:
            break
        # No transaction may stay open while waiting: on SQLite it would hold the write lock.
        await session.rollback()
        # Woken by events this caller may not see (another's pending post), it keeps waiting.
        if not await doorbell.wait(dialogue_id, remaining, armed):
            break
    fragments = app_state(request).hub.fragments
    assert fragments is not None, "the app's hub renders post fragments"
    out = await fragments.events_out(
        session=session,
        dialogue_id=dialogue_id,
        events=events,
        reader=reader,
        user_id=viewer.user_id,
    )
    return JSONResponse({"events": out, "last_seq": covered})
