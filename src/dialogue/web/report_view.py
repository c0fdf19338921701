"""What the report's workflow page shows a reviewer: every part read once, every control asked
of the policy, so the page offers exactly the steps the API would take from this caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, get_args

from fastapi import Request
from fastapi.responses import Response
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.access import Access
from dialogue.dialogues import service as dialogues
from dialogue.policy import (
    REPORT_STEPS,
    Action,
    ReportReview,
    ReportState,
    Role,
    may_move_report,
)
from dialogue.synthesis import history
from dialogue.synthesis import service as reports
from dialogue.synthesis.models import Report, ReportAudience, ReportSection
from dialogue.synthesis.schemas import Format
from dialogue.web.templating import render

FORMATS: tuple[str, ...] = get_args(Format)
STATES = tuple(ReportState)


@dataclass(frozen=True, slots=True)
class Offered:
    """A step the caller may take now, or one their role takes that the report's state blocks."""

    to: str
    blocked: str | None = None  # why not yet (a 409 refusal), shown instead of the button


@dataclass(slots=True)
class Draft:
    """The narrative in the editor: the saved one, or what was just submitted (preview, error)."""

    executive_summary: str = ""
    introduction: str = ""
    recommendations: str = ""
    theme_summaries: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, report: Report) -> Draft:
        return cls(
            executive_summary=report.executive_summary,
            introduction=report.introduction,
            recommendations=report.recommendations,
            theme_summaries={str(k): str(v) for k, v in (report.theme_summaries or {}).items()},
        )

    @property
    def empty(self) -> bool:
        texts = [self.executive_summary, self.introduction, self.recommendations]
        return not any(t.strip() for t in [*texts, *self.theme_summaries.values()])


def offered_steps(role: Role | None, review: ReportReview) -> list[Offered]:
    """The steps out of the current state this role may take, or is only waiting to take."""
    offered = []
    for (start, to), _roles in REPORT_STEPS.items():
        if start != review.state:
            continue
        refusal = may_move_report(role, review, to)
        if refusal is None:
            offered.append(Offered(to=to.value))
        elif refusal.status == 409:
            offered.append(Offered(to=to.value, blocked=refusal.message))
    return offered


async def review_of(session: AsyncSession, dialogue_id: int, report: Report) -> ReportReview:
    advisors = await reports.has_advisors(session=session, dialogue_id=dialogue_id)
    approvals = await reports.approvals(session=session, report=report)
    return ReportReview(
        state=ReportState(report.state),
        has_advisors=advisors,
        advisor_approved=any(a.role == Role.ADVISOR for a in approvals),
    )


async def workflow_page(
    request: Request,
    session: AsyncSession,
    access: Access,
    *,
    draft: Draft | None = None,
    preview: bool = False,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The whole workflow page; a refused or previewed form shows again with what was typed."""
    dialogue = access.require_dialogue()
    assert dialogue.id is not None
    report = await reports.get_report(session=session, dialogue=dialogue)
    review = await review_of(session, dialogue.id, report)
    comments = await reports.list_comments(session=session, dialogue=dialogue)
    by_section: dict[str, list[Any]] = {}
    for comment, author in comments:
        key = f"theme-{comment.theme_id}" if comment.theme_id else comment.section
        by_section.setdefault(key, []).append((comment, author))
    context: dict[str, Any] = {
        "dialogue": dialogue,
        "report": report,
        "states": STATES,
        "themes": await dialogues.list_themes(session=session, dialogue_id=dialogue.id),
        "draft": draft or Draft.of(report),
        "preview": preview,
        "error": error,
        "steps": offered_steps(access.role, review),
        "review": review,
        "approvals": await reports.approvals(session=session, report=report),
        "comments": by_section,
        "sections": [s.value for s in ReportSection if s != ReportSection.THEME],
        "timeline": await history.timeline(session=session, report=report, dialogue_id=dialogue.id),
        "versions": await history.revisions(session=session, report=report),
        "audiences": [a.value for a in ReportAudience],
        "formats": FORMATS if access.can(Action.REPORT_READ) else (),
        "may_edit": access.can(Action.REPORT_EDIT) and report.state in reports.EDITABLE,
        "may_comment": access.can(Action.REPORT_REVIEW),
        "may_publish": access.can(Action.REPORT_PUBLISH),
    }
    return render(request, "reports/page.html", context, status_code=status_code)
