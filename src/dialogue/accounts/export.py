"""Download my data: everything the server holds about one person, as one JSON document.

It is the person's own record (GDPR art. 15 and 20): their profile, memberships, the threads
they started and every post they wrote (their anonymous ones included: they are theirs),
reactions, flags and concerns they raised, the moderation notices they received and their
appeals, every change of their consent to be quoted, and the kinds of mail they stopped.
It never carries anyone else's data: not who acted on a notice, not who resolved a flag or
decided an appeal, not whom a concern is about, and nothing about other people's posts
beyond the id a reaction or flag points at.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.db import utcnow
from dialogue.dialogues.models import Dialogue, Membership
from dialogue.moderation.models import Appeal, Flag, Notice
from dialogue.moderation.notices import notice_message
from dialogue.moderation.oversight_models import Concern
from dialogue.notifications import preferences
from dialogue.synthesis import consent_changes
from dialogue.threads.models import Post, PostRevision, Reaction, Thread


class ProfileExport(BaseModel):
    id: int
    email: str
    display_name: str
    organization: str
    country: str | None
    language: str
    timezone: str
    quote_consent: str | None
    digest: str
    hide_presence: bool
    constituency: str | None
    is_admin: bool
    created_at: datetime


class MembershipExport(BaseModel):
    dialogue_slug: str
    dialogue_title: str
    role: str
    conduct_version: int
    conduct_accepted_at: datetime | None
    muted_until: datetime | None
    banned_at: datetime | None
    joined_at: datetime


class ThreadExport(BaseModel):
    """A thread the caller started: its title is their words (the posts follow below)."""

    id: int
    dialogue_id: int
    theme_id: int
    title: str
    status: str
    created_at: datetime


class RevisionExport(BaseModel):
    body: str
    created_at: datetime


class PostExport(BaseModel):
    id: int
    dialogue_id: int
    thread_id: int
    parent_id: int | None
    anonymous: bool
    quote_consent: str | None
    status: str
    body: str
    content_warning: str | None
    hold_reasons: list[dict[str, Any]] | None  # why the rules held it for review
    created_at: datetime
    edited_at: datetime | None
    earlier_versions: list[RevisionExport]


class ReactionExport(BaseModel):
    post_id: int
    kind: str
    created_at: datetime
    updated_at: datetime


class FlagExport(BaseModel):
    id: int
    post_id: int
    reason: str
    note: str
    status: str
    outcome_note: str
    created_at: datetime
    resolved_at: datetime | None


class NoticeExport(BaseModel):
    id: int
    dialogue_id: int
    kind: str
    post_id: int | None
    message: str
    clause: str | None
    reason: str
    until: datetime | None
    created_at: datetime
    read_at: datetime | None


class AppealExport(BaseModel):
    id: int
    notice_id: int
    note: str
    status: str
    decision_note: str
    created_at: datetime
    decided_at: datetime | None


class ConcernExport(BaseModel):
    """A concern the caller raised: their words and what came of it, not whom it is about."""

    id: int
    dialogue_id: int
    body: str
    status: str
    outcome: str
    created_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None


class ConsentChangeExport(BaseModel):
    """One change of the caller's consent to be quoted, as `/me` lists it."""

    before: str | None
    after: str | None
    via: str
    reports_regenerated: int
    created_at: datetime


class MyDataExport(BaseModel):
    exported_at: datetime
    profile: ProfileExport
    memberships: list[MembershipExport]
    threads: list[ThreadExport]
    posts: list[PostExport]
    reactions: list[ReactionExport]
    flags: list[FlagExport]
    notices: list[NoticeExport]
    appeals: list[AppealExport]
    concerns: list[ConcernExport]
    consent_history: list[ConsentChangeExport]  # oldest first
    mail_stopped: list[str]  # the kinds of mail the caller's address asked not to get


