"""The synthesis report's page: start a format, watch its progress, download it.

Progress refreshes with a plain `<meta http-equiv="refresh">` while the job runs, so it
works without JavaScript on any phone.
"""

from __future__ import annotations

from typing import Annotated, get_args

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, allow, queued_write
from dialogue.policy import Action
from dialogue.synthesis import jobs
from dialogue.synthesis import service as reports
from dialogue.synthesis.dependencies import own_job, start_job
from dialogue.synthesis.schemas import Format
from dialogue.web.templating import render

router = APIRouter(prefix="/d/{slug}/report", include_in_schema=False)
FORMATS: tuple[str, ...] = get_args(Format)
REFRESH_SECONDS = 2


@router.get("")
async def report_page(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.REPORT_READ)]
) -> Response:
    dialogue = access.require_dialogue()
    report = await reports.get_report(session=session, dialogue=dialogue)
    return render(
        request,
        "reports/page.html",
        {"dialogue": dialogue, "report": report, "formats": FORMATS},
    )


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
            "refresh": REFRESH_SECONDS if shown["state"] == "running" else None,
        },
    )
