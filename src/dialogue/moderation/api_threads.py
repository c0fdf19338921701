"""Thread moderation route."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from dialogue.access import Access, SessionDep, allow
from dialogue.moderation import threads as thread_moderation
from dialogue.moderation.schemas import ThreadModerated, ThreadModerationIn
from dialogue.paths import ThreadDep
from dialogue.policy import Action
from dialogue.threads.presenters import iso

router = APIRouter()


@router.post("/threads/{thread_id}/moderation", response_model=ThreadModerated)
async def moderate_thread(
    body: ThreadModerationIn,
    session: SessionDep,
    thread: ThreadDep,
    access: Annotated[Access, allow(Action.THREAD_MODERATE)],
) -> dict[str, Any]:
    thread = await thread_moderation.moderate_thread(
        session=session,
        dialogue=access.require_dialogue(),
        thread=thread,
        actor=access.require_user(),
        action=body.action,
        reason=body.reason,
        theme_id=body.theme_id,
        clause=body.clause,
    )
    return {
        "id": thread.id,
        "theme_id": thread.theme_id,
        "locked": thread.locked,
        "pinned": thread.pinned,
        "status": thread.status,
        "last_activity_at": iso(thread.last_activity_at),
    }
