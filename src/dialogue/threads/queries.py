"""Reading threads and posts as one viewer may see them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, false, func, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.bounds import ThreadCursor
from dialogue.db import utcnow
from dialogue.dialogues.models import Dialogue, Membership, Theme
from dialogue.moderation.models import AuthorSanction
from dialogue.policy import Viewer
from dialogue.threads.models import Post, PostRevision, PostStatus, Reaction, Thread

PLACEHOLDER_STATUSES = (PostStatus.HIDDEN, PostStatus.REJECTED, PostStatus.DELETED)


def post_visible(viewer: Viewer) -> ColumnElement[bool]:
    """Posts whose content the viewer may see."""
    if viewer.is_staff:
        return col(Post.status) != PostStatus.DELETED
    mine = col(Post.author_id) == viewer.user_id if viewer.user_id is not None else false()
    return or_(
        col(Post.status) == PostStatus.PUBLISHED,
        and_(mine, col(Post.status) != PostStatus.DELETED),
    )


def post_listed(viewer: Viewer) -> ColumnElement[bool]:
    """Posts that take a place in a thread: visible ones, and placeholders with replies."""
    return or_(
        post_visible(viewer),
        and_(col(Post.status).in_(PLACEHOLDER_STATUSES), col(Post.reply_count) > 0),
    )


def thread_visible(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.is_staff:
        return true()
    mine = col(Thread.author_id) == viewer.user_id if viewer.user_id is not None else false()
    return or_(col(Thread.status) == PostStatus.PUBLISHED, mine)


async def reaction_counts(
    *, session: AsyncSession, post_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {
        pid: {"agree": 0, "disagree": 0, "pass": 0} for pid in post_ids
    }
    if not post_ids:
        return counts
    rows = (
        await session.exec(
            select(Reaction.post_id, Reaction.kind, func.count())
            .where(col(Reaction.post_id).in_(post_ids))
            .group_by(col(Reaction.post_id), col(Reaction.kind))
        )
    ).all()
    for post_id, kind, number in rows:
        counts[post_id][kind] = int(number)
    return counts


async def my_reactions(
    *, session: AsyncSession, post_ids: Sequence[int], user_id: int | None
) -> dict[int, str]:
    if user_id is None or not post_ids:
        return {}
    rows = (
        await session.exec(
            select(Reaction.post_id, Reaction.kind).where(
                col(Reaction.post_id).in_(post_ids), Reaction.user_id == user_id
            )
        )
    ).all()
    return {post_id: kind for post_id, kind in rows}


async def get_thread(*, session: AsyncSession, thread_id: int) -> Thread | None:
    return await session.get(Thread, thread_id)


async def get_post(*, session: AsyncSession, post_id: int) -> Post | None:
    return await session.get(Post, post_id)


async def post_with_author(
    *, session: AsyncSession, post_id: int
) -> tuple[Post, User | None] | None:
    row = (
        await session.exec(
            select(Post, User)
            .outerjoin(User, col(User.id) == col(Post.author_id))
            .where(Post.id == post_id)
        )
    ).first()
    return (row[0], row[1]) if row else None


async def writes_by_name(*, session: AsyncSession, dialogue_id: int, user_id: int) -> bool:
    """Whether the person has a published post under their own name in a published thread
    of the dialogue: their name is then on a page that every reader of it sees."""
    found = await session.exec(
        select(Post.id)
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .where(
            Post.dialogue_id == dialogue_id,
            Post.author_id == user_id,
            col(Post.anonymous).is_(False),
            Post.status == PostStatus.PUBLISHED,
            Thread.status == PostStatus.PUBLISHED,
        )
        .limit(1)
    )
    return found.first() is not None


async def list_posts(
    *, session: AsyncSession, thread_id: int, viewer: Viewer, after_id: int | None, limit: int
) -> Sequence[tuple[Post, User | None]]:
    """One page of a thread, in order, by keyset on the post id."""
    query = (
        select(Post, User)
        .outerjoin(User, col(User.id) == col(Post.author_id))
        .where(Post.thread_id == thread_id, post_listed(viewer))
        .order_by(col(Post.id))
        .limit(limit)
    )
    if after_id is not None:
        query = query.where(col(Post.id) > after_id)
    return [(row[0], row[1]) for row in (await session.exec(query)).all()]


def _opening_anonymous() -> Any:
    """Whether a thread's opening post is anonymous: then so is the thread's author."""
    return (
        select(Post.anonymous)
        .where(Post.thread_id == Thread.id, col(Post.parent_id).is_(None))
        .order_by(col(Post.id))
        .limit(1)
        .scalar_subquery()
    )


async def thread_author(*, session: AsyncSession, thread_id: int) -> tuple[User | None, bool]:
    """The author of a thread as it may be shown, and whether the thread is anonymous."""
    row = (
        await session.exec(
            select(User, _opening_anonymous())
            .select_from(Thread)
            .outerjoin(User, col(User.id) == col(Thread.author_id))
            .where(Thread.id == thread_id)
        )
    ).first()
    if row is None:
        return None, False
    anonymous = bool(row[1])
    return (None if anonymous else row[0]), anonymous


async def list_threads(
    *,
    session: AsyncSession,
    theme_id: int,
    viewer: Viewer,
    before: ThreadCursor | None,
    limit: int,
    only_posts: Select[int] | None = None,
) -> Sequence[tuple[Thread, User | None, bool]]:
    """Pinned threads first, then by newest activity; keyset paginated on (pinned, activity, id).

    Each row says whether the opening post is anonymous, so its author stays masked.
    `only_posts` (ids, e.g. the posts with one code) keeps the threads where the viewer can
    see at least one of them: a match among posts hidden from the viewer reveals nothing.
    """
    query = (
        select(Thread, User, _opening_anonymous())
        .outerjoin(User, col(User.id) == col(Thread.author_id))
        .where(Thread.theme_id == theme_id, thread_visible(viewer))
        .order_by(
            col(Thread.pinned).desc(), col(Thread.last_activity_at).desc(), col(Thread.id).desc()
        )
        .limit(limit)
    )
    if only_posts is not None:
        query = query.where(
            exists().where(
                col(Post.thread_id) == col(Thread.id),
                post_visible(viewer),
                col(Post.id).in_(only_posts),
            )
        )
    if before is not None:
        pinned, at, thread_id = before
        earlier = or_(
            col(Thread.last_activity_at) < at,
            and_(col(Thread.last_activity_at) == at, col(Thread.id) < thread_id),
        )
        unpinned = col(Thread.pinned).is_(False)
        # After a pinned thread come the earlier pinned ones, then every unpinned one.
        query = query.where(
            or_(unpinned, and_(col(Thread.pinned).is_(True), earlier))
            if pinned
            else and_(unpinned, earlier)
        )
    rows = (await session.exec(query)).all()
    return [(row[0], row[1], bool(row[2])) for row in rows]


async def revisions(*, session: AsyncSession, post_id: int) -> Sequence[PostRevision]:
    return (
        await session.exec(
            select(PostRevision)
            .where(PostRevision.post_id == post_id)
            .order_by(col(PostRevision.id))
        )
    ).all()


@dataclass(frozen=True, slots=True)
class PostingContext:
    user: User
    membership: Membership | None
    dialogue: Dialogue
    theme: Theme
    thread: Thread
    restricted: bool = False  # muted or barred through an anonymous post


# Built once, with expanding IN lists: composing these two statements cost more than
# running them and writing the post.
_PLACES = (
    select(Thread, Dialogue, Theme)
    .join(Dialogue, col(Dialogue.id) == col(Thread.dialogue_id))
    .join(Theme, col(Theme.id) == col(Thread.theme_id))
    .where(col(Thread.id).in_(bindparam("thread_ids", expanding=True)))
)
_PEOPLE = (
    select(User, Membership)
    .outerjoin(
        Membership,
        and_(
            col(Membership.user_id) == col(User.id),
            col(Membership.dialogue_id).in_(bindparam("dialogue_ids", expanding=True)),
        ),
    )
    .where(col(User.id).in_(bindparam("user_ids", expanding=True)))
)


_RESTRICTED = (
    select(AuthorSanction.user_id, AuthorSanction.dialogue_id)
    .where(
        col(AuthorSanction.user_id).in_(bindparam("user_ids", expanding=True)),
        col(AuthorSanction.dialogue_id).in_(bindparam("dialogue_ids", expanding=True)),
        or_(col(AuthorSanction.barred), col(AuthorSanction.muted_until) > bindparam("now")),
    )
    .distinct()
)


async def is_restricted(*, session: AsyncSession, dialogue_id: int, user_id: int | None) -> bool:
    """Whether a sanction through one of the person's anonymous posts stops them posting."""
    if user_id is None:
        return False
    found = await session.exec(
        _RESTRICTED, params={"user_ids": [user_id], "dialogue_ids": [dialogue_id], "now": utcnow()}
    )
    return found.first() is not None


