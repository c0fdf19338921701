"""The report's past: numbered narrative versions, and the timeline of who did what, when.

The timeline is read from the workflow's own records (the audit log's `report.*` entries
and the saved versions), never kept apart, so it cannot disagree with them. Everyone in it
acted as staff or advisor under their own name: no participant, anonymous or not, appears.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.moderation.models import AuditEntry
from dialogue.synthesis.models import Report, ReportRevision

MAX_VERSIONS = 200  # listed on the page and in the API, newest first
MAX_TIMELINE = 500


async def record_revision(*, session: AsyncSession, report: Report, actor: User) -> ReportRevision:
    """Keep the narrative as this save left it, as the next version."""
    assert report.id is not None
    latest = (
        await session.exec(
            select(func.max(ReportRevision.version)).where(ReportRevision.report_id == report.id)
        )
    ).one()
    revision = ReportRevision(
        report_id=report.id,
        version=int(latest or 0) + 1,
        review_round=report.review_round,
        executive_summary=report.executive_summary,
        introduction=report.introduction,
        recommendations=report.recommendations,
        theme_summaries=dict(report.theme_summaries or {}),
        created_by=actor.id,
    )
    session.add(revision)
    await session.flush()
    return revision


async def revisions(
    *, session: AsyncSession, report: Report
) -> Sequence[tuple[ReportRevision, User | None]]:
    """Every saved version with its author, newest first."""
    if report.id is None:  # the unsaved empty draft has no past
        return []
    rows = (
        await session.exec(
            select(ReportRevision, User)
            .outerjoin(User, col(User.id) == col(ReportRevision.created_by))
            .where(ReportRevision.report_id == report.id)
            .order_by(col(ReportRevision.version).desc())
            .limit(MAX_VERSIONS)
        )
    ).all()
    return [(r, u) for r, u in rows]


@dataclass(frozen=True, slots=True)
class Step:
    """One thing that happened to the report: `action` is `submit`, `approve`, `return`,
    `publish`, `audience` (from the audit log) or `edit` (a saved version)."""

    at: datetime
    action: str
    actor: str | None  # the display name; None once the account is gone
    note: str
    detail: dict[str, Any]


async def timeline(*, session: AsyncSession, report: Report, dialogue_id: int) -> list[Step]:
    """The report's steps in the order they happened."""
    if report.id is None:
        return []
    entries = (
        await session.exec(
            select(AuditEntry, User)
            .outerjoin(User, col(User.id) == col(AuditEntry.actor_id))
            .where(
                AuditEntry.dialogue_id == dialogue_id,
                AuditEntry.target_type == "report",
                AuditEntry.target_id == report.id,
                col(AuditEntry.action).startswith("report."),
            )
            .order_by(col(AuditEntry.id).desc())
            .limit(MAX_TIMELINE)
        )
    ).all()
    steps = [
        Step(
            at=entry.created_at,
            action=entry.action.removeprefix("report."),
            actor=user.display_name if user else None,
            note=entry.reason,
            detail=dict(entry.after or {}),
        )
        for entry, user in entries
    ]
    steps += [
        Step(
            at=revision.created_at,
            action="edit",
            actor=user.display_name if user else None,
            note="",
            detail={"version": revision.version},
        )
        for revision, user in await revisions(session=session, report=report)
    ]
    return sorted(steps, key=lambda step: step.at)
