"""Digests: the new published posts of a person's dialogues, daily or weekly by their choice.

What a digest holds is decided when it is built, by the same rules as the pages: only
dialogues the person is a member of and may read now (open ones: a closed dialogue has
nothing new), only posts published now in threads published now, and an anonymous post's
author named to nobody. A post behind a content warning shows the warning, never its words.
The person's own posts are left out. Posts are grouped by theme and
thread. A dialogue's posts are read once per run, however many people it mails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import Digest, User
from dialogue.config import Settings
from dialogue.db import as_utc, utcnow
from dialogue.dialogues.models import Dialogue, DialogueStatus, Membership, Theme
from dialogue.i18n import gettext as _
from dialogue.notifications import audience
from dialogue.notifications.compose import Recipient, send
from dialogue.notifications.models import MailCursor, MailKind
from dialogue.notifications.post_mail import excerpt_of
from dialogue.notifications.staff_mail import cursor_of, move
from dialogue.threads.models import Post, PostStatus, Thread
from dialogue.threads.views import post_url

PERIOD = {Digest.DAILY: timedelta(days=1), Digest.WEEKLY: timedelta(days=7)}
MAX_POSTS = 60  # in one digest; beyond it, the digest says how many more and links the dialogue
SHOWN_PER_THREAD = 5


@dataclass(frozen=True, slots=True)
class DigestPost:
    post_id: int
    author_id: int | None
    author_name: str | None  # None: anonymous, or the account is gone
    anonymous: bool
    visible_at: datetime
    excerpt: str  # empty behind a content warning
    content_warning: str | None
    url: str
    theme: Theme
    thread: Thread


@dataclass
class DigestRun:
    """One run's reads, shared by everyone it mails."""

    settings: Settings
    now: datetime = field(default_factory=utcnow)
    _posts: dict[int, tuple[datetime, list[DigestPost]]] = field(default_factory=dict)

    async def posts(
        self, session: AsyncSession, dialogue: Dialogue, since: datetime
    ) -> list[DigestPost]:
        """The dialogue's posts made visible after `since`, oldest first."""
        cached = self._posts.get(dialogue.id or 0)
        if cached is None or cached[0] > since:
            cached = (since, await _load(session, self.settings, dialogue, since, self.now))
            self._posts[dialogue.id or 0] = cached
        return [p for p in cached[1] if p.visible_at > since]


def visible_at() -> Any:
    """When a post became readable: its approval in pre-moderation, else its writing."""
    return func.coalesce(col(Post.moderated_at), col(Post.created_at))


async def _load(
    session: AsyncSession, settings: Settings, dialogue: Dialogue, since: datetime, until: datetime
) -> list[DigestPost]:
    rows = (
        await session.exec(
            select(Post, Thread, Theme, User)
            .join(Thread, col(Thread.id) == col(Post.thread_id))
            .join(Theme, col(Theme.id) == col(Thread.theme_id))
            .outerjoin(User, col(User.id) == col(Post.author_id))
            .where(Post.dialogue_id == dialogue.id)
            .where(Post.status == PostStatus.PUBLISHED, Thread.status == PostStatus.PUBLISHED)
            .where(visible_at() > since, visible_at() <= until)
            .order_by(visible_at(), col(Post.id))
        )
    ).all()
    base = settings.base_url.rstrip("/")
    return [
        DigestPost(
            post_id=post.id or 0,
            author_id=post.author_id,
            author_name=None if post.anonymous or author is None else author.display_name,
            anonymous=post.anonymous,
            visible_at=as_utc(post.moderated_at or post.created_at),
            excerpt=excerpt_of(post),
            content_warning=post.content_warning,
            url=base + post_url(dialogue.slug, thread.id or 0, post.id or 0),
            theme=theme,
            thread=thread,
        )
        for post, thread, theme, author in rows
    ]