async def restriction_end(
    *, session: AsyncSession, dialogue_id: int, user_id: int | None
) -> datetime | None:
    """When the last mute through one of the person's anonymous posts ends; None when they
    have none running or are barred (a ban has no end)."""
    if user_id is None:
        return None
    sanctions = (
        await session.exec(
            select(AuthorSanction).where(
                AuthorSanction.user_id == user_id, AuthorSanction.dialogue_id == dialogue_id
            )
        )
    ).all()
    if any(s.barred for s in sanctions):
        return None
    now = utcnow()
    ends = [s.muted_until for s in sanctions if s.muted_until is not None and s.muted_until > now]
    return max(ends, default=None)


async def latest_anonymity(
    *, session: AsyncSession, user_id: int, thread_id: int
) -> tuple[bool, bool | None, bool | None]:
    """For `policy.mail_reply_is_anonymous`: whether the thread's dialogue allows anonymous
    posts, and whether the person's latest post in the thread, else in the dialogue, was
    anonymous (None: they have none there)."""
    place = (
        await session.exec(
            select(Thread.dialogue_id, Dialogue.allow_anonymous)
            .join(Dialogue, col(Dialogue.id) == col(Thread.dialogue_id))
            .where(col(Thread.id) == thread_id)
        )
    ).first()
    if place is None:
        return False, None, None
    dialogue_id, allowed = place
    latest = (
        await session.exec(
            select(Post.thread_id, Post.anonymous)
            .where(col(Post.author_id) == user_id, col(Post.dialogue_id) == dialogue_id)
            .where(col(Post.status) != PostStatus.DELETED)
            .order_by((col(Post.thread_id) == thread_id).desc(), col(Post.id).desc())
            .limit(1)
        )
    ).first()
    if latest is None:
        return bool(allowed), None, None
    here = bool(latest[1]) if latest[0] == thread_id else None
    return bool(allowed), here, bool(latest[1])


