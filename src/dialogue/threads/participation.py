"""Participation at a glance: how many people, threads, posts and countries a dialogue has.

Counts only what every reader may see (published threads and posts, members not banned),
so the figures on a public page never hint at queued or hidden content. The counts of people
(members, countries) follow the transparency page's rule (`small_counts.shown`): under five
they are withheld, since "2 members" or "1 country" tells a reader who, or where from, the
few people of a small dialogue are. Threads and posts stay exact: every reader can count them
on the pages anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.dialogues.models import Membership
from dialogue.safety.small_counts import shown
from dialogue.threads.models import Post, PostStatus, Thread


@dataclass(frozen=True, slots=True)
class Participation:
    members: int | None  # None: fewer than 5
    threads: int
    posts: int
    countries: int | None  # None: fewer than 5


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
        members=shown(int(members)),
        threads=int(threads),
        posts=int(posts),
        countries=shown(int(countries)),
    )
