"""Participation at a glance: how many people, threads, posts and countries a dialogue has.

Counts only what every reader may see (published threads and posts, members not banned),
so the figures on a public page never hint at queued or hidden content.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.dialogues.models import Membership
from dialogue.threads.models import Post, PostStatus, Thread


@dataclass(frozen=True, slots=True)
class Participation:
    members: int
    threads: int
    posts: int
    countries: int


async def participation(*, session: AsyncSession, dialogue_id: int) -> Participation:
    """The four public figures of one dialogue, in four small aggregate queries."""
    active = (col(Membership.dialogue_id) == dialogue_id) & col(Membership.banned_at).is_(None)
    members = (await session.exec(select(func.count()).select_from(Membership).where(active))).one()
    countries = (
        await session.exec(
            select(func.count(func.distinct(User.country)))
            .select_from(Membership)
            .join(User, col(User.id) == col(Membership.user_id))
            .where(active, col(User.country).is_not(None), col(User.country) != "")
        )
    ).one()
    threads = (
        await session.exec(
            select(func.count())
            .select_from(Thread)
            .where(Thread.dialogue_id == dialogue_id, Thread.status == PostStatus.PUBLISHED)
        )
    ).one()
    posts = (
        await session.exec(
            select(func.count())
            .select_from(Post)
            .where(Post.dialogue_id == dialogue_id, Post.status == PostStatus.PUBLISHED)
        )
    ).one()
    return Participation(
        members=int(members), threads=int(threads), posts=int(posts), countries=int(countries)
    )
