"""Moderation pages: the queue (keyboard-driven), audit log, transparency, appeals.

Every form posts to a page route and is redirected back (POST, then 303); the queue's
keyboard script calls the JSON API instead, so a moderator never waits for a page load.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, SettingsDep, allow
from dialogue.bounds import DbId, DbInt
from dialogue.moderation import (
    actions,
    appeals,
    audit,
    audit_view,
    flags,
    handover,
    queue,
    transparency,
)
from dialogue.moderation.clauses import current_clauses
from dialogue.moderation.models import AppealStatus, FlagStatus
from dialogue.policy import Action, hidden_audit_targets
from dialogue.web import (
    advisory_pages,
    codebook_pages,
    concern_pages,
    invitation_pages,
    member_pages,
    moderation_tools,
    note_pages,
    unmask_pages,
)
from dialogue.web.templating import render

router = APIRouter(include_in_schema=False)
Id = Annotated[DbId, Path()]
Reason = Annotated[str, Form(max_length=2000)]


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/d/{slug}/moderation")
async def queue_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.QUEUE_READ)],
) -> Response:
    dialogue = access.require_dialogue()
    seq = dialogue.last_seq  # read first: events after it are news to this page
    items = await queue.list_queue(session=session, dialogue_id=dialogue.id or 0)
    for item in items:  # shown in the moderator's own zone and language
        item["queued_at_time"] = datetime.fromisoformat(item["queued_at"])
    clauses = await current_clauses(session=session, dialogue=dialogue)
    waiting = handover.waited_too_long(items, minutes=settings.queue_alert_minutes)
    return render(
        request,
        "moderation/queue.html",
        {
            "dialogue": dialogue,
            "items": items,
            "clauses": clauses,
            "seq": seq,
            "waiting": waiting,
            "alert_minutes": settings.queue_alert_minutes,
        },
    )


@router.post("/d/{slug}/moderation/posts/{post_id}")
async def moderate_post_form(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.POST_MODERATE)],
    action: Annotated[actions.PostAction, Form()],
    reason: Reason = "",
    clause: Annotated[str, Form(max_length=20)] = "",
    return_to: Annotated[Literal["queue", "thread"], Form()] = "queue",
    after_id: Annotated[DbInt | None, Form()] = None,
) -> Response:
    """From the queue, or (`return_to=thread`) from the post itself on its thread page."""
    if return_to == "thread":
        return await moderation_tools.moderate_in_thread(
            request, session, access, action=action, reason=reason, clause=clause, after_id=after_id
        )
    dialogue = access.require_dialogue()
    await actions.moderate_post(
        session=session,
        dialogue=dialogue,
        post=access.require_post(),
        actor=access.require_user(),
        action=action,
        reason=reason,
        clause=clause or None,
    )
    return _back(f"/d/{dialogue.slug}/moderation")


@router.post("/d/{slug}/moderation/posts/{post_id}/flags")
async def settle_flags_form(
    session: SessionDep,
    access: Annotated[Access, allow(Action.POST_MODERATE)],
    outcome: Annotated[FlagStatus, Form()],
    note: Reason = "",
) -> Response:
    dialogue = access.require_dialogue()
    await flags.settle_flags(
        session=session,
        dialogue=dialogue,
        post=access.require_post(),
        actor=access.require_user(),
        outcome=outcome,
        note=note,
    )
    return _back(f"/d/{dialogue.slug}/moderation")


@router.get("/d/{slug}/moderation/audit")
async def audit_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.AUDIT_READ)],
    action: Annotated[str | None, Query(max_length=40)] = None,
    actor_id: Annotated[DbId | None, Query()] = None,
    target_type: Annotated[str | None, Query(max_length=20)] = None,
    target_id: Annotated[DbId | None, Query()] = None,
) -> Response:
    dialogue = access.require_dialogue()
    filters = audit.AuditFilter(
        action=action or None,
        actor_id=actor_id,
        target_type=target_type or None,
        target_id=target_id,
        hidden_targets=hidden_audit_targets(access.can),
    )
    entries = await audit.list_entries(
        session=session, dialogue_id=dialogue.id or 0, filters=filters, limit=audit.MAX_PAGE
    )
    query = str(request.url.query)
    return render(
        request,
        "moderation/audit.html",
        {
            "dialogue": dialogue,
            "rows": await audit_view.audit_rows(session=session, entries=entries),
            "filters": filters,
            "csv_url": f"/api/v1/dialogues/{dialogue.slug}/audit-log?format=csv"
            + (f"&{query}" if query else ""),
        },
    )


@router.get("/d/{slug}/transparency")
async def transparency_page(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.DIALOGUE_READ)]
) -> Response:
    dialogue = access.require_dialogue()
    figures = await transparency.figures(session=session, dialogue_id=dialogue.id or 0)
    return render(
        request, "moderation/transparency.html", {"dialogue": dialogue, "figures": figures}
    )


@router.get("/notices")
async def notices_moved(_access: Annotated[Access, allow(Action.PUBLIC)]) -> Response:
    """The notices became the notifications page; old links and bookmarks still arrive."""
    return RedirectResponse("/notifications", status_code=308)


@router.post("/notices/{notice_id}/appeal")
async def appeal_form(
    notice_id: Id,
    session: SessionDep,
    access: Annotated[Access, allow(Action.SIGNED_IN)],
    note: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    await appeals.create_appeal(
        session=session, notice_id=notice_id, user=access.require_user(), note=note
    )
    return _back(f"/notifications#notice-{notice_id}")


@router.get("/d/{slug}/moderation/appeals")
async def appeals_page(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.AUDIT_READ)]
) -> Response:
    dialogue = access.require_dialogue()
    rows = await appeals.list_appeals(session=session, dialogue_id=dialogue.id or 0)
    return render(
        request,
        "moderation/appeals.html",
        {
            "dialogue": dialogue,
            "appeals": [appeals.appeal_data(a, n) | {"actor_id": n.actor_id} for a, n in rows],
            "may_decide": access.can(Action.APPEAL_DECIDE),
        },
    )


@router.post("/d/{slug}/moderation/appeals/{appeal_id}")
async def appeal_decision_form(
    appeal_id: Id,
    session: SessionDep,
    access: Annotated[Access, allow(Action.APPEAL_DECIDE)],
    outcome: Annotated[AppealStatus, Form()],
    note: Reason = "",
) -> Response:
    dialogue = access.require_dialogue()
    await appeals.decide_appeal(
        session=session,
        dialogue=dialogue,
        appeal_id=appeal_id,
        actor=access.require_user(),
        outcome=outcome,
        note=note,
    )
    return _back(f"/d/{dialogue.slug}/moderation/appeals")


# The unmask, member and invitation pages, the thread page's tools, the codebook and the
# concerns page live in their own modules, among the moderation pages.
router.include_router(unmask_pages.router)
router.include_router(member_pages.router)
router.include_router(invitation_pages.router)
router.include_router(moderation_tools.router)
router.include_router(codebook_pages.router)
router.include_router(concern_pages.router)
router.include_router(advisory_pages.router)
router.include_router(note_pages.router)
