"""The sign-off rules: which role may move a report from which state to which, as one table."""

from __future__ import annotations

from dialogue.errors import Conflict, Forbidden
from dialogue.i18n import gettext as _
from dialogue.policy import Role
from dialogue.synthesis.models import ReportState

S = ReportState
_SENDERS_BACK = frozenset({Role.ORGANIZER, Role.MODERATOR, Role.ADVISOR})

# (from, to) -> roles that may take that step. Publishing is final: a published report is
# frozen, and a new edition would be a new review round, not an edit of the published one.
TRANSITIONS: dict[tuple[ReportState, ReportState], frozenset[Role]] = {
    (S.DRAFT, S.IN_REVIEW): frozenset({Role.ORGANIZER, Role.MODERATOR}),
    (S.IN_REVIEW, S.APPROVED): frozenset({Role.ADVISOR, Role.ORGANIZER}),
    (S.IN_REVIEW, S.DRAFT): _SENDERS_BACK,
    (S.APPROVED, S.DRAFT): _SENDERS_BACK,
    (S.APPROVED, S.PUBLISHED): frozenset({Role.ORGANIZER}),
}

VERBS = {S.IN_REVIEW: "submit", S.APPROVED: "approve", S.DRAFT: "return", S.PUBLISHED: "publish"}


def verb_of(to: ReportState) -> str:
    return VERBS[to]


def check_transition(
    *,
    current: ReportState,
    to: ReportState,
    role: Role,
    has_advisors: bool,
    advisor_approved: bool,
) -> None:
    """Raise the domain error that explains why this step is refused, or return."""
    allowed = TRANSITIONS.get((current, to))
    if allowed is None:
        raise Conflict(
            _("A report cannot go from {current} to {to}.").format(current=current, to=to),
            code="invalid_transition",
        )
    if role not in allowed:
        raise Forbidden(_("You are not allowed to do this."))
    if to == S.APPROVED and role == Role.ORGANIZER and has_advisors:
        # The advisory council reviews; an organizer approves only where there is none.
        raise Forbidden(_("This dialogue has advisors: one of them must approve the report."))
    if to == S.PUBLISHED and has_advisors and not advisor_approved:
        raise Conflict(
            _("An advisor must approve the report before it is published."),
            code="advisor_approval_required",
        )
