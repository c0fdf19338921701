"""The advisory council's oversight: recent decisions with their comments, questions asked.

Advisors review how the dialogue is moderated. They comment on any moderation decision and
ask the organizers questions; both are audit entries (the log is the record of oversight),
and a question also reaches each organizer as a notice. Decisions are shown through
`audit_view`, so an anonymous post's author is no more named here than in the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.config import Settings
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue
from dialogue.errors import Invalid, NotFound
from dialogue.i18n import gettext as _
from dialogue.moderation import audit_view
from dialogue.moderation.audit import record_action
from dialogue.moderation.models import AuditEntry, NoticeKind
from dialogue.moderation.notices import notify
from dialogue.notifications import oversight_mail
from dialogue.policy import CONFIDENTIAL_TARGETS, Role

MAX_TEXT = 2000
RECENT = 50
# The actions that are moderation decisions an advisor may comment on.
DECISION_PREFIXES = ("post.", "thread.", "member.", "author.", "flag.", "appeal.", "unmask.")
NOT_DECISIONS = frozenset(
    {"post.edit", "member.join", "member.add", "member.invite", "appeal.create"}
)
COMMENT = "decision.comment"
QUESTION = "advisory.question"


def is_decision(entry: AuditEntry) -> bool:
    return (
        entry.action.startswith(DECISION_PREFIXES)
        and entry.action not in NOT_DECISIONS
        and entry.target_type not in CONFIDENTIAL_TARGETS
    )


def _text(value: str, name: str) -> str:
    text = value.strip()
    if not text:
        raise Invalid(_("Please write something."), fields=[{"field": name, "message": "required"}])
    return text


async def comment_on_decision(
    *, session: AsyncSession, dialogue: Dialogue, advisor: User, entry_id: int, comment: str
) -> AuditEntry:
    """An advisor's comment on one moderation decision, itself an entry of the log."""
    text = _text(comment, "comment")
    decision = await session.get(AuditEntry, entry_id)
    if decision is None or decision.dialogue_id != dialogue.id or not is_decision(decision):
        raise NotFound(_("Not found."))
    return await record_action(
        session=session,
        dialogue_id=dialogue.id,
        actor_id=advisor.id,
        action=COMMENT,
        target_type="audit_entry",
        target_id=decision.id,
        reason=text,
    )


async def ask_organizers(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    advisor: User,
    question: str,
    mail: Settings | None = None,
) -> AuditEntry:
    """An advisor's question, logged, and told to each organizer of the dialogue (by e-mail
    too, in the same transaction, with `mail`: the settings)."""
    entry = await record_action(
        session=session,
        dialogue_id=dialogue.id,
        actor_id=advisor.id,
        action=QUESTION,
        target_type="dialogue",
        target_id=dialogue.id,
        reason=_text(question, "question"),
    )
    members = await dialogues.list_members(session=session, dialogue_id=dialogue.id or 0)
    for membership, _user in members:
        if membership.role == Role.ORGANIZER:
            await notify(
                session=session,
                dialogue_id=dialogue.id or 0,
                user_id=membership.user_id,
                kind=NoticeKind.QUESTION,
                entry=entry,
            )
    if mail is not None:
        await oversight_mail.question_asked(
            session, settings=mail, dialogue=dialogue, asked_by=advisor.id
        )
    return entry


@dataclass(slots=True)
class Decision:
    row: audit_view.AuditRow
    comments: list[audit_view.AuditRow] = field(default_factory=list)


async def recent_decisions(*, session: AsyncSession, dialogue_id: int) -> list[Decision]:
    """The latest moderation decisions, newest first, each with the advisors' comments on it."""
    entries = (
        await session.exec(
            select(AuditEntry)
            .where(
                AuditEntry.dialogue_id == dialogue_id,
                or_(*(col(AuditEntry.action).startswith(p) for p in DECISION_PREFIXES)),
                col(AuditEntry.action).not_in(NOT_DECISIONS),
                col(AuditEntry.target_type).not_in(CONFIDENTIAL_TARGETS),
            )
            .order_by(col(AuditEntry.id).desc())
            .limit(RECENT)
        )
    ).all()
    ids = [e.id for e in entries]
    comments: Sequence[AuditEntry] = (
        (
            await session.exec(
                select(AuditEntry)
                .where(
                    AuditEntry.dialogue_id == dialogue_id,
                    AuditEntry.action == COMMENT,
                    col(AuditEntry.target_id).in_(ids),
                )
                .order_by(col(AuditEntry.id))
            )
        ).all()
        if ids
        else []
    )
    rows = await audit_view.audit_rows(session=session, entries=[*entries, *comments])
    decisions = {row.entry.id: Decision(row=row) for row in rows[: len(entries)]}
    for row in rows[len(entries) :]:
        decision = decisions.get(row.entry.target_id)
        if decision is not None:
            decision.comments.append(row)
    return list(decisions.values())


async def questions(*, session: AsyncSession, dialogue_id: int) -> list[audit_view.AuditRow]:
    """The advisors' questions to the organizers, newest first."""
    entries = (
        await session.exec(
            select(AuditEntry)
            .where(AuditEntry.dialogue_id == dialogue_id, AuditEntry.action == QUESTION)
            .order_by(col(AuditEntry.id).desc())
            .limit(RECENT)
        )
    ).all()
    return await audit_view.audit_rows(session=session, entries=entries)
