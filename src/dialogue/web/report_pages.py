"""The synthesis report's pages: the workflow page, and each format's job with its progress.

A running job's page carries a refresh link, which is all a phone without JavaScript needs;
with JavaScript, `report-job.js` follows the job's JSON status and updates the bar itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, allow, queued_write
from dialogue.policy import Action
from dialogue.synthesis import jobs
from dialogue.synthesis.dependencies import own_job, start_job
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
    job = await start_job(request, access, session, format)
    slug = access.require_dialogue().slug
    return RedirectResponse(f"/d/{slug}/report/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}")
async def report_job_page(
    request: Request,
    session: SessionDep,
    job_id: str,
    access: Annotated[Access, allow(Action.REPORT_READ)],
) -> Response:
    shown = jobs.data(await own_job(session, access, job_id))
    return render(
        request,
        "reports/job.html",
        {
            "dialogue": access.require_dialogue(),
            "job": shown,
            "running": shown["state"] == "running",
            "poll_ms": POLL_MS,
        },
    )


router.include_router(report_workflow_pages.router)
router.include_router(report_published_pages.router)
