"""The synthesis report's pages: the workflow page, each format's job with its progress, and
the editors' review list of quotes (a JSON job whose list is shown instead of a download).

A running job's page carries a refresh link, which is all a phone without JavaScript needs;
with JavaScript, `report-job.js` follows the job's JSON status and updates the bar itself.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, allow, queued_write
from dialogue.errors import NotFound
from dialogue.policy import Action
from dialogue.synthesis import jobs, quote_review
from dialogue.synthesis.dependencies import (
    own_job,
    own_quote_review,
    start_job,
    start_quote_review,
)
from dialogue.synthesis.models import ReportJob
from dialogue.synthesis.schemas import Format
from dialogue.web import report_published_pages, report_workflow_pages
from dialogue.web.report_view import workflow_page
from dialogue.web.templating import render

router = APIRouter(prefix="/d/{slug}/report", include_in_schema=False)
POLL_MS = 1000  # how often the script asks for a running job's progress


@router.get("")
async def report_page(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.REPORT_REVIEW)]
) -> Response:
    """Where the report stands, its narrative, comments, steps, formats and past versions."""
    return await workflow_page(request, session, access)


@router.post("/jobs")
@queued_write  # the job is queued in a session of its own: see `jobs.start_or_join`
async def start_report_job(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.REPORT_READ)],
    format: Annotated[Format, Form()],
) -> Response:
    """Start (or join) the job for this format and follow it on its own page."""
    return _follow(access, await start_job(request, access, session, format), "jobs")


@router.get("/jobs/{job_id}")
async def report_job_page(
    request: Request,
    session: SessionDep,
    job_id: str,
    access: Annotated[Access, allow(Action.REPORT_READ)],
) -> Response:
    shown = jobs.data(await own_job(session, access, job_id))
    return render(request, "reports/job.html", _following(access, shown, "jobs"))


@router.post("/quotes")
@queued_write  # the job is queued in a session of its own: see `jobs.start_or_join`
async def quote_review_start(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.REPORT_REVIEW)]
) -> Response:
    """Prepare the review list of quotes and follow it on its own page."""
    return _follow(access, await start_quote_review(request, access, session), "quotes")


@router.get("/quotes/{job_id}")
async def quote_review_page(
    request: Request,
    session: SessionDep,
    job_id: str,
    access: Annotated[Access, allow(Action.REPORT_REVIEW)],
) -> Response:
    """The list's progress, then its table; past `jobs.KEEP` it is gone (404), and the page
    says so and offers to prepare it again."""
    dialogue = access.require_dialogue()
    try:
        job = await own_quote_review(session, access, job_id)
    except NotFound:
        gone: dict[str, Any] = {"dialogue": dialogue, "job": None, "running": False}
        return render(request, "reports/quotes.html", gone, status_code=404)
    shown = await quote_review.answer(session, job)
    context = {**_following(access, shown, "quotes"), "quotes": shown["quotes"]}
    return render(request, "reports/quotes.html", context)


def _follow(access: Access, job: ReportJob, kind: str) -> RedirectResponse:
    """To the job's page: `kind` is `jobs` (a format's file) or `quotes` (the review list)."""
    slug = access.require_dialogue().slug
    return RedirectResponse(f"/d/{slug}/report/{kind}/{job.id}", status_code=303)


def _following(access: Access, shown: dict[str, Any], kind: str) -> dict[str, Any]:
    """What a job's page needs to show its progress and follow it (with or without script)."""
    slug = access.require_dialogue().slug
    return {
        "dialogue": access.require_dialogue(),
        "job": shown,
        "running": shown["state"] == "running",
        "poll_ms": POLL_MS,
        "status_url": f"/api/v1/dialogues/{slug}/report/{kind}/{shown['id']}",
        "refresh_url": f"/d/{slug}/report/{kind}/{shown['id']}",
    }


router.include_router(report_workflow_pages.router)
router.include_router(report_published_pages.router)
