"""The editors' review list of quotes: every quote as printed, its attribution, how precise
its origin is, and each span redacted from it with the reason.

It is the draft JSON's `review` part, read out of a JSON job of the live report, so the list
and the report it describes are one build. The list shows the words that were redacted,
so it is never stored beyond the job (kept `jobs.KEEP`, then gone) and never exists for a
published report: once published, the frozen snapshot is what readers get. Reviewers ask for it
(`Action.REPORT_REVIEW`): moderators too, who read every post whole already, but not
the files, which stay with `Action.REPORT_READ`. Requests start and find its jobs through
`dependencies.start_quote_review` and `dependencies.own_quote_review`.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.leases import WorkState
from dialogue.synthesis import jobs
from dialogue.synthesis.models import ReportJob

FORMAT = "json"


async def rows(session: AsyncSession, job: ReportJob) -> list[dict[str, Any]] | None:
    """The list once its job is done; None while it runs or when it failed."""
    if job.state != WorkState.DONE:
        return None
    body = await jobs.result(session=session, job_id=job.id)
    if body is None:
        return None
    review: list[dict[str, Any]] = json.loads(body).get("review", [])
    return review


async def answer(session: AsyncSession, job: ReportJob) -> dict[str, Any]:
    """The job's status with the list (`quotes`, null until done), as the API shows it."""
    return {**jobs.data(job), "quotes": await rows(session, job)}
