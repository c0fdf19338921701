"""Report jobs as requests reach them: render options, start or join a job, find one.

The report page and the report API start, join and find jobs the same way.
"""

from __future__ import annotations

from fastapi import Request

from dialogue.access import Access, SessionDep, end_read
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, NotFound
from dialogue.i18n import gettext as _
from dialogue.state import app_state
from dialogue.synthesis import jobs, quote_review
from dialogue.synthesis import service as reports
from dialogue.synthesis.models import ReportJob, ReportState
from dialogue.synthesis.render.common import RenderOptions, options_from


def options_for(request: Request) -> RenderOptions:
    settings = app_state(request).settings
    return options_from(settings)


async def start_job(request: Request, access: Access, session: SessionDep, fmt: str) -> ReportJob:
    """The report in `fmt` as it stands: the frozen snapshot once published, else live."""
    dialogue = access.require_dialogue()
    assert dialogue.id is not None
    report = await reports.get_report(session=session, dialogue=dialogue)
    snapshot_id = None
    if report.state == ReportState.PUBLISHED:
        snapshot = await reports.latest_snapshot(session=session, report=report)
        assert snapshot is not None
        snapshot_id = snapshot.id
    await end_read(session)  # the job is queued in a session of its own
    spec = jobs.JobSpec(
        dialogue_id=dialogue.id, format=fmt, report_state=report.state, snapshot_id=snapshot_id
    )
    state = app_state(request)
    job = await jobs.start_or_join(database=state.database, spec=spec)
    state.report_worker.nudge()
    return job


async def own_job(session: SessionDep, access: Access, job_id: str) -> ReportJob:
    dialogue = access.require_dialogue()
    assert dialogue.id is not None
    job = await jobs.get(session=session, job_id=job_id, dialogue_id=dialogue.id)
    if job is None:
        raise NotFound(_("Not found."))
    return job


async def start_quote_review(request: Request, access: Access, session: SessionDep) -> ReportJob:
    """Start (or join) the live report's JSON job whose `review` is the list."""
    report = await reports.get_report(session=session, dialogue=access.require_dialogue())
    if report.state == ReportState.PUBLISHED:
        raise Conflict(
            _("The report is published: its review list is no longer kept."),
            code=ErrorCode.REPORT_LOCKED,
        )
    return await start_job(request, access, session, quote_review.FORMAT)


async def own_quote_review(session: SessionDep, access: Access, job_id: str) -> ReportJob:
    """A review list's job: the dialogue's live JSON job, unless it is past `jobs.KEEP`."""
    job = await own_job(session, access, job_id)
    if job.format != quote_review.FORMAT or job.snapshot_id is not None:
        raise NotFound(_("Not found."))
    return job
