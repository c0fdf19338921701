"""The advisory council's dashboard: what the women's-rights advisors review, on one page.

Open concerns (with their reminders), recent moderation decisions with their reasons,
clauses and the advisors' comments, appeals and their outcomes, unmask requests (never
whom they revealed), the report waiting for review, and the advisors' questions to the
organizers. Comments and questions are audit entries; a question also notifies organizers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, SettingsDep, allow
from dialogue.bounds import DbId
from dialogue.errors import DialogueError
from dialogue.moderation import advisory, appeals, concerns, unmask
from dialogue.policy import Action, ConcernStatus
from dialogue.synthesis import service as reports
from dialogue.threads.views import parse_time
from dialogue.transaction import attempt
from dialogue.web.templating import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=advisory.MAX_TEXT)]


def page_url(slug: str, anchor: str = "") -> str:
    return f"/d/{slug}/advisory" + (f"#{anchor}" if anchor else "")


async def _page(
    request: Request,
    session: SessionDep,
    access: Access,
    settings: SettingsDep,
    *,
    error: str | None = None,
    refused: str | None = None,
    status_code: int = 200,
) -> Response:
    dialogue = access.require_dialogue()
    dialogue_id = dialogue.id or 0
    found = await concerns.list_concerns(session=session, dialogue_id=dialogue_id, raised_by=None)
    handles = access.can(Action.CONCERN_HANDLE)
    unresolved = [c for c in found if c.status != ConcernStatus.RESOLVED]
    overdue = await concerns.overdue(
        session=session,
        dialogue_id=dialogue_id,
        older_than=timedelta(hours=settings.concern_reminder_hours),
    )
    # Nobody's identity is revealed here, whoever reads: no viewer is one of the two deciders.
    requests = await unmask.dialogue_requests(
        session=session, dialogue_id=dialogue_id, viewer_id=None
    )
    for row in requests:
        row["created"], row["decided"] = (
            parse_time(row["created_at"]),
            parse_time(row["decided_at"]),
        )
    report = await reports.get_report(session=session, dialogue=dialogue)
    context: dict[str, Any] = {
        "dialogue": dialogue,
        "handles": handles,
        "concerns": await concerns.views(
            session=session,
            concerns=unresolved,
            viewer_id=access.require_user().id,
            handles=handles,
        ),
        "overdue_ids": {c.id for c in overdue},
        "reminder_hours": settings.concern_reminder_hours,
        "decisions": await advisory.recent_decisions(session=session, dialogue_id=dialogue_id),
        "appeals": [
            appeals.appeal_data(a, n)
            for a, n in await appeals.list_appeals(session=session, dialogue_id=dialogue_id)
        ],
        "unmask_requests": requests,
        "report_state": report.state,
        "questions": await advisory.questions(session=session, dialogue_id=dialogue_id),
        "may_comment": access.can(Action.DECISION_COMMENT),
        "may_ask": access.can(Action.ADVISORY_ASK),
        "error": error,
        "refused": refused,
    }
    return render(request, "moderation/advisory.html", context, status_code=status_code)


@router.get("/d/{slug}/advisory")
async def advisory_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.ADVISORY_READ)],
) -> Response:
    return await _page(request, session, access, settings)


@router.post("/d/{slug}/advisory/questions")
async def question_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.ADVISORY_ASK)],
    question: Text = "",
) -> Response:
    dialogue = access.require_dialogue()
    try:
        async with attempt(session):
            entry = await advisory.ask_organizers(
                session=session,
                dialogue=dialogue,
                advisor=access.require_user(),
                question=question,
                mail=settings,
            )
    except DialogueError as exc:
        return await _page(
            request,
            session,
            access,
            settings,
            error=exc.message,
            refused="question",
            status_code=exc.status,
        )
    return RedirectResponse(page_url(dialogue.slug, f"question-{entry.id}"), status_code=303)


@router.post("/d/{slug}/advisory/decisions/{entry_id}/comments")
async def comment_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.DECISION_COMMENT)],
    entry_id: Annotated[DbId, Path()],
    comment: Text = "",
) -> Response:
    dialogue = access.require_dialogue()
    try:
        async with attempt(session):
            await advisory.comment_on_decision(
                session=session,
                dialogue=dialogue,
                advisor=access.require_user(),
                entry_id=entry_id,
                comment=comment,
            )
    except DialogueError as exc:
        if exc.status == 404:
            raise
        return await _page(
            request,
            session,
            access,
            settings,
            error=exc.message,
            refused=f"decision-{entry_id}",
            status_code=exc.status,
        )
    return RedirectResponse(page_url(dialogue.slug, f"decision-{entry_id}"), status_code=303)
