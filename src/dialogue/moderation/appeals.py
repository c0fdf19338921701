"""Appeals: an author contests a notice once; someone other than the one who acted decides.

Overturning undoes the action (the post is published again, the mute or ban lifted). An
appeal about an anonymous post is recorded without its appellant: staff see the post and
the appeal, never who appealed (that would be who wrote it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.db import utcnow
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, Forbidden, NotFound
from dialogue.i18n import gettext as _
from dialogue.moderation import sanctions
from dialogue.moderation.audit import record_action
from dialogue.moderation.models import Appeal, AppealStatus, Notice, NoticeKind
from dialogue.moderation.notices import APPEALABLE
from dialogue.moderation.transitions import move_status
from dialogue.threads import queries as threads
from dialogue.threads.models import PostStatus


def _already() -> Conflict:
    return Conflict(_("You have already appealed this decision."), code=ErrorCode.ALREADY_APPEALED)


async def create_appeal(*, session: AsyncSession, notice_id: int, user: User, note: str) -> Appeal:
    """The author's one appeal against one notice."""
    notice = await session.get(Notice, notice_id)
    if notice is None or notice.user_id != user.id:
        raise NotFound(_("Not found."))
    if notice.kind == NoticeKind.EDIT_REQUESTED:  # a request, not a decision
        raise Conflict(
            _("A request to edit is not a decision: edit the post instead."),
            code=ErrorCode.NOT_APPEALABLE,
        )
    if notice.kind not in APPEALABLE:
        raise Conflict(_("This notice is not a decision to appeal."), code=ErrorCode.CONFLICT)
    existing = (await session.exec(select(Appeal.id).where(Appeal.notice_id == notice_id))).first()
    if existing is not None:
        raise _already()
    appeal = Appeal(
        dialogue_id=notice.dialogue_id, notice_id=notice_id, user_id=user.id or 0, note=note
    )
    session.add(appeal)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise _already() from exc
    await record_action(
        session=session,
        dialogue_id=notice.dialogue_id,
        actor_id=None if await _about_anonymous(session, notice) else user.id,
        action="appeal.create",
        target_type="appeal",
        target_id=appeal.id,
        reason=note,
        after={"notice_id": notice_id, "kind": notice.kind},
    )
    return appeal


async def _about_anonymous(session: AsyncSession, notice: Notice) -> bool:
    if notice.post_id is None:
        return False
    post = await threads.get_post(session=session, post_id=notice.post_id)
    return post is not None and post.anonymous


async def list_appeals(
    *, session: AsyncSession, dialogue_id: int, status: str | None = None
) -> Sequence[tuple[Appeal, Notice]]:
    query = (
        select(Appeal, Notice)
        .join(Notice, col(Notice.id) == col(Appeal.notice_id))
        .where(Appeal.dialogue_id == dialogue_id)
        .order_by(col(Appeal.id))
    )
    if status:
        query = query.where(Appeal.status == status)
    return [(row[0], row[1]) for row in (await session.exec(query)).all()]


async def decide_appeal(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    appeal_id: int,
    actor: User,
    outcome: AppealStatus,
    note: str,
) -> Appeal:
    """Decide an open appeal; the moderator whose action is contested may not decide it."""
    appeal = await session.get(Appeal, appeal_id)
    if appeal is None or appeal.dialogue_id != dialogue.id:
        raise NotFound(_("Not found."))
    notice = await session.get(Notice, appeal.notice_id)
    assert notice is not None
    if notice.actor_id is not None and notice.actor_id == actor.id:
        raise Forbidden(
            _("Another moderator or an organizer must decide this appeal."),
            code=ErrorCode.OWN_DECISION,
        )
    if appeal.status != AppealStatus.OPEN:
        raise Conflict(_("This appeal was already decided."), code=ErrorCode.ALREADY_HANDLED)
    if outcome == AppealStatus.OVERTURNED:
        await _undo(session=session, dialogue=dialogue, notice=notice)
    appeal.status, appeal.decision_note = outcome.value, note
    appeal.decided_by, appeal.decided_at = actor.id, utcnow()
    session.add(appeal)
    await session.flush()
    await record_action(
        session=session,
        dialogue_id=dialogue.id,
        actor_id=actor.id,
        action="appeal.decide",
        target_type="appeal",
        target_id=appeal.id,
        reason=note,
        before={"status": AppealStatus.OPEN.value},
        after={"status": outcome.value, "notice_id": notice.id, "kind": notice.kind},
    )
    return appeal


async def _undo(*, session: AsyncSession, dialogue: Dialogue, notice: Notice) -> None:
    if sanctions.through_post(notice):
        await sanctions.lift(session=session, notice=notice)
        return
    if notice.kind in (NoticeKind.REJECTED, NoticeKind.HIDDEN) and notice.post_id:
        post = await threads.get_post(session=session, post_id=notice.post_id)
        if post is not None and post.status in (PostStatus.REJECTED, PostStatus.HIDDEN):
            await move_status(
                session=session,
                post=post,
                expected=(PostStatus.REJECTED, PostStatus.HIDDEN),
                to=PostStatus.PUBLISHED,
            )
        return
    membership = await dialogues.get_membership(
        session=session, dialogue_id=dialogue.id or 0, user_id=notice.user_id
    )
    if membership is None:
        return
    changes: dict[str, Any] = (
        {"muted_until": None} if notice.kind == NoticeKind.MUTED else {"banned_at": None}
    )
    await dialogues.update_member(
        session=session, dialogue=dialogue, membership=membership, changes=changes
    )


def appeal_data(appeal: Appeal, notice: Notice) -> dict[str, Any]:
    return {
        "id": appeal.id,
        "notice_id": notice.id,
        "kind": notice.kind,
        "post_id": notice.post_id,
        "clause": notice.clause,
        "clause_version": notice.clause_version,
        "reason": notice.reason,
        "note": appeal.note,
        "status": appeal.status,
        "decision_note": appeal.decision_note,
        "decided_by": appeal.decided_by,
        "created_at": appeal.created_at.isoformat(),
        "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None,
    }
