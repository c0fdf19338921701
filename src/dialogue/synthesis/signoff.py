"""Publishing freezes the report: what the API and the report page both do before the step.

The whole report is built only once the step is known to be allowed, and it is built before
the step's own transaction writes anything (building commits the read, see `pipeline.load`).
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.dialogues.models import Dialogue
from dialogue.policy import Role
from dialogue.synthesis import pipeline
from dialogue.synthesis import service as reports
from dialogue.synthesis.models import ReportState
from dialogue.synthesis.render.common import RenderOptions


async def snapshot_for(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    role: Role,
    to: ReportState,
    options: RenderOptions,
) -> str | None:
    """The JSON document to freeze when `to` publishes (None for any other step).

    Refuses first; `reports.transition` checks again inside its own transaction.
    """
    if to != ReportState.PUBLISHED:
        return None
    await reports.prepare_transition(session=session, dialogue=dialogue, role=role, to=to)
    data = await pipeline.live_report(
        session=session,
        dialogue=dialogue,
        state=ReportState.PUBLISHED.value,
        fmt="json",
        options=options,
    )
    return data.decode("utf-8")
