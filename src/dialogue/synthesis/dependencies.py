"""Report jobs as requests reach them: render options, start or join a job, find one.

The report page and the report API start, join and find jobs the same way.
"""

from __future__ import annotations

from fastapi import Request

from dialogue.access import Access, SessionDep, end_read
from dialogue.errors import NotFound
from dialogue.i18n import gettext as _
from dialogue.state import app_state
from dialogue.synthesis import jobs
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
