"""Revealing an anonymous author takes two people: one asks with a reason, another approves.

Only those two ever see the author, and only after approval; both steps are audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.db import utcnow
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, Forbidden, Invalid, NotFound
from dialogue.i18n import gettext as _
from dialogue.moderation.audit import record_action
from dialogue.moderation.models import UnmaskRequest, UnmaskStatus
from dialogue.threads.models import Post, Thread

MAX_LISTED = 200  # requests are rare; a page of more would be an abuse to look into anyway


async def request_unmask(
    *, session: AsyncSession, post: Post, actor: User, reason: str
) -> UnmaskRequest:
    """The first step, with a reason the second person weighs (blank is no reason)."""
    reason = reason.strip()
    if not reason:
        raise Invalid(
            _("Say why the author must be revealed."),
            fields=[{"field": "reason", "message": "empty"}],
        )
    if not post.anonymous:
        raise Conflict(_("This post is not anonymous."), code=ErrorCode.NOT_ANONYMOUS)
    open_request = (
        await session.exec(
            select(UnmaskRequest.id).where(
                UnmaskRequest.post_id == post.id, UnmaskRequest.status == UnmaskStatus.PENDING
            )
        )
    ).first()
    if open_request is not None:
        raise Conflict(
            _("A request for this post is already waiting."), code=ErrorCode.ALREADY_REQUESTED
        )
    request = UnmaskRequest(
        dialogue_id=post.dialogue_id,
        post_id=post.id or 0,
        requested_by=actor.id or 0,
        reason=reason,
    )
    session.add(request)
    await session.flush()
    await record_action(
        session=session,
        dialogue_id=post.dialogue_id,
        actor_id=actor.id,
        action="unmask.request",
        target_type="post",
        target_id=post.id,
        reason=reason,
        after={"request_id": request.id},
    )
    return request


async def decide_unmask(
    *, session: AsyncSession, post: Post, request_id: int, actor: User, approve: bool, note: str
) -> UnmaskRequest:
    """The second person's decision; the requester cannot approve their own request."""
    request = await session.get(UnmaskRequest, request_id)
    if request is None or request.post_id != post.id:
        raise NotFound(_("Not found."))
    if request.requested_by == actor.id:
        raise Forbidden(
            _("A second moderator or organizer must decide this request."),
            code=ErrorCode.OWN_REQUEST,
        )
    if request.status != UnmaskStatus.PENDING:
        raise Conflict(_("This request was already decided."), code=ErrorCode.ALREADY_HANDLED)
    request.status = (UnmaskStatus.APPROVED if approve else UnmaskStatus.REFUSED).value
    request.decided_by, request.decided_at, request.decision_note = actor.id, utcnow(), note
    session.add(request)
    await session.flush()
    await record_action(
        session=session,
        dialogue_id=post.dialogue_id,
        actor_id=actor.id,
        action="unmask.approve" if approve else "unmask.refuse",
        target_type="post",
        target_id=post.id,
        reason=note,
        before={"status": UnmaskStatus.PENDING.value},
        after={"status": request.status, "request_id": request.id},
    )
    return request


async def get_request(*, session: AsyncSession, dialogue_id: int, request_id: int) -> UnmaskRequest:
    """A request of this dialogue; one of another dialogue is as unknown as a missing one."""
    request = await session.get(UnmaskRequest, request_id)
    if request is None or request.dialogue_id != dialogue_id:
        raise NotFound(_("Not found."))
    return request


async def dialogue_requests(
    *, session: AsyncSession, dialogue_id: int, viewer_id: int | None
) -> list[dict[str, Any]]:
    """A dialogue's requests for its staff's page: waiting ones first, then newest decided.

    Each carries its thread and the names of the two people, and the author only as
    `request_data` allows.
    """
    rows = (
        await session.exec(
            select(UnmaskRequest, Post, Thread.title)
            .join(Post, col(Post.id) == col(UnmaskRequest.post_id))
            .join(Thread, col(Thread.id) == col(Post.thread_id))
            .where(UnmaskRequest.dialogue_id == dialogue_id)
            .order_by(
                case((col(UnmaskRequest.status) == UnmaskStatus.PENDING, 0), else_=1),
                col(UnmaskRequest.id).desc(),
            )
            .limit(MAX_LISTED)
        )
    ).all()
    people = {r.requested_by for r, _p, _t in rows} | {r.decided_by for r, _p, _t in rows}
    names = dict(
        (
            await session.exec(
                select(User.id, User.display_name).where(col(User.id).in_(people - {None}))
            )
        ).all()
    )
    return [
        await request_data(session=session, request=request, post=post, viewer_id=viewer_id)
        | {
            "thread_id": post.thread_id,
            "thread_title": title,
            "requester_name": names.get(request.requested_by),
            "decider_name": names.get(request.decided_by) if request.decided_by else None,
        }
        for request, post, title in rows
    ]


async def list_requests(*, session: AsyncSession, post: Post) -> Sequence[UnmaskRequest]:
    return (
        await session.exec(
            select(UnmaskRequest)
            .where(UnmaskRequest.post_id == post.id)
            .order_by(col(UnmaskRequest.id))
        )
    ).all()


async def request_data(
    *, session: AsyncSession, request: UnmaskRequest, post: Post, viewer_id: int | None
) -> dict[str, Any]:
    """A request as a staff member sees it; the author only for its two deciders, once approved."""
    data: dict[str, Any] = {
        "id": request.id,
        "post_id": request.post_id,
        "requested_by": request.requested_by,
        "reason": request.reason,
        "status": request.status,
        "decided_by": request.decided_by,
        "decision_note": request.decision_note,
        "created_at": request.created_at.isoformat(),
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
        "author": None,
    }
    revealed = request.status == UnmaskStatus.APPROVED and viewer_id in (
        request.requested_by,
        request.decided_by,
    )
    if revealed and post.author_id is not None:
        author = await session.get(User, post.author_id)
        if author is not None:
            data["author"] = {
                "id": author.id,
                "display_name": author.display_name,
                "email": author.email,
                "organization": author.organization,
            }
    return data