async def posting_contexts(
    *, session: AsyncSession, pairs: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], PostingContext]:
    """What decides whether each (user, thread) may post, for a whole batch in two reads.

    One read per reply cost more than the rest of writing it; a batch's replies share
    their threads' dialogues and themes.
    """
    thread_ids = sorted({thread_id for _user_id, thread_id in pairs})
    places = (await session.exec(_PLACES, params={"thread_ids": thread_ids})).all()
    where = {thread.id: (thread, dialogue, theme) for thread, dialogue, theme in places}
    params = {
        "dialogue_ids": sorted({dialogue.id or 0 for _t, dialogue, _th in places}),
        "user_ids": sorted({user_id for user_id, _t in pairs}),
    }
    people = (await session.exec(_PEOPLE, params=params)).all()
    restricted = set((await session.exec(_RESTRICTED, params={**params, "now": utcnow()})).all())
    users = {user.id: user for user, _m in people}
    memberships = {(m.user_id, m.dialogue_id): m for _u, m in people if m is not None}
    found: dict[tuple[int, int], PostingContext] = {}
    for user_id, thread_id in pairs:
        if user_id not in users or thread_id not in where:
            continue
        thread, dialogue, theme = where[thread_id]
        found[(user_id, thread_id)] = PostingContext(
            user=users[user_id],
            membership=memberships.get((user_id, dialogue.id or 0)),
            dialogue=dialogue,
            theme=theme,
            thread=thread,
            restricted=(user_id, dialogue.id) in restricted,
        )
    return found
