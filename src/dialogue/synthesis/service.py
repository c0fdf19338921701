"""The report's life: narrative edits, review comments, sign-off transitions, frozen snapshots.

Every transition is written to the audit log in the same transaction. Publication needs
an advisor's approval in the current review round whenever the dialogue has advisors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.db import READ_ONLY, utcnow
from dialogue.dialogues.models import Dialogue, Membership, Theme
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, DialogueError, Invalid, NotFound
from dialogue.events.kinds import EventKind
from dialogue.events.models import Audience
from dialogue.events.service import append_event
from dialogue.i18n import gettext as _
from dialogue.moderation.audit import record_action
from dialogue.policy import ReportReview, Role, enforce, may_download, may_move_report
from dialogue.synthesis import history
from dialogue.synthesis.models import (
    Report,
    ReportApproval,
    ReportAudience,
    ReportComment,
    ReportSection,
    ReportSnapshot,
    ReportState,
)

EDITABLE = frozenset({ReportState.DRAFT, ReportState.IN_REVIEW})
MAX_TEXT = 100_000
# What the audit log calls each step (`report.submit`, ...); who may take it is the policy's.
VERBS = {
    ReportState.IN_REVIEW: "submit",
    ReportState.APPROVED: "approve",
    ReportState.DRAFT: "return",
    ReportState.PUBLISHED: "publish",
}


async def get_report(*, session: AsyncSession, dialogue: Dialogue, lock: bool = False) -> Report:
    """The dialogue's report, created as an empty draft the first time anyone changes it.

    A read-only session (a page view, a download) gets that empty draft unsaved. Two first
    writers may race to create it: the loser's insert fails inside a savepoint and it reads
    the winner's row instead. With `lock`, the row is locked (PostgreSQL; SQLite's writers
    are serialised anyway) and re-read, so two transitions never both start from the same
    state.
    """
    query = select(Report).where(Report.dialogue_id == dialogue.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = (await session.exec(query)).first()
    if found is not None:
        return found
    assert dialogue.id is not None
    report = Report(dialogue_id=dialogue.id)
    if session.info.get(READ_ONLY):
        return report
    try:
        async with session.begin_nested():
            session.add(report)
    except IntegrityError:
        winner = (await session.exec(query)).first()
        assert winner is not None
        return winner
    return report


async def has_advisors(*, session: AsyncSession, dialogue_id: int) -> bool:
    count = (
        await session.exec(
            select(func.count()).where(
                Membership.dialogue_id == dialogue_id,
                Membership.role == Role.ADVISOR,
                col(Membership.banned_at).is_(None),
            )
        )
    ).one()
    return int(count) > 0


async def update_narrative(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    actor: User,
    executive_summary: str | None,
    recommendations: str | None,
    theme_summaries: dict[int, str] | None,
    introduction: str | None = None,
) -> Report:
    """Change the parts people write; only while the report is a draft or in review.

    Each save is kept as a numbered version (`history.record_revision`).
    """
    report = await get_report(session=session, dialogue=dialogue)
    if report.state not in EDITABLE:
        raise Conflict(
            _("An approved or published report can no longer be edited."),
            code=ErrorCode.REPORT_LOCKED,
        )
    if theme_summaries:
        known = set(
            (await session.exec(select(Theme.id).where(Theme.dialogue_id == dialogue.id))).all()
        )
        unknown = sorted(set(theme_summaries) - known)
        if unknown:
            raise Invalid(
                _("Theme summaries must be for this dialogue's themes."),
                fields=[{"field": "theme_summaries", "message": f"unknown themes: {unknown}"}],
            )
        merged = dict(report.theme_summaries or {})
        merged.update({str(k): v for k, v in theme_summaries.items()})
        report.theme_summaries = {k: v for k, v in sorted(merged.items()) if v}
    if executive_summary is not None:
        report.executive_summary = executive_summary
    if recommendations is not None:
        report.recommendations = recommendations
    if introduction is not None:
        report.introduction = introduction
    report.updated_by = actor.id
    report.updated_at = utcnow()
    session.add(report)
    await session.flush()
    await history.record_revision(session=session, report=report, actor=actor)
    return report


async def add_comment(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    actor: User,
    body: str,
    theme_id: int | None,
    section: ReportSection | None = None,
) -> ReportComment:
    """A reviewer's comment on one section; a theme's comment is on its key messages."""
    report = await get_report(session=session, dialogue=dialogue)
    if section is None:
        section = ReportSection.THEME if theme_id is not None else ReportSection.GENERAL
    if (section == ReportSection.THEME) != (theme_id is not None):
        raise Invalid(
            _("Choose a theme for a comment on a theme's key messages, and only then."),
            fields=[{"field": "theme_id", "message": "a theme goes with the theme section"}],
        )
    if theme_id is not None:
        theme = await session.get(Theme, theme_id)
        if theme is None or theme.dialogue_id != dialogue.id:
            raise Invalid(
                _("That theme is not in this dialogue."),
                fields=[{"field": "theme_id", "message": "unknown theme"}],
            )
    assert report.id is not None and dialogue.id is not None
    comment = ReportComment(
        report_id=report.id,
        author_id=actor.id,
        theme_id=theme_id,
        section=section.value,
        body=body,
    )
    session.add(comment)
    await session.flush()
    await append_event(
        session=session,
        dialogue_id=dialogue.id,
        kind=EventKind.REPORT_COMMENTED,
        data={"comment_id": comment.id, "theme_id": theme_id, "section": section.value},
        audience=Audience.REVIEWERS,
    )
    return comment


async def list_comments(
    *, session: AsyncSession, dialogue: Dialogue
) -> Sequence[tuple[ReportComment, User | None]]:
    report = await get_report(session=session, dialogue=dialogue)
    rows = (
        await session.exec(
            select(ReportComment, User)
            .outerjoin(User, col(User.id) == col(ReportComment.author_id))
            .where(ReportComment.report_id == report.id)
            .order_by(col(ReportComment.id))
        )
    ).all()
    return [(c, u) for c, u in rows]


async def approvals(*, session: AsyncSession, report: Report) -> Sequence[ReportApproval]:
    return (
        await session.exec(
            select(ReportApproval)
            .where(
                ReportApproval.report_id == report.id,
                ReportApproval.review_round == report.review_round,
            )
            .order_by(col(ReportApproval.id))
        )
    ).all()


async def prepare_transition(
    *, session: AsyncSession, dialogue: Dialogue, role: Role, to: ReportState, lock: bool = False
) -> Report:
    """Refuse a transition before any expensive work (publication builds the whole report)."""
    assert dialogue.id is not None
    report = await get_report(session=session, dialogue=dialogue, lock=lock)
    advisors = await has_advisors(session=session, dialogue_id=dialogue.id)
    advisor_approved = any(
        a.role == Role.ADVISOR for a in await approvals(session=session, report=report)
    )
    review = ReportReview(
        state=ReportState(report.state), has_advisors=advisors, advisor_approved=advisor_approved
    )
    enforce(may_move_report(role, review, to))
    return report


async def transition(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    actor: User,
    role: Role,
    to: ReportState,
    note: str,
    snapshot: str | None = None,
) -> Report:
    """Move the report and log it; publishing stores `snapshot` (the JSON document) frozen."""
    report = await prepare_transition(
        session=session, dialogue=dialogue, role=role, to=to, lock=True
    )
    before = {"state": report.state, "review_round": report.review_round}
    assert report.id is not None and actor.id is not None
    if to == ReportState.APPROVED:
        current = await approvals(session=session, report=report)
        if not any(a.user_id == actor.id for a in current):
            session.add(
                ReportApproval(
                    report_id=report.id,
                    user_id=actor.id,
                    role=role.value,
                    review_round=report.review_round,
                )
            )
    if to == ReportState.DRAFT:
        report.review_round += 1
    if to == ReportState.PUBLISHED:
        if snapshot is None:
            raise DialogueError(
                _("The report could not be frozen."), status=500, code=ErrorCode.NO_SNAPSHOT
            )
        version = await _next_version(session, report.id)
        session.add(
            ReportSnapshot(
                report_id=report.id, version=version, document=snapshot, created_by=actor.id
            )
        )
        report.published_at = utcnow()
    report.state = to.value
    report.updated_at = utcnow()
    session.add(report)
    assert dialogue.id is not None
    # Reviewers' pages follow the report's state live; nobody else hears of it.
    await append_event(
        session=session,
        dialogue_id=dialogue.id,
        kind=EventKind.REPORT_UPDATED,
        data={"state": report.state, "review_round": report.review_round},
        audience=Audience.REVIEWERS,
    )
    await record_action(
        session=session,
        dialogue_id=dialogue.id,
        actor_id=actor.id,
        action=f"report.{VERBS[to]}",
        target_type="report",
        target_id=report.id,
        reason=note,
        before=before,
        after={"state": report.state, "review_round": report.review_round},
    )
    await session.flush()
    return report


async def _next_version(session: AsyncSession, report_id: int) -> int:
    latest = (
        await session.exec(
            select(func.max(ReportSnapshot.version)).where(ReportSnapshot.report_id == report_id)
        )
    ).one()
    return int(latest or 0) + 1


async def set_audience(
    *, session: AsyncSession, dialogue: Dialogue, actor: User, audience: ReportAudience
) -> Report:
    report = await get_report(session=session, dialogue=dialogue)
    before = {"audience": report.audience}
    report.audience = audience.value
    session.add(report)
    await record_action(
        session=session,
        dialogue_id=dialogue.id,
        actor_id=actor.id,
        action="report.audience",
        target_type="report",
        target_id=report.id,
        before=before,
        after={"audience": report.audience},
    )
    await session.flush()
    return report


async def latest_snapshot(*, session: AsyncSession, report: Report) -> ReportSnapshot | None:
    return (
        await session.exec(
            select(ReportSnapshot)
            .where(ReportSnapshot.report_id == report.id)
            .order_by(col(ReportSnapshot.version).desc())
            .limit(1)
        )
    ).first()


async def published_snapshot(
    *, session: AsyncSession, dialogue: Dialogue, role: Role | None
) -> ReportSnapshot:
    report = await get_report(session=session, dialogue=dialogue)
    snapshot = await latest_snapshot(session=session, report=report)
    if report.state != ReportState.PUBLISHED or snapshot is None:
        raise NotFound(_("This report has not been published."))
    enforce(may_download(role, report.audience))
    return snapshot


async def published_for(*, session: AsyncSession, dialogue: Dialogue, role: Role | None) -> bool:
    """Whether the report is published and its audience includes a reader with `role`."""
    report = await get_report(session=session, dialogue=dialogue)
    published = report.state == ReportState.PUBLISHED
    return published and may_download(role, report.audience) is None


def review_data(
    report: Report, approvals: Sequence[ReportApproval], advisors: bool
) -> dict[str, Any]:
    return {
        "state": report.state,
        "review_round": report.review_round,
        "audience": report.audience,
        "has_advisors": advisors,
        "approvals": [
            {"user_id": a.user_id, "role": a.role, "created_at": a.created_at.isoformat()}
            for a in approvals
        ],
        "published_at": report.published_at.isoformat() if report.published_at else None,
        "updated_at": report.updated_at.isoformat(),
    }
