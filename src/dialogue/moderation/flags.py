"""Flags: any contributor reports a post citing a clause; enough distinct flaggers hide it.

The flagger later reads the outcome of their flag (upheld or dismissed, with the note).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.db import utcnow
from dialogue.dialogues.models import Dialogue
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, Invalid
from dialogue.events.kinds import EventKind
from dialogue.events.models import Audience
from dialogue.events.service import append_event
from dialogue.i18n import gettext as _
from dialogue.moderation.audit import record_action
from dialogue.moderation.clauses import cite
from dialogue.moderation.models import Flag, FlagStatus, NoticeKind
from dialogue.moderation.notices import notify
from dialogue.moderation.transitions import move_status
from dialogue.threads.models import Post, PostStatus

MAX_NOTE = 2000


def _duplicate() -> Conflict:
    return Conflict(_("You have already flagged this post."), code=ErrorCode.ALREADY_FLAGGED)


async def create_flag(
    *, session: AsyncSession, dialogue: Dialogue, post: Post, user: User, reason: str, note: str
) -> Flag:
    """Record a flag; at the dialogue's threshold of distinct flaggers the post is hidden."""
    citation = await cite(session=session, dialogue=dialogue, clause=reason, allow_other=True)
    if post.status != PostStatus.PUBLISHED:
        raise Conflict(_("Only published posts can be flagged."), code=ErrorCode.POST_NOT_PUBLISHED)
    assert user.id is not None and post.id is not None
    existing = (
        await session.exec(
            select(Flag.id).where(
                Flag.post_id == post.id, Flag.user_id == user.id, Flag.status == FlagStatus.OPEN
            )
        )
    ).first()
    if existing is not None:
        raise _duplicate()
    flag = Flag(
        dialogue_id=post.dialogue_id,
        post_id=post.id,
        user_id=user.id,
        reason=citation.clause or "other",
        note=note.strip(),
    )
    session.add(flag)
    try:
        await session.flush()
    except IntegrityError as exc:  # the same person flagging twice at once
        raise _duplicate() from exc
    flaggers = await open_flaggers(session=session, post_id=post.id)
    await append_event(
        session=session,
        dialogue_id=post.dialogue_id,
        kind=EventKind.FLAG_CREATED,
        data={
            "flag_id": flag.id,
            "post_id": post.id,
            "thread_id": post.thread_id,
            "reason": flag.reason,
            "open_flags": flaggers,
        },
        audience=Audience.STAFF,
    )
    if flaggers >= max(1, dialogue.flag_threshold):
        await _hide_for_review(session=session, dialogue=dialogue, post=post, flaggers=flaggers)
    return flag


async def open_flaggers(*, session: AsyncSession, post_id: int) -> int:
    return int(
        (
            await session.exec(
                select(func.count(func.distinct(Flag.user_id))).where(
                    Flag.post_id == post_id, Flag.status == FlagStatus.OPEN
                )
            )
        ).one()
    )


async def _hide_for_review(
    *, session: AsyncSession, dialogue: Dialogue, post: Post, flaggers: int
) -> None:
    await move_status(
        session=session, post=post, expected=(PostStatus.PUBLISHED,), to=PostStatus.HIDDEN
    )
    entry = await record_action(
        session=session,
        dialogue_id=dialogue.id,
        actor_id=None,
        action="post.auto_hide",
        target_type="post",
        target_id=post.id,
        reason=f"{flaggers} flags reached the threshold of {dialogue.flag_threshold}",
        before={"status": PostStatus.PUBLISHED.value},
        after={"status": PostStatus.HIDDEN.value},
    )
    await notify(
        session=session,
        dialogue_id=post.dialogue_id,
        user_id=post.author_id,
        kind=NoticeKind.HIDDEN,
        entry=entry,
        post_id=post.id,
    )


async def resolve_open_flags(
    *, session: AsyncSession, post: Post, outcome: FlagStatus, actor: User, note: str
) -> int:
    """Close every open flag on a post with one outcome; returns how many were closed."""
    result = await session.exec(
        update(Flag)
        .where(col(Flag.post_id) == post.id, col(Flag.status) == FlagStatus.OPEN)
        .values(status=outcome.value, outcome_note=note, resolved_at=utcnow(), resolved_by=actor.id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


async def settle_flags(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    post: Post,
    actor: User,
    outcome: FlagStatus,
    note: str,
) -> int:
    """Close a post's open flags without changing the post (it stays as it is now)."""
    if outcome == FlagStatus.OPEN:
        raise Invalid(
            _("A flag is settled as upheld or dismissed."),
            fields=[{"field": "outcome", "message": "upheld or dismissed"}],
        )
    closed = await resolve_open_flags(
        session=session, post=post, outcome=outcome, actor=actor, note=note
    )
    if closed == 0:
        raise Conflict(_("This post has no open flags."), code=ErrorCode.ALREADY_HANDLED)
    await record_action(
        session=session,
        dialogue_id=dialogue.id,
        actor_id=actor.id,
        action="flag.uphold" if outcome == FlagStatus.UPHELD else "flag.dismiss",
        target_type="post",
        target_id=post.id,
        reason=note,
        after={"flags": closed, "outcome": outcome.value},
    )
    return closed


async def flags_of_user(*, session: AsyncSession, user_id: int, limit: int = 100) -> Sequence[Flag]:
    return (
        await session.exec(
            select(Flag).where(Flag.user_id == user_id).order_by(col(Flag.id).desc()).limit(limit)
        )
    ).all()


def flag_data(flag: Flag) -> dict[str, Any]:
    """A flag as its flagger sees it: the outcome, never who decided."""
    return {
        "id": flag.id,
        "post_id": flag.post_id,
        "dialogue_id": flag.dialogue_id,
        "reason": flag.reason,
        "note": flag.note,
        "status": flag.status,
        "outcome_note": flag.outcome_note,
        "created_at": flag.created_at.isoformat(),
        "resolved_at": flag.resolved_at.isoformat() if flag.resolved_at else None,
    }
