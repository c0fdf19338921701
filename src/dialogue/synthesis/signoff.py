"""Publishing freezes the report, and reading it applies today's consent: what the API and
the report's pages share around the published snapshot.

The whole report is built only once the step is known to be allowed, and it is built before
the step's own transaction writes anything (building commits the read, see `pipeline.load`).
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.dialogues.models import Dialogue
from dialogue.policy import Role
from dialogue.synthesis import pipeline
from dialogue.synthesis import service as reports
from dialogue.synthesis.models import ReportSnapshot, ReportState
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


async def published_document(
    *, session: AsyncSession, dialogue: Dialogue, role: Role | None, options: RenderOptions
) -> tuple[ReportSnapshot, str]:
    """The published snapshot for a reader with `role`, as today's consent allows it."""
    snapshot = await reports.published_snapshot(session=session, dialogue=dialogue, role=role)
    document = await pipeline.current_snapshot(
        session=session, dialogue=dialogue, document=snapshot.document, options=options
    )
    return snapshot, document
