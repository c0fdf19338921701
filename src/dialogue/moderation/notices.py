"""Telling authors: each reject, hide, mute or ban leaves a notice the author reads.

The stored notice keeps the facts (kind, clause, version, reason); its sentence is made at
read time, so each author reads it in their own language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.db import utcnow
from dialogue.dialogues.models import Dialogue
from dialogue.events.publish import PENDING_MESSAGES
from dialogue.i18n import gettext as _
from dialogue.moderation.models import Appeal, AuditEntry, Notice, NoticeKind
from dialogue.threads.models import Post, PostStatus, Thread


async def tell(*, session: AsyncSession, notice: Notice) -> Notice:
    """Record a notice; once this commits, the person's open pages update their unread
    count (a `notification` frame to their sockets only, on whichever dialogue's page)."""
    session.add(notice)
    await session.flush()
    unread = await unread_count(session=session, user_id=notice.user_id)
    message = {"type": "notification", "user_id": notice.user_id, "unread": unread}
    session.info.setdefault(PENDING_MESSAGES, []).append((notice.dialogue_id, message))
    return notice


async def notify(
    *,
    session: AsyncSession,
    dialogue_id: int,
    user_id: int | None,
    kind: NoticeKind,
    entry: AuditEntry,
    post_id: int | None = None,
    until: datetime | None = None,
) -> Notice | None:
    """Record the notice for the affected author of the action `entry` recorded."""
    if user_id is None:  # the author's account is gone: nobody to tell
        return None
    notice = Notice(
        dialogue_id=dialogue_id,
        user_id=user_id,
        kind=kind.value,
        post_id=post_id,
        audit_entry_id=entry.id,
        actor_id=entry.actor_id,
        clause=entry.clause,
        clause_version=entry.clause_version,
        reason=entry.reason,
        until=until,
    )
    return await tell(session=session, notice=notice)


# The notices that tell of someone else's post: a reply to the person, a mention of them.
NEWS_OF_POSTS = frozenset({NoticeKind.REPLY, NoticeKind.MENTION})

# The notices that tell of a decision about the person, which they may appeal once.
APPEALABLE = frozenset(
    {NoticeKind.REJECTED, NoticeKind.HIDDEN, NoticeKind.MUTED, NoticeKind.BANNED}
)


def notice_message(notice: Notice) -> str:
    """The sentence an author reads, in the language active for this request."""
    if notice.kind == NoticeKind.CONCERN_ACKNOWLEDGED:
        return _("The concern you raised was acknowledged: it is being looked into.")
    if notice.kind == NoticeKind.CONCERN_RESOLVED:
        return _("The concern you raised was resolved.")
    if notice.kind == NoticeKind.QUESTION:
        return _("An advisor asked the organizers a question.")
    if notice.kind == NoticeKind.REPLY:
        return _("There is a new reply to your post.")
    if notice.kind == NoticeKind.MENTION:
        return _("You were mentioned in a post.")
    if notice.kind == NoticeKind.REJECTED:
        text = _("Your post was not published.")
    elif notice.kind == NoticeKind.HIDDEN:
        text = _("Your post was hidden.")
    elif notice.kind == NoticeKind.REPORT_REGENERATED:
        return _(
            "The published report was regenerated: a participant withdrew consent to be "
            "quoted, and their words were removed from every format."
        )
    elif notice.kind == NoticeKind.EDIT_REQUESTED:
        text = _(
            "A moderator asks you to edit your post before it is published. "
            "It stays waiting until then."
        )
    elif notice.kind == NoticeKind.MUTED:
        text = _("You cannot post in this dialogue for now.")
    elif notice.post_id is not None:  # barred through an anonymous post: still a reader
        text = _("You can no longer post in this dialogue.")
    else:
        text = _("You were removed from this dialogue.")
    if notice.clause and notice.clause != "other":
        text += " " + _(
            "Clause %(clause)s of the code of conduct (version %(version)s) was applied."
        ) % {"clause": notice.clause, "version": notice.clause_version}
    return text


async def list_notices(
    *, session: AsyncSession, user_id: int, limit: int = 100
) -> Sequence[tuple[Notice, Appeal | None]]:
    """A person's notices, newest first, each with its appeal if there is one."""
    rows = (
        await session.exec(
            select(Notice, Appeal)
            .outerjoin(Appeal, col(Appeal.notice_id) == col(Notice.id))
            .where(Notice.user_id == user_id)
            .order_by(col(Notice.id).desc())
            .limit(limit)
        )
    ).all()
    return [(row[0], row[1]) for row in rows]


async def list_notifications(
    *, session: AsyncSession, user_id: int, limit: int = 100
) -> Sequence[tuple[Notice, Appeal | None, Dialogue, Thread | None]]:
    """A person's notices for their notifications page: unread first, then newest first,
    each with its appeal and the dialogue and thread it is about. The thread comes with a
    notice about a post: the person's own (a thread they could read), or another's reply or
    mention of them, whose thread only while it and that post are still published (one
    hidden since names nothing of it)."""
    published = PostStatus.PUBLISHED.value
    still_shown = or_(
        col(Notice.kind).not_in([kind.value for kind in NEWS_OF_POSTS]),
        and_(col(Post.status) == published, col(Thread.status) == published),
    )
    rows = (
        await session.exec(
            select(Notice, Appeal, Dialogue, Thread)
            .join(Dialogue, col(Dialogue.id) == col(Notice.dialogue_id))
            .outerjoin(Appeal, col(Appeal.notice_id) == col(Notice.id))
            .outerjoin(Post, col(Post.id) == col(Notice.post_id))
            .outerjoin(Thread, and_(col(Thread.id) == col(Post.thread_id), still_shown))
            .where(Notice.user_id == user_id)
            .order_by(col(Notice.read_at).is_not(None), col(Notice.id).desc())
            .limit(limit)
        )
    ).all()
    return [(row[0], row[1], row[2], row[3]) for row in rows]


async def post_notices(
    *, session: AsyncSession, user_id: int, post_ids: Sequence[int]
) -> dict[int, Notice]:
    """The latest notice the person received about each of these posts (their own, hidden
    or not published), so the thread page can tell its author why."""
    if not post_ids:
        return {}
    rows = (
        await session.exec(
            select(Notice)
            .where(
                Notice.user_id == user_id,
                col(Notice.post_id).in_(post_ids),
                col(Notice.kind).in_([NoticeKind.HIDDEN.value, NoticeKind.REJECTED.value]),
            )
            .order_by(col(Notice.id))
        )
    ).all()
    return {notice.post_id or 0: notice for notice in rows}  # the latest wins


async def unread_count(*, session: AsyncSession, user_id: int) -> int:
    """How many notices the person has not seen yet (the header's Notifications count)."""
    found = await session.exec(
        select(func.count())
        .select_from(Notice)
        .where(Notice.user_id == user_id, col(Notice.read_at).is_(None))
    )
    return int(found.one())


async def mark_read(*, session: AsyncSession, notices: Sequence[Notice]) -> None:
    now = utcnow()
    for notice in notices:
        if notice.read_at is None:
            notice.read_at = now
            session.add(notice)
    await session.flush()


def notice_data(notice: Notice, appeal: Appeal | None) -> dict[str, Any]:
    """What the author sees: never who acted, always what and why."""
    return {
        "id": notice.id,
        "dialogue_id": notice.dialogue_id,
        "kind": notice.kind,
        "post_id": notice.post_id,
        "message": notice_message(notice),
        "clause": notice.clause,
        "clause_version": notice.clause_version,
        "reason": notice.reason,
        "until": notice.until.isoformat() if notice.until else None,
        "created_at": notice.created_at.isoformat(),
        "read": notice.read_at is not None,
        "appealable": notice.kind in APPEALABLE,
        "appeal": (
            {
                "id": appeal.id,
                "status": appeal.status,
                "decision_note": appeal.decision_note,
                "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None,
            }
            if appeal
            else None
        ),
    }