def grouped(posts: Sequence[DigestPost]) -> list[dict[str, Any]]:
    """Themes in their order, each with its threads (most active first) and their posts."""
    themes: dict[int, dict[str, Any]] = {}
    for post in posts:
        theme = themes.setdefault(
            post.theme.id or 0,
            {"theme": post.theme, "threads": {}, "position": post.theme.position},
        )
        thread = theme["threads"].setdefault(
            post.thread.id or 0, {"thread": post.thread, "posts": []}
        )
        thread["posts"].append(post)
    out = []
    for theme in sorted(themes.values(), key=lambda t: (t["position"], t["theme"].id)):
        threads = sorted(theme["threads"].values(), key=lambda t: -len(t["posts"]))
        for thread in threads:
            thread["more"] = max(len(thread["posts"]) - SHOWN_PER_THREAD, 0)
            thread["posts"] = thread["posts"][:SHOWN_PER_THREAD]
        out.append({"theme": theme["theme"], "threads": threads})
    return out


async def due_people(*, session: AsyncSession, now: datetime | None = None) -> list[int]:
    """Accounts in an open dialogue whose digest is due (or who have no cursor yet)."""
    now = now or utcnow()
    due = or_(
        col(MailCursor.id).is_(None),
        and_(
            col(User.digest) == Digest.DAILY,
            col(MailCursor.covered_until) <= now - PERIOD[Digest.DAILY],
        ),
        and_(
            col(User.digest) == Digest.WEEKLY,
            col(MailCursor.covered_until) <= now - PERIOD[Digest.WEEKLY],
        ),
    )
    rows = await session.exec(
        select(User.id)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .join(Dialogue, col(Dialogue.id) == col(Membership.dialogue_id))
        .outerjoin(
            MailCursor,
            and_(col(MailCursor.user_id) == col(User.id), col(MailCursor.kind) == MailKind.DIGEST),
        )
        .where(col(User.digest) != Digest.OFF, col(User.disabled_at).is_(None))
        .where(Dialogue.status == DialogueStatus.OPEN)
        .where(due)
        .distinct()
        .order_by(col(User.id))
    )
    return [row for row in rows.all() if row is not None]


async def build(
    session: AsyncSession, *, run: DigestRun, user: User, since: datetime
) -> list[dict[str, Any]]:
    """The digest's sections, one per dialogue with something new for this person."""
    memberships = (
        await session.exec(
            select(Dialogue, Membership)
            .join(Membership, col(Membership.dialogue_id) == col(Dialogue.id))
            .where(Membership.user_id == user.id, Dialogue.status == DialogueStatus.OPEN)
            .order_by(col(Dialogue.title))
        )
    ).all()
    sections, room = [], MAX_POSTS
    for dialogue, membership in memberships:
        if not audience.may_read(user, membership, dialogue):
            continue
        posts = [p for p in await run.posts(session, dialogue, since) if p.author_id != user.id]
        if not posts:
            continue
        shown = posts[: max(room, 0)]
        room -= len(shown)
        sections.append(
            {
                "dialogue": dialogue,
                "count": len(posts),
                "themes": grouped(shown),
                "hidden": len(posts) - len(shown),
                "url": f"{run.settings.base_url.rstrip('/')}/d/{dialogue.slug}",
            }
        )
    return sections


async def mail_digest(session: AsyncSession, *, run: DigestRun, user_id: int) -> int:
    """One person's digest when their period has passed and there is something new."""
    user = await session.get(User, user_id)
    if user is None or user.digest == Digest.OFF or user.id is None:
        return 0
    cursor = await cursor_of(session, user_id=user.id, kind=MailKind.DIGEST, now=run.now)
    if cursor is None or as_utc(cursor.covered_until) > run.now - PERIOD[Digest(user.digest)]:
        return 0
    since = as_utc(cursor.covered_until)
    sections = await build(session, run=run, user=user, since=since)
    if not await move(session, cursor=cursor, now=run.now) or not sections:
        return 0  # nothing new: the next digest starts from now all the same
    total = sum(section["count"] for section in sections)
    weekly = user.digest == Digest.WEEKLY
    message = await send(
        session,
        settings=run.settings,
        recipient=Recipient.of(user),
        kind=MailKind.DIGEST,
        template="digest",
        subject=lambda: (
            (_("Your weekly digest") if weekly else _("Your daily digest"))
            + " · "
            + ", ".join(section["dialogue"].title for section in sections)
        ),
        context={"sections": sections, "total": total, "since": since, "weekly": weekly},
    )
    return int(message is not None)