async def export_my_data(*, session: AsyncSession, user: User) -> MyDataExport:
    """The caller's whole record; every query is filtered on the caller's own id."""
    assert user.id is not None
    me = user.id
    memberships = (
        await session.exec(
            select(Membership, Dialogue)
            .join(Dialogue, col(Dialogue.id) == col(Membership.dialogue_id))
            .where(Membership.user_id == me)
            .order_by(col(Membership.id))
        )
    ).all()
    threads = (
        await session.exec(select(Thread).where(Thread.author_id == me).order_by(col(Thread.id)))
    ).all()
    posts = (
        await session.exec(select(Post).where(Post.author_id == me).order_by(col(Post.id)))
    ).all()
    # Earlier versions of the caller's own posts, as far as the caller wrote them: a
    # moderator's edit is kept out with its editor.
    revisions = (
        await session.exec(
            select(PostRevision)
            .join(Post, col(Post.id) == col(PostRevision.post_id))
            .where(Post.author_id == me, PostRevision.editor_id == me)
            .order_by(col(PostRevision.id))
        )
    ).all()
    reactions = (
        await session.exec(
            select(Reaction).where(Reaction.user_id == me).order_by(col(Reaction.created_at))
        )
    ).all()
    flags = (
        await session.exec(select(Flag).where(Flag.user_id == me).order_by(col(Flag.id)))
    ).all()
    notices = (
        await session.exec(select(Notice).where(Notice.user_id == me).order_by(col(Notice.id)))
    ).all()
    appeals = (
        await session.exec(select(Appeal).where(Appeal.user_id == me).order_by(col(Appeal.id)))
    ).all()
    concerns = (
        await session.exec(select(Concern).where(Concern.raised_by == me).order_by(col(Concern.id)))
    ).all()
    consent = await consent_changes.changes_of(session=session, user_id=me)
    stopped = await preferences.stopped_kinds(session=session, email=user.email)
    return MyDataExport(
        exported_at=utcnow(),
        profile=ProfileExport.model_validate(user, from_attributes=True),
        memberships=[
            MembershipExport(
                dialogue_slug=dialogue.slug,
                dialogue_title=dialogue.title,
                role=membership.role,
                conduct_version=membership.conduct_version,
                conduct_accepted_at=membership.conduct_accepted_at,
                muted_until=membership.muted_until,
                banned_at=membership.banned_at,
                joined_at=membership.created_at,
            )
            for membership, dialogue in memberships
        ],
        threads=[ThreadExport.model_validate(t, from_attributes=True) for t in threads],
        posts=[
            PostExport(
                id=post.id or 0,
                dialogue_id=post.dialogue_id,
                thread_id=post.thread_id,
                parent_id=post.parent_id,
                anonymous=post.anonymous,
                quote_consent=post.quote_consent,
                status=post.status,
                body=post.body,
                content_warning=post.content_warning,
                hold_reasons=post.hold_reasons,
                created_at=post.created_at,
                edited_at=post.edited_at,
                earlier_versions=[
                    RevisionExport(body=r.body, created_at=r.created_at)
                    for r in revisions
                    if r.post_id == post.id
                ],
            )
            for post in posts
        ],
        reactions=[ReactionExport.model_validate(r, from_attributes=True) for r in reactions],
        flags=[FlagExport.model_validate(f, from_attributes=True) for f in flags],
        notices=[
            NoticeExport(
                id=n.id or 0,
                dialogue_id=n.dialogue_id,
                kind=n.kind,
                post_id=n.post_id,
                message=notice_message(n),
                clause=n.clause,
                reason=n.reason,
                until=n.until,
                created_at=n.created_at,
                read_at=n.read_at,
            )
            for n in notices
        ],
        appeals=[AppealExport.model_validate(a, from_attributes=True) for a in appeals],
        concerns=[ConcernExport.model_validate(c, from_attributes=True) for c in concerns],
        consent_history=[
            ConsentChangeExport.model_validate(c, from_attributes=True) for c in reversed(consent)
        ],
        mail_stopped=sorted(stopped),
    )
