"""Concern routes: a member raises one and follows their own; organizers and advisors handle all."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request

from dialogue.access import Access, SessionDep, SettingsDep, allow
from dialogue.moderation import concerns
from dialogue.moderation.oversight_models import Concern
from dialogue.moderation.schemas import ConcernIn, ConcernList, ConcernPublic, ConcernUpdateIn
from dialogue.paths import ConcernDep, DialogueDep
from dialogue.policy import Action, ConcernStatus
from dialogue.state import app_state

router = APIRouter()


@router.post("/dialogues/{slug}/concerns", status_code=201, response_model=ConcernPublic)
async def raise_concern(
    request: Request,
    body: ConcernIn,
    session: SessionDep,
    settings: SettingsDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.CONCERN_RAISE)],
) -> dict[str, Any]:
    """Confidential: seen by organizers, advisors and its raiser; no event is sent. It names
    only a member the raiser can see by name, and answers alike for anyone else."""
    user = access.require_user()
    await app_state(request).limits.concerns.hit_from(request, account=user.id)
    concern = await concerns.raise_concern(
        session=session,
        dialogue=dialogue,
        raiser=user,
        body=body.body,
        about_user_id=body.about_user_id,
        sees_members=access.can(Action.MEMBERS_READ),
        mail=settings,
    )
    return await _one(session, access, concern)


@router.get("/dialogues/{slug}/concerns", response_model=ConcernList)
async def list_concerns(
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.CONCERN_RAISE)],
) -> dict[str, Any]:
    """Every concern for organizers and advisors; a member's own for everyone else."""
    handles = access.can(Action.CONCERN_HANDLE)
    viewer = access.require_user().id
    found = await concerns.list_concerns(
        session=session, dialogue_id=dialogue.id or 0, raised_by=None if handles else viewer
    )
    shown = await concerns.views(session=session, concerns=found, viewer_id=viewer, handles=handles)
    return {"items": [concerns.concern_data(v, handles=handles) for v in shown]}


@router.patch("/concerns/{concern_id}", response_model=ConcernPublic)
async def update_concern(
    body: ConcernUpdateIn,
    session: SessionDep,
    concern: ConcernDep,
    access: Annotated[Access, allow(Action.CONCERN_HANDLE)],
) -> dict[str, Any]:
    """Acknowledge or resolve (with an outcome its raiser is told)."""
    concern = await concerns.move_concern(
        session=session,
        dialogue=access.require_dialogue(),
        concern=concern,
        actor=access.require_user(),
        status=ConcernStatus(body.status),
        outcome=body.outcome,
    )
    return await _one(session, access, concern)


async def _one(session: SessionDep, access: Access, concern: Concern) -> dict[str, Any]:
    handles = access.can(Action.CONCERN_HANDLE)
    [view] = await concerns.views(
        session=session, concerns=[concern], viewer_id=access.require_user().id, handles=handles
    )
    return concerns.concern_data(view, handles=handles)
