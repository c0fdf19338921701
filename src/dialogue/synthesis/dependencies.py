"""Report jobs as requests reach them: the app's job registry, render options, start and find.

The report page and the report API start, join and find jobs the same way.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from dialogue.access import Access, SessionDep
from dialogue.config import Settings
from dialogue.errors import NotFound
from dialogue.i18n import gettext as _
from dialogue.synthesis import pipeline
from dialogue.synthesis import service as reports
from dialogue.synthesis.jobs import Job, JobRegistry
from dialogue.synthesis.models import ReportState
from dialogue.synthesis.rendering import RenderOptions


def registry(request: Request) -> JobRegistry:
    """One registry per app, made on first use (the app factory need not know about it)."""
    found: JobRegistry | None = getattr(request.app.state, "report_jobs", None)
    if found is None:
        found = JobRegistry()
        request.app.state.report_jobs = found
    return found


def options_for(request: Request) -> RenderOptions:
    settings: Settings = request.app.state.settings
    return RenderOptions(base_url=settings.base_url, templates_dir=settings.templates_dir)


async def start_job(request: Request, access: Access, session: SessionDep, fmt: str) -> Job:
    """The report in `fmt` as it stands: the frozen snapshot once published, else live."""
    dialogue = access.require_dialogue()
    assert dialogue.id is not None
    report = await reports.get_report(session=session, dialogue=dialogue)
    options = options_for(request)
    database = request.app.state.database
    if report.state == ReportState.PUBLISHED:
        snapshot = await reports.latest_snapshot(session=session, report=report)
        assert snapshot is not None
        document = snapshot.document

        async def frozen(job: Job) -> bytes:
            return await pipeline.snapshot_report(
                document=document, fmt=fmt, options=options, progress=job.report
            )

        key: tuple[Any, ...] = (dialogue.id, fmt, "snapshot", snapshot.id)
        return registry(request).start_or_join(
            key=key, dialogue_id=dialogue.id, fmt=fmt, work=frozen
        )
    state = report.state

    async def live(job: Job) -> bytes:
        async with database.reader() as own:  # reads only; the request's session ends with it
            source = await pipeline.load(
                session=own, dialogue=dialogue, state=state, options=options, progress=job.report
            )
        return await pipeline.render_source(source, fmt=fmt, options=options, progress=job.report)

    key = (dialogue.id, fmt, "live", state)
    return registry(request).start_or_join(key=key, dialogue_id=dialogue.id, fmt=fmt, work=live)


def own_job(request: Request, access: Access, job_id: str) -> Job:
    job = registry(request).get(job_id)
    if job is None or job.dialogue_id != access.require_dialogue().id:
        raise NotFound(_("Not found."))
    return job
