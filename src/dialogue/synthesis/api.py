"""Report routes: download in six formats, jobs with progress, narrative, comments, sign-off."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from dialogue.access import Access, SessionDep, allow, end_read, queued_write
from dialogue.dialogues.models import Dialogue
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict
from dialogue.i18n import gettext as _
from dialogue.leases import WorkState
from dialogue.paths import path_dialogue
from dialogue.policy import Action, Role
from dialogue.state import app_state
from dialogue.synthesis import history, jobs, pipeline, quote_review, signoff
from dialogue.synthesis import service as reports
from dialogue.synthesis.dependencies import (
    options_for,
    own_job,
    own_quote_review,
    start_job,
    start_quote_review,
)
from dialogue.synthesis.render.registry import REPORT_FORMATS
from dialogue.synthesis.schemas import (
    AudienceIn,
    CommentIn,
    CommentList,
    CommentPublic,
    Format,
    JobIn,
    JobPublic,
    NarrativeIn,
    NarrativePublic,
    QuoteReviewPublic,
    ReviewPublic,
    TimelineList,
    TransitionIn,
    VersionList,
)

# The dependency declares the `slug` in the prefix for every route of the report.
router = APIRouter(
    prefix="/dialogues/{slug}/report", tags=["reports"], dependencies=[Depends(path_dialogue)]
)
# A report file in one of the six formats (`Format`), downloaded as an attachment. The JSON
# format is the report document itself, an object (its shape: docs/report-schema.json);
# the others are files whose bytes are the answer.
REPORT_DOCUMENT = {
    "type": "object",
    "description": "The report document (docs/report-schema.json).",
}
REPORT_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report file.",
        "content": {
            media: {
                "schema": REPORT_DOCUMENT
                if media == "application/json"
                else {"type": "string", "format": "binary"}
            }
            for media in {report.media_type.split(";")[0] for report in REPORT_FORMATS.values()}
        },
    }
}


def file_response(dialogue: Dialogue, fmt: str, body: bytes) -> Response:
    report = REPORT_FORMATS[fmt]
    filename = f"{dialogue.slug}-report.{report.extension}"
    return Response(
        body,
        media_type=report.media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("", response_class=Response, responses=REPORT_FILE)
async def get_report(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.REPORT_READ)],
    format: Annotated[Format, Query()] = "html",
) -> Response:
    job = await start_job(request, access, session, format)
    await end_read(session)  # a render can take long: no connection is held meanwhile
    dialogue = access.require_dialogue()
    assert dialogue.id is not None
    body = await jobs.wait(
        database=app_state(request).database, job_id=job.id, dialogue_id=dialogue.id
    )
    return file_response(dialogue, format, body)


@router.post("/jobs", status_code=202, response_model=JobPublic)
@queued_write  # the job is queued in a session of its own: see `jobs.start_or_join`
async def create_job(
    request: Request,
    body: JobIn,
    session: SessionDep,
    access: Annotated[Access, allow(Action.REPORT_READ)],
) -> dict[str, Any]:
    job = await start_job(request, access, session, body.format)
    return jobs.data(job)


@router.get("/jobs/{job_id}", response_model=JobPublic)
async def job_status(
    session: SessionDep, job_id: str, access: Annotated[Access, allow(Action.REPORT_READ)]
) -> dict[str, Any]:
    job = await own_job(session, access, job_id)
    return jobs.data(job)


@router.get("/jobs/{job_id}/file", response_class=Response, responses=REPORT_FILE)
async def job_file(
    session: SessionDep, job_id: str, access: Annotated[Access, allow(Action.REPORT_READ)]
) -> Response:
    job = await own_job(session, access, job_id)
    body = (
        await jobs.result(session=session, job_id=job.id) if job.state == WorkState.DONE else None
    )
    if body is None:
        raise Conflict(_("The report is not ready yet."), code=ErrorCode.NOT_READY)
    return file_response(access.require_dialogue(), job.format, body)


@router.get("/published", response_class=Response, responses=REPORT_FILE)
async def published(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.REPORT_DOWNLOAD)],
    format: Annotated[Format, Query()] = "html",
) -> Response:
    dialogue = access.require_dialogue()
    options = options_for(request)
    _snapshot, document = await signoff.published_document(
        session=session, dialogue=dialogue, role=access.role, options=options
    )
    body = await pipeline.snapshot_report(document=document, fmt=format, options=options)
    return file_response(dialogue, format, body)


async def _review(session: SessionDep, dialogue: Dialogue) -> dict[str, Any]:
    assert dialogue.id is not None
    report = await reports.get_report(session=session, dialogue=dialogue)
    approvals = await reports.approvals(session=session, report=report)
    advisors = await reports.has_advisors(session=session, dialogue_id=dialogue.id)
    return reports.review_data(report, approvals, advisors)


@router.get("/review", response_model=ReviewPublic)
async def review(
    session: SessionDep, access: Annotated[Access, allow(Action.REPORT_REVIEW)]
) -> dict[str, Any]:
    data = await _review(session, access.require_dialogue())
    return data


@router.post("/quotes", status_code=202, response_model=QuoteReviewPublic)
@queued_write  # the job is queued in a session of its own: see `jobs.start_or_join`
async def create_quote_review(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.REPORT_REVIEW)]
) -> dict[str, Any]:
    """Start (or join) the editors' review list of quotes; follow it at `/quotes/{job_id}`.
    409 `report_locked` once published (the list is kept only while the report is reviewed)."""
    job = await start_quote_review(request, access, session)
    return await quote_review.answer(session, job)


@router.get("/quotes/{job_id}", response_model=QuoteReviewPublic)
async def quote_review_list(
    session: SessionDep, job_id: str, access: Annotated[Access, allow(Action.REPORT_REVIEW)]
) -> dict[str, Any]:
    """The list's progress, then every quote as printed with what was redacted and why;
    404 once the job is older than ten minutes (the list is not kept)."""
    job = await own_quote_review(session, access, job_id)
    return await quote_review.answer(session, job)


@router.post("/transitions", response_model=ReviewPublic)
async def transition(
    request: Request,
    body: TransitionIn,
    session: SessionDep,
    access: Annotated[Access, allow(Action.REPORT_REVIEW)],
) -> dict[str, Any]:
    dialogue = access.require_dialogue()
    role = access.role
    assert role is not None
    snapshot = await signoff.snapshot_for(
        session=session,
        dialogue=dialogue,
        role=Role(role),
        to=body.to,
        options=options_for(request),
    )
    await reports.transition(
        session=session,
        dialogue=dialogue,
        actor=access.require_user(),
        role=Role(role),
        to=body.to,
        note=body.note,
        snapshot=snapshot,
    )
    data_out = await _review(session, dialogue)
    return data_out


@router.put("/audience", response_model=ReviewPublic)
async def set_audience(
    body: AudienceIn, session: SessionDep, access: Annotated[Access, allow(Action.REPORT_PUBLISH)]
) -> dict[str, Any]:
    dialogue = access.require_dialogue()
    await reports.set_audience(
        session=session, dialogue=dialogue, actor=access.require_user(), audience=body.audience
    )
    data = await _review(session, dialogue)
    return data


def narrative_data(report: Any) -> dict[str, Any]:
    return {
        "executive_summary": report.executive_summary,
        "introduction": report.introduction,
        "recommendations": report.recommendations,
        "theme_summaries": dict(report.theme_summaries or {}),
        "state": report.state,
        "updated_at": report.updated_at.isoformat(),
    }


@router.get("/narrative", response_model=NarrativePublic)
async def get_narrative(
    session: SessionDep, access: Annotated[Access, allow(Action.REPORT_REVIEW)]
) -> dict[str, Any]:
    report = await reports.get_report(session=session, dialogue=access.require_dialogue())
    return narrative_data(report)


@router.put("/narrative", response_model=NarrativePublic)
async def put_narrative(
    body: NarrativeIn, session: SessionDep, access: Annotated[Access, allow(Action.REPORT_EDIT)]
) -> dict[str, Any]:
    report = await reports.update_narrative(
        session=session,
        dialogue=access.require_dialogue(),
        actor=access.require_user(),
        executive_summary=body.executive_summary,
        recommendations=body.recommendations,
        theme_summaries=body.theme_summaries,
        introduction=body.introduction,
    )
    data = narrative_data(report)
    return data


@router.get("/comments", response_model=CommentList)
async def list_comments(
    session: SessionDep, access: Annotated[Access, allow(Action.REPORT_REVIEW)]
) -> dict[str, Any]:
    rows = await reports.list_comments(session=session, dialogue=access.require_dialogue())
    return {"items": [comment_data(c, u) for c, u in rows]}


def comment_data(comment: Any, author: Any) -> dict[str, Any]:
    return {
        "id": comment.id,
        "body": comment.body,
        "theme_id": comment.theme_id,
        "section": comment.section,
        "author": {"id": author.id, "display_name": author.display_name} if author else None,
        "created_at": comment.created_at.isoformat(),
    }


@router.post("/comments", status_code=201, response_model=CommentPublic)
async def add_comment(
    body: CommentIn, session: SessionDep, access: Annotated[Access, allow(Action.REPORT_REVIEW)]
) -> JSONResponse:
    user = access.require_user()
    comment = await reports.add_comment(
        session=session,
        dialogue=access.require_dialogue(),
        actor=user,
        body=body.body,
        theme_id=body.theme_id,
        section=body.section,
    )
    data = comment_data(comment, user)
    return JSONResponse(data, status_code=201)


@router.get("/versions", response_model=VersionList)
async def list_versions(
    session: SessionDep, access: Annotated[Access, allow(Action.REPORT_REVIEW)]
) -> dict[str, Any]:
    """Every saved version of the narrative, newest first."""
    report = await reports.get_report(session=session, dialogue=access.require_dialogue())
    rows = await history.revisions(session=session, report=report)
    return {"items": [version_data(r, u) for r, u in rows]}


def version_data(revision: Any, author: Any) -> dict[str, Any]:
    return {
        "version": revision.version,
        "review_round": revision.review_round,
        "executive_summary": revision.executive_summary,
        "introduction": revision.introduction,
        "recommendations": revision.recommendations,
        "theme_summaries": dict(revision.theme_summaries or {}),
        "author": {"id": author.id, "display_name": author.display_name} if author else None,
        "created_at": revision.created_at.isoformat(),
    }


@router.get("/timeline", response_model=TimelineList)
async def get_timeline(
    session: SessionDep, access: Annotated[Access, allow(Action.REPORT_REVIEW)]
) -> dict[str, Any]:
    """Who did what to the report, and when, oldest first."""
    dialogue = access.require_dialogue()
    assert dialogue.id is not None
    report = await reports.get_report(session=session, dialogue=dialogue)
    steps = await history.timeline(session=session, report=report, dialogue_id=dialogue.id)
    return {
        "items": [
            {
                "at": step.at.isoformat(),
                "action": step.action,
                "actor": step.actor,
                "note": step.note,
                "detail": step.detail,
            }
            for step in steps
        ]
    }
