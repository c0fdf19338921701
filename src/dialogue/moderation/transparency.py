"""The public transparency figures of a dialogue: how moderation was done, with no names."""

from __future__ import annotations

from statistics import median

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.moderation.models import Appeal, AppealStatus, AuditEntry, Flag, FlagStatus
from dialogue.responses import Public
from dialogue.threads.models import Post

QUEUE_DECISIONS = ("post.approve", "post.reject")


class Figures(Public):
    """The figures themselves; the API's `TransparencyFigures` adds the dialogue's slug."""

    approved: int
    rejected: int
    hidden: int
    hidden_by_flags: int
    flags: int
    flags_upheld: int
    flags_dismissed: int
    mutes: int
    bans: int
    appeals: int
    appeals_overturned: int
    median_queue_seconds: float | None


async def figures(*, session: AsyncSession, dialogue_id: int) -> Figures:
    """Aggregate counts from the audit log and flags; the median time a post waited."""
    actions = dict(
        (
            await session.exec(
                select(AuditEntry.action, func.count())
                .where(AuditEntry.dialogue_id == dialogue_id)
                .group_by(col(AuditEntry.action))
            )
        ).all()
    )
    flag_counts = dict(
        (
            await session.exec(
                select(Flag.status, func.count())
                .where(Flag.dialogue_id == dialogue_id)
                .group_by(col(Flag.status))
            )
        ).all()
    )
    appeal_counts = dict(
        (
            await session.exec(
                select(Appeal.status, func.count())
                .where(Appeal.dialogue_id == dialogue_id)
                .group_by(col(Appeal.status))
            )
        ).all()
    )
    waits = (
        await session.exec(
            select(AuditEntry.created_at, Post.created_at)
            .join(Post, col(Post.id) == col(AuditEntry.target_id))
            .where(
                AuditEntry.dialogue_id == dialogue_id,
                AuditEntry.target_type == "post",
                col(AuditEntry.action).in_(QUEUE_DECISIONS),
            )
        )
    ).all()
    seconds = [max(0.0, (decided - created).total_seconds()) for decided, created in waits]
    return Figures(
        approved=actions.get("post.approve", 0),
        rejected=actions.get("post.reject", 0),
        hidden=actions.get("post.hide", 0) + actions.get("post.auto_hide", 0),
        hidden_by_flags=actions.get("post.auto_hide", 0),
        flags=sum(flag_counts.values()),
        flags_upheld=flag_counts.get(FlagStatus.UPHELD.value, 0),
        flags_dismissed=flag_counts.get(FlagStatus.DISMISSED.value, 0),
        # Sanctions through anonymous posts count too: a number names nobody.
        mutes=actions.get("member.mute", 0) + actions.get("author.mute", 0),
        bans=actions.get("member.ban", 0) + actions.get("author.ban", 0),
        appeals=sum(appeal_counts.values()),
        appeals_overturned=appeal_counts.get(AppealStatus.OVERTURNED.value, 0),
        median_queue_seconds=round(median(seconds), 1) if seconds else None,
    )
