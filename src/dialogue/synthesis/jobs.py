"""Report generation as jobs in the database; a second request for the same report joins.

A job is keyed by what it produces (dialogue, format, source). While one is unfinished,
asking for the same key returns it instead of starting a second, so ten reviewers opening
the PDF at once cost one rendering, on one instance or several: a unique index over the
keys of unfinished jobs turns a second instance's insert into a join. Whichever instance
claims the job runs it (see `dialogue.synthesis.worker`); any instance answers for it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from dialogue.db import Database, utcnow
from dialogue.error_codes import ErrorCode
from dialogue.errors import DialogueError, NotFound
from dialogue.i18n import gettext as _
from dialogue.leases import ABANDONED, WorkState
from dialogue.synthesis.models import ReportJob

# A finished job's status and file stay this long, for the client that asked to fetch it.
KEEP = timedelta(minutes=10)
WAIT_POLL_SECONDS = 0.1  # how often a synchronous download looks at its job


def abandoned_message() -> str:
    """Looked up when shown, in the reader's language, not when the job was given up."""
    return _("the server generating it stopped each time it tried")


@dataclass(frozen=True, slots=True)
class JobSpec:
    """What a job produces: the live report in its current state, or a frozen snapshot."""

    dialogue_id: int
    format: str
    report_state: str
    snapshot_id: int | None = None

    @property
    def key(self) -> str:
        source = f"snapshot:{self.snapshot_id}" if self.snapshot_id else f"live:{self.report_state}"
        return f"{self.dialogue_id}:{self.format}:{source}"


async def start_or_join(*, database: Database, spec: JobSpec) -> ReportJob:
    """The unfinished job for `spec`, queued now if there was none."""
    async with database.writing() as session:
        found = await _unfinished(session, spec.key)
        if found is not None:
            return found
        job = ReportJob(
            dialogue_id=spec.dialogue_id,
            format=spec.format,
            report_state=spec.report_state,
            snapshot_id=spec.snapshot_id,
            key=spec.key,
        )
        session.add(job)
        try:
            await session.commit()
        except IntegrityError:  # another instance queued the same report meanwhile
            await session.rollback()
            found = await _unfinished(session, spec.key)
            if found is None:  # and it has finished already: start afresh
                raise
            return found
        return job


async def _unfinished(session: AsyncSession, key: str) -> ReportJob | None:
    found = await session.exec(
        _status_query()
        .where(col(ReportJob.key) == key)
        .where(col(ReportJob.state).in_((WorkState.QUEUED, WorkState.RUNNING)))
    )
    job: ReportJob | None = found.first()
    return job


def _status_query() -> SelectOfScalar[ReportJob]:
    # The file can be megabytes: status reads never load it.
    result: QueryableAttribute[bytes | None] = ReportJob.result  # type: ignore[assignment]
    return select(ReportJob).options(defer(result, raiseload=True))


async def get(*, session: AsyncSession, job_id: str, dialogue_id: int) -> ReportJob | None:
    """The dialogue's job, unless it finished longer than `KEEP` ago (then it is gone)."""
    found = await session.exec(
        _status_query().where(
            col(ReportJob.id) == job_id, col(ReportJob.dialogue_id) == dialogue_id
        )
    )
    job: ReportJob | None = found.first()
    if job is None or (job.finished_at is not None and job.finished_at < utcnow() - KEEP):
        return None
    return job


async def result(*, session: AsyncSession, job_id: str) -> bytes | None:
    found = await session.exec(select(ReportJob.result).where(col(ReportJob.id) == job_id))
    return found.first()


def data(job: ReportJob) -> dict[str, Any]:
    """The job as the API shows it. A queued job is `running` at stage `queued`: to a client
    both mean "keep polling", as they did when a job started the moment it was asked for."""
    end = job.finished_at or utcnow()
    state = WorkState.RUNNING if job.state == WorkState.QUEUED else job.state
    return {
        "id": job.id,
        "format": job.format,
        "state": str(state),
        "progress": round(job.progress, 3),
        "stage": job.stage,
        "error": abandoned_message() if job.error == ABANDONED else job.error,
        "seconds": round((end - job.created_at).total_seconds(), 3),
    }


async def wait(*, database: Database, job_id: str, dialogue_id: int) -> bytes:
    """The job's file once it is done, whichever instance runs it."""
    while True:
        async with database.reader() as session:
            job = await get(session=session, job_id=job_id, dialogue_id=dialogue_id)
            if job is None:
                raise NotFound(_("Not found."))
            if job.state == WorkState.DONE:
                body = await result(session=session, job_id=job_id)
                if body is not None:
                    return body
            if job.state == WorkState.FAILED or job.state == WorkState.DONE:
                raise DialogueError(
                    _("The report could not be generated: {error}").format(
                        error=data(job)["error"]
                    ),
                    status=500,
                    code=ErrorCode.REPORT_FAILED,
                )
        await asyncio.sleep(WAIT_POLL_SECONDS)
