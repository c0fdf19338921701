"""Moderating posts: approve, reject, hide, unhide, highlight, bulk approve, edit with a note.

Every action writes its audit entry, its event and (for reject and hide) the author's
notice in one transaction with the change itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.dialogues.models import Dialogue
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, Invalid
from dialogue.events.kinds import EventKind
from dialogue.events.models import Audience
from dialogue.events.service import append_event
from dialogue.i18n import gettext as _
from dialogue.moderation import flags as flagging
from dialogue.moderation.audit import record_action
from dialogue.moderation.clauses import cite
from dialogue.moderation.models import FlagStatus, NoticeKind
from dialogue.moderation.notices import notify
from dialogue.moderation.transitions import already_handled, move_status
from dialogue.threads import service as threads
from dialogue.threads.models import Post, PostStatus
from dialogue.threads.presenters import post_data


class PostAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    HIDE = "hide"
    UNHIDE = "unhide"
    HIGHLIGHT = "highlight"
    UNHIGHLIGHT = "unhighlight"
    # A held post stays waiting; its author is told what to change (`reason`).
    REQUEST_EDIT = "request_edit"


P = PostStatus
# Each status action: the statuses it may start from, where it leads, the notice it leaves,
# and how it settles the post's open flags.
MOVES: dict[PostAction, tuple[tuple[PostStatus, ...], PostStatus]] = {
    PostAction.APPROVE: ((P.PENDING,), P.PUBLISHED),
    PostAction.REJECT: ((P.PENDING,), P.REJECTED),
    PostAction.HIDE: ((P.PUBLISHED, P.PENDING), P.HIDDEN),
    PostAction.UNHIDE: ((P.HIDDEN,), P.PUBLISHED),
}
NOTICES = {
    PostAction.REJECT: NoticeKind.REJECTED,
    PostAction.HIDE: NoticeKind.HIDDEN,
    PostAction.REQUEST_EDIT: NoticeKind.EDIT_REQUESTED,
}
FLAG_OUTCOMES = {
    PostAction.APPROVE: FlagStatus.DISMISSED,
    PostAction.UNHIDE: FlagStatus.DISMISSED,
    PostAction.REJECT: FlagStatus.UPHELD,
    PostAction.HIDE: FlagStatus.UPHELD,
}
NEEDS_REASON = frozenset(
    {PostAction.REJECT, PostAction.HIDE, PostAction.UNHIDE, PostAction.REQUEST_EDIT}
)


def _require_reason(action: PostAction, reason: str) -> None:
    if action in NEEDS_REASON and not reason.strip():
        raise Invalid(
            _("Please give a reason for this action."),
            code=ErrorCode.REASON_REQUIRED,
            fields=[{"field": "reason", "message": "required for this action"}],
        )


async def moderate_post(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    post: Post,
    actor: User,
    action: PostAction,
    reason: str = "",
    clause: str | None = None,
) -> Post:
    """Apply one moderation action to one post, exactly once."""
    _require_reason(action, reason)
    citation = await cite(session=session, dialogue=dialogue, clause=clause)
    if post.status == PostStatus.DELETED:
        raise Conflict(_("This post was deleted by its author."), code=ErrorCode.POST_DELETED)
    before: dict[str, Any]
    after: dict[str, Any]
    if action == PostAction.REQUEST_EDIT:
        if post.status != PostStatus.PENDING:
            raise already_handled()
        before, after = {"status": post.status}, {"status": post.status}
    elif action in (PostAction.HIGHLIGHT, PostAction.UNHIGHLIGHT):
        before, after = await _set_highlight(
            session=session, post=post, on=action == PostAction.HIGHLIGHT
        )
    else:
        expected, to = MOVES[action]
        old = await move_status(session=session, post=post, expected=expected, to=to)
        before, after = {"status": old}, {"status": post.status}
    entry = await record_action(
        session=session,
        dialogue_id=dialogue.id,
        actor_id=actor.id,
        action=f"post.{action.value}",
        target_type="post",
        target_id=post.id,
        reason=reason,
        clause=citation.clause,
        clause_version=citation.version,
        before=before,
        after=after,
    )
    if action in NOTICES:
        await notify(
            session=session,
            dialogue_id=post.dialogue_id,
            user_id=post.author_id,
            kind=NOTICES[action],
            entry=entry,
            post_id=post.id,
        )
    if action in FLAG_OUTCOMES:
        await flagging.resolve_open_flags(
            session=session, post=post, outcome=FLAG_OUTCOMES[action], actor=actor, note=reason
        )
    return post


async def _set_highlight(
    *, session: AsyncSession, post: Post, on: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Mark a published post as a quote for the report (or take the mark off), once."""
    if on and post.status != PostStatus.PUBLISHED:
        raise Conflict(
            _("Only published posts can be highlighted."), code=ErrorCode.POST_NOT_PUBLISHED
        )
    result = await session.exec(
        update(Post)
        .where(col(Post.id) == post.id, col(Post.highlighted) == (not on))
        .values(highlighted=on)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise already_handled()
    set_committed_value(post, "highlighted", on)
    author = await session.get(User, post.author_id) if post.author_id else None
    published = post.status == PostStatus.PUBLISHED
    await append_event(
        session=session,
        dialogue_id=post.dialogue_id,
        kind=EventKind.POST_UPDATED,
        data=post_data(post, author),
        audience=Audience.READERS if published else Audience.STAFF,
        subject_user_id=post.author_id,
    )
    return {"highlighted": not on}, {"highlighted": on}


@dataclass(slots=True)
class BulkResult:
    approved: list[int] = field(default_factory=list)
    already_handled: list[int] = field(default_factory=list)
    not_found: list[int] = field(default_factory=list)


async def bulk_approve(
    *, session: AsyncSession, dialogue: Dialogue, actor: User, post_ids: Sequence[int]
) -> BulkResult:
    """Approve many queued posts; the ones someone else handled first are reported, not redone."""
    result = BulkResult()
    wanted = list(dict.fromkeys(post_ids))
    posts = {
        p.id: p
        for p in (
            await session.exec(
                select(Post).where(col(Post.id).in_(wanted), Post.dialogue_id == dialogue.id)
            )
        ).all()
    }
    for post_id in wanted:
        post = posts.get(post_id)
        if post is None:
            result.not_found.append(post_id)
            continue
        try:
            # A refusal happens before anything is written, so no savepoint is needed.
            await moderate_post(
                session=session,
                dialogue=dialogue,
                post=post,
                actor=actor,
                action=PostAction.APPROVE,
            )
        except Conflict:
            result.already_handled.append(post_id)
            continue
        result.approved.append(post_id)
    return result


async def set_content_warning(
    *, session: AsyncSession, post: Post, actor: User, warning: str | None
) -> Post:
    """A moderator puts someone's post behind a content warning (or changes or removes it)."""
    before = post.content_warning
    await threads.set_content_warning(session=session, post=post, warning=warning)
    if before != post.content_warning:
        await record_action(
            session=session,
            dialogue_id=post.dialogue_id,
            actor_id=actor.id,
            action="post.content_warning",
            target_type="post",
            target_id=post.id,
            before={"content_warning": before},
            after={"content_warning": post.content_warning},
        )
    return post


async def moderator_edit(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    post: Post,
    actor: User,
    body: str,
    note: str,
    content_warning: str | threads.Keep | None = threads.KEEP,
) -> Post:
    """Edit someone's post from the moderation tools, where a note is required."""
    if not note.strip():
        raise Invalid(
            _("Please say why you edit this post."),
            code=ErrorCode.NOTE_REQUIRED,
            fields=[{"field": "note", "message": "required"}],
        )
    return await staff_edit(
        session=session,
        post=post,
        actor=actor,
        body=body,
        note=note,
        content_warning=content_warning,
    )


async def staff_edit(
    *,
    session: AsyncSession,
    post: Post,
    actor: User,
    body: str,
    note: str,
    content_warning: str | threads.Keep | None = threads.KEEP,
) -> Post:
    """Edit someone's post; the old text stays in the revision history, for staff only.

    The audit log, which advisors read too, keeps the lengths and the note, never the text:
    an edit often removes a name or a detail that must not stay readable anywhere else.
    """
    chars, warning = len(post.body), post.content_warning
    await threads.edit_post(
        session=session,
        post=post,
        editor=actor,
        body=body,
        note=note,
        content_warning=content_warning,
    )
    await record_action(
        session=session,
        dialogue_id=post.dialogue_id,
        actor_id=actor.id,
        action="post.edit",
        target_type="post",
        target_id=post.id,
        reason=note,
        before={"chars": chars, **_warning_change(warning, post.content_warning, 0)},
        after={"chars": len(post.body), **_warning_change(warning, post.content_warning, 1)},
    )
    return post


def _warning_change(before: str | None, after: str | None, side: int) -> dict[str, Any]:
    """A changed content warning in the audit entry (a label, never the post's words)."""
    return {} if before == after else {"content_warning": (before, after)[side]}
