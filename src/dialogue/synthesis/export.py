"""`dialogue export`: the report of one dialogue written to a file, outside any web request."""

from __future__ import annotations

from dialogue.config import Settings
from dialogue.db import Database
from dialogue.dialogues import service as dialogues
from dialogue.synthesis import pipeline
from dialogue.synthesis import service as reports
from dialogue.synthesis.models import ReportState
from dialogue.synthesis.render.common import options_from


class UnknownDialogue(LookupError):
    pass


async def export_report(
    settings: Settings, *, slug: str, fmt: str, progress: pipeline.Progress
) -> bytes:
    """The published snapshot once there is one, else the report as it stands."""
    database = Database(settings)
    options = options_from(settings)
    try:
        async with database.session() as session:
            dialogue = await dialogues.get_dialogue(session=session, slug=slug)
            if dialogue is None:
                raise UnknownDialogue(slug)
            report = await reports.get_report(session=session, dialogue=dialogue)
            await session.commit()
            if report.state == ReportState.PUBLISHED:
                snapshot = await reports.latest_snapshot(session=session, report=report)
                if snapshot is not None:
                    document = await pipeline.current_snapshot(
                        session=session,
                        dialogue=dialogue,
                        document=snapshot.document,
                        options=options,
                    )
                    return await pipeline.snapshot_report(
                        document=document, fmt=fmt, options=options, progress=progress
                    )
            return await pipeline.live_report(
                session=session,
                dialogue=dialogue,
                state=report.state,
                fmt=fmt,
                options=options,
                progress=progress,
            )
    finally:
        await database.dispose()
