"""The report workflow's forms: narrative (preview or save), review comments, steps, audience.

Each posts here, then goes back to the report page (303); a refusal shows the page again
with the reason and what was typed, in the status the API would answer.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from dialogue.access import Access, SessionDep, allow
from dialogue.bounds import DbId
from dialogue.errors import DialogueError
from dialogue.i18n import gettext as _
from dialogue.policy import Action, Role
from dialogue.synthesis import service as reports
from dialogue.synthesis import signoff
from dialogue.synthesis.dependencies import options_for
from dialogue.synthesis.models import ReportAudience, ReportSection, ReportState
from dialogue.synthesis.schemas import NarrativeIn
from dialogue.transaction import attempt
from dialogue.web.report_view import Draft, workflow_page

router = APIRouter()
THEME_FIELD = re.compile(r"theme_summaries\[(\d{1,18})\]")
Note = Annotated[str, Form(max_length=5000)]


def _back(slug: str, anchor: str) -> RedirectResponse:
    return RedirectResponse(f"/d/{slug}/report#{anchor}", status_code=303)


def _draft(form: dict[str, str]) -> Draft:
    """The narrative as the form sent it: every part, a theme's under `theme_summaries[ID]`."""
    themes = {m.group(1): v for k, v in form.items() if (m := THEME_FIELD.fullmatch(k))}
    return Draft(
        executive_summary=form.get("executive_summary", ""),
        introduction=form.get("introduction", ""),
        recommendations=form.get("recommendations", ""),
        theme_summaries=themes,
    )


@router.post("/narrative")
async def save_narrative(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.REPORT_EDIT)]
) -> Response:
    """Preview shows the Markdown as the report will (nothing saved); save keeps a version."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    draft = _draft(form)
    if "preview" in form:
        return await workflow_page(request, session, access, draft=draft, preview=True)
    if draft.empty:
        message = _("Write at least one part of the narrative before saving.")
        return await workflow_page(
            request, session, access, draft=draft, error=message, status_code=422
        )
    try:
        body = NarrativeIn.model_validate(
            {
                "executive_summary": draft.executive_summary,
                "introduction": draft.introduction,
                "recommendations": draft.recommendations,
                "theme_summaries": {int(k): v for k, v in draft.theme_summaries.items()},
            }
        )
    except ValidationError:
        message = _("A part of the narrative is too long or holds characters it may not.")
        return await workflow_page(
            request, session, access, draft=draft, error=message, status_code=422
        )
    try:
        async with attempt(session):
            await reports.update_narrative(
                session=session,
                dialogue=access.require_dialogue(),
                actor=access.require_user(),
                executive_summary=body.executive_summary,
                introduction=body.introduction,
                recommendations=body.recommendations,
                theme_summaries=body.theme_summaries,
            )
    except DialogueError as exc:
        return await workflow_page(
            request, session, access, draft=draft, error=exc.message, status_code=exc.status
        )
    return _back(access.require_dialogue().slug, "narrative")


@router.post("/comments")
async def add_comment(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.REPORT_REVIEW)],
    body: Annotated[str, Form(max_length=20_000)],
    section: Annotated[ReportSection, Form()] = ReportSection.GENERAL,
    theme_id: Annotated[DbId | None, Form()] = None,
) -> Response:
    if not body.strip():
        message = _("Write your comment before sending it.")
        return await workflow_page(request, session, access, error=message, status_code=422)
    try:
        async with attempt(session):
            await reports.add_comment(
                session=session,
                dialogue=access.require_dialogue(),
                actor=access.require_user(),
                body=body.strip(),
                theme_id=theme_id,
                section=section,
            )
    except DialogueError as exc:
        return await workflow_page(
            request, session, access, error=exc.message, status_code=exc.status
        )
    return _back(access.require_dialogue().slug, "comments")


@router.post("/transitions")
async def move_report(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.REPORT_REVIEW)],
    to: Annotated[ReportState, Form()],
    note: Note = "",
    audience: Annotated[ReportAudience | None, Form()] = None,
) -> Response:
    """One sign-off step; publishing also sets who may read the published report."""
    dialogue = access.require_dialogue()
    role = access.role
    assert role is not None
    try:
        snapshot = await signoff.snapshot_for(
            session=session, dialogue=dialogue, role=Role(role), to=to, options=options_for(request)
        )
        async with attempt(session):
            await reports.transition(
                session=session,
                dialogue=dialogue,
                actor=access.require_user(),
                role=Role(role),
                to=to,
                note=note.strip(),
                snapshot=snapshot,
            )
            if audience is not None and to == ReportState.PUBLISHED:
                await reports.set_audience(
                    session=session,
                    dialogue=dialogue,
                    actor=access.require_user(),
                    audience=audience,
                )
    except DialogueError as exc:
        return await workflow_page(
            request, session, access, error=exc.message, status_code=exc.status
        )
    return _back(dialogue.slug, "status")


@router.post("/audience")
async def set_audience(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.REPORT_PUBLISH)],
    audience: Annotated[ReportAudience, Form()],
) -> Response:
    """Who may read the published report: reviewers only, every member, or anyone."""
    await reports.set_audience(
        session=session,
        dialogue=access.require_dialogue(),
        actor=access.require_user(),
        audience=audience,
    )
    return _back(access.require_dialogue().slug, "status")
