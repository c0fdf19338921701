"""Audit log, transparency figures, authors' notices, appeals and unmask request routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from dialogue.access import Access, SessionDep, allow
from dialogue.bounds import DbId, DbInt
from dialogue.moderation import appeals, audit, notices, transparency, unmask
from dialogue.moderation.api_people import audit_entry_data
from dialogue.moderation.models import AppealStatus
from dialogue.moderation.schemas import (
    AppealCreated,
    AppealDecided,
    AppealDecisionIn,
    AppealIn,
    AppealList,
    AuditPage,
    NoticeList,
    TransparencyFigures,
    UnmaskDecisionIn,
    UnmaskIn,
    UnmaskList,
    UnmaskRequestPublic,
)
from dialogue.paths import DialogueDep, PostDep
from dialogue.policy import Action, hidden_audit_targets

router = APIRouter()
Id = Annotated[DbId, Path()]


@router.get(
    "/dialogues/{slug}/audit-log",
    response_model=AuditPage,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def audit_log(
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.AUDIT_READ)],
    action: Annotated[str | None, Query(max_length=40)] = None,
    actor_id: Annotated[DbId | None, Query()] = None,
    target_type: Annotated[str | None, Query(max_length=20)] = None,
    target_id: Annotated[DbId | None, Query()] = None,
    before_id: Annotated[DbId | None, Query()] = None,
    limit: Annotated[DbInt, Query(ge=1, le=audit.MAX_PAGE)] = 100,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> dict[str, Any] | Response:
    """Newest first; `format=csv` downloads the filtered log."""
    filters = audit.AuditFilter(
        action=action,
        actor_id=actor_id,
        target_type=target_type,
        target_id=target_id,
        before_id=before_id,
        hidden_targets=hidden_audit_targets(access.can),
    )
    entries = await audit.list_entries(
        session=session, dialogue_id=dialogue.id or 0, filters=filters, limit=limit
    )
    if format == "csv":
        return Response(
            audit.entries_csv(entries),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{dialogue.slug}-audit.csv"'},
        )
    last = entries[-1].id if len(entries) == limit else None
    return {"items": [audit_entry_data(e) for e in entries], "next": last}


@router.get("/dialogues/{slug}/transparency", response_model=TransparencyFigures)
async def transparency_figures(
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.DIALOGUE_READ)],
) -> dict[str, Any]:
    figures = await transparency.figures(session=session, dialogue_id=dialogue.id or 0)
    return {"slug": dialogue.slug, **figures.model_dump()}


@router.get("/me/notices", response_model=NoticeList)
async def my_notices(
    session: SessionDep, access: Annotated[Access, allow(Action.SIGNED_IN)]
) -> dict[str, Any]:
    rows = await notices.list_notices(session=session, user_id=access.require_user().id or 0)
    return {"items": [notices.notice_data(n, a) for n, a in rows]}


@router.post("/me/notices/{notice_id}/appeal", status_code=201, response_model=AppealCreated)
async def appeal_notice(
    notice_id: Id,
    body: AppealIn,
    session: SessionDep,
    access: Annotated[Access, allow(Action.SIGNED_IN)],
) -> dict[str, Any]:
    appeal = await appeals.create_appeal(
        session=session, notice_id=notice_id, user=access.require_user(), note=body.note
    )
    return {"id": appeal.id, "notice_id": appeal.notice_id, "status": appeal.status}


@router.get("/dialogues/{slug}/appeals", response_model=AppealList)
async def list_appeals(
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.AUDIT_READ)],
    status: Annotated[str | None, Query(pattern="^(open|upheld|overturned)$")] = None,
) -> dict[str, Any]:
    rows = await appeals.list_appeals(session=session, dialogue_id=dialogue.id or 0, status=status)
    return {"items": [appeals.appeal_data(a, n) for a, n in rows]}


@router.post("/dialogues/{slug}/appeals/{appeal_id}/decision", response_model=AppealDecided)
async def decide_appeal(
    appeal_id: Id,
    body: AppealDecisionIn,
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.APPEAL_DECIDE)],
) -> dict[str, Any]:
    appeal = await appeals.decide_appeal(
        session=session,
        dialogue=dialogue,
        appeal_id=appeal_id,
        actor=access.require_user(),
        outcome=AppealStatus(body.outcome),
        note=body.note,
    )
    return {"id": appeal.id, "status": appeal.status, "decision_note": appeal.decision_note}


@router.post("/posts/{post_id}/unmask", status_code=201, response_model=UnmaskRequestPublic)
async def request_unmask(
    body: UnmaskIn,
    session: SessionDep,
    post: PostDep,
    access: Annotated[Access, allow(Action.AUTHOR_UNMASK)],
) -> dict[str, Any]:
    request = await unmask.request_unmask(
        session=session, post=post, actor=access.require_user(), reason=body.reason
    )
    return await unmask.request_data(
        session=session, request=request, post=post, viewer_id=access.require_user().id
    )


@router.get("/posts/{post_id}/unmask", response_model=UnmaskList)
async def list_unmask(
    session: SessionDep, post: PostDep, access: Annotated[Access, allow(Action.AUTHOR_UNMASK)]
) -> dict[str, Any]:
    rows = await unmask.list_requests(session=session, post=post)
    viewer = access.require_user().id
    return {
        "items": [
            await unmask.request_data(session=session, request=r, post=post, viewer_id=viewer)
            for r in rows
        ]
    }


@router.post("/posts/{post_id}/unmask/{request_id}/decision", response_model=UnmaskRequestPublic)
async def decide_unmask(
    request_id: Id,
    body: UnmaskDecisionIn,
    session: SessionDep,
    post: PostDep,
    access: Annotated[Access, allow(Action.AUTHOR_UNMASK)],
) -> dict[str, Any]:
    actor = access.require_user()
    request = await unmask.decide_unmask(
        session=session,
        post=post,
        request_id=request_id,
        actor=actor,
        approve=body.approve,
        note=body.note,
    )
    return await unmask.request_data(
        session=session, request=request, post=post, viewer_id=actor.id
    )
