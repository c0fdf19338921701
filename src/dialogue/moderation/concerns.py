"""Concerns about conduct: any member raises one, organizers and advisors handle it.

A concern is about a person's conduct, not only one post (something said elsewhere, a
pattern), so it names a member, or nobody. It names only someone the raiser can already see
by name (`nameable`): asked about anyone else (a member who never wrote under their name, a
non-member, an id that does not exist) it is kept as about no one in particular and answered
exactly the same, so that raising concerns is no way to learn who belongs to a dialogue or
what they are called. It is confidential: no event is appended for
it, nothing of it is archived or reported, and its audit entries are shown only to those who
handle concerns (`policy.CONFIDENTIAL_TARGETS`). Its raiser follows it on the concerns page
and is told of each step by a notice, in their own language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.config import Settings
from dialogue.db import utcnow
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue
from dialogue.error_codes import ErrorCode
from dialogue.errors import Invalid, NotFound
from dialogue.i18n import gettext as _
from dialogue.moderation.audit import record_action
from dialogue.moderation.models import NoticeKind
from dialogue.moderation.notices import notify
from dialogue.moderation.oversight_models import Concern
from dialogue.notifications import oversight_mail
from dialogue.policy import ConcernStatus, enforce, may_move_concern
from dialogue.threads import queries as threads
from dialogue.threads.models import PostStatus

MAX_BODY = 5000
MAX_LISTED = 500


async def raise_concern(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    raiser: User,
    body: str,
    about_user_id: int | None,
    sees_members: bool,
    mail: Settings | None = None,
) -> Concern:
    """Record a member's concern, about the member it names if the raiser may name them.

    `sees_members`: whether the raiser may read the dialogue's member list (`nameable`).
    With `mail` (the settings), those who handle concerns are e-mailed in the same
    transaction."""
    text = body.strip()
    if not text:
        raise Invalid(
            _("Please describe your concern."), fields=[{"field": "body", "message": "required"}]
        )
    if about_user_id is not None and about_user_id == raiser.id:
        raise Invalid(
            _("A concern is about another member of this dialogue."),
            fields=[{"field": "about_user_id", "message": "yourself"}],
        )
    about = (
        await nameable(
            session=session,
            dialogue_id=dialogue.id or 0,
            user_id=about_user_id,
            sees_members=sees_members,
        )
        if about_user_id is not None
        else None
    )
    about_id = about[0] if about else None
    concern = Concern(
        dialogue_id=dialogue.id or 0, raised_by=raiser.id, about_user_id=about_id, body=text
    )
    session.add(concern)
    await session.flush()
    await record_action(
        session=session,
        dialogue_id=dialogue.id,
        actor_id=raiser.id,
        action="concern.raise",
        target_type="concern",
        target_id=concern.id,
        after={"status": concern.status, "about_user_id": about_id},
    )
    if mail is not None:
        await oversight_mail.concern_raised(
            session,
            settings=mail,
            dialogue=dialogue,
            raised_by=raiser.id,
            about_user_id=about_id,
        )
    return concern


async def nameable(
    *, session: AsyncSession, dialogue_id: int, user_id: int, sees_members: bool
) -> tuple[int, str] | None:
    """The member a concern may name, with their name, when the raiser can already see it:
    anyone of the dialogue for those who read its member list, otherwise someone who wrote a
    published post under their own name there. None for everyone else, whoever they are."""
    member = await dialogues.get_membership(
        session=session, dialogue_id=dialogue_id, user_id=user_id
    )
    # Both questions are asked whatever the first answer, so that a member and a stranger
    # take the same time to be turned down.
    named = sees_members or await threads.writes_by_name(
        session=session, dialogue_id=dialogue_id, user_id=user_id
    )
    if member is None or not named:
        return None
    user = await session.get(User, user_id)
    return (user_id, user.display_name) if user is not None else None


async def named_author(
    *, session: AsyncSession, dialogue_id: int, post_id: int
) -> tuple[int, str] | None:
    """The author of a published, named post of this dialogue: whom "raise a concern" from
    that post is about. An anonymous post answers None, as a post of another dialogue does:
    a concern never learns, nor lets anyone learn, who wrote anonymously."""
    found = await threads.post_with_author(session=session, post_id=post_id)
    if found is None:
        return None
    post, author = found
    if (
        post.dialogue_id != dialogue_id
        or post.anonymous
        or post.status != PostStatus.PUBLISHED
        or author is None
        or author.id is None
    ):
        return None
    thread = await threads.get_thread(session=session, thread_id=post.thread_id)
    if thread is None or thread.status != PostStatus.PUBLISHED:
        return None  # a hidden thread's post is not on any page a member reads
    return author.id, author.display_name


async def get_concern(*, session: AsyncSession, dialogue_id: int, concern_id: int) -> Concern:
    """A concern of this dialogue; one of another dialogue is as unknown as a missing one."""
    concern = await session.get(Concern, concern_id)
    if concern is None or concern.dialogue_id != dialogue_id:
        raise NotFound(_("Not found."))
    return concern


async def list_concerns(
    *, session: AsyncSession, dialogue_id: int, raised_by: int | None
) -> Sequence[Concern]:
    """Unresolved first, oldest first among them; `raised_by` narrows to one person's own."""
    query = select(Concern).where(Concern.dialogue_id == dialogue_id)
    if raised_by is not None:
        query = query.where(Concern.raised_by == raised_by)
    query = query.order_by(
        col(Concern.status) == ConcernStatus.RESOLVED.value, col(Concern.id)
    ).limit(MAX_LISTED)
    return (await session.exec(query)).all()


async def move_concern(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    concern: Concern,
    actor: User,
    status: ConcernStatus,
    outcome: str,
) -> Concern:
    """Acknowledge or resolve a concern, and tell the person who raised it."""
    before = ConcernStatus(concern.status)
    enforce(may_move_concern(before, status))
    outcome = outcome.strip()
    if status == ConcernStatus.RESOLVED and not outcome:
        raise Invalid(
            _("Say what came of the concern: the person who raised it reads the outcome."),
            code=ErrorCode.NOTE_REQUIRED,
            fields=[{"field": "outcome", "message": "required"}],
        )
    now = utcnow()
    concern.status, concern.handled_by = status.value, actor.id
    if outcome:
        concern.outcome = outcome
    if status == ConcernStatus.ACKNOWLEDGED:
        concern.acknowledged_at = now
    else:
        concern.resolved_at = now
    session.add(concern)
    await session.flush()
    entry = await record_action(
        session=session,
        dialogue_id=dialogue.id,
        actor_id=actor.id,
        action="concern.acknowledge" if status == ConcernStatus.ACKNOWLEDGED else "concern.resolve",
        target_type="concern",
        target_id=concern.id,
        reason=outcome,
        before={"status": before.value},
        after={"status": status.value},
    )
    await notify(
        session=session,
        dialogue_id=dialogue.id or 0,
        user_id=concern.raised_by,
        kind=NoticeKind.CONCERN_ACKNOWLEDGED
        if status == ConcernStatus.ACKNOWLEDGED
        else NoticeKind.CONCERN_RESOLVED,
        entry=entry,
    )
    return concern


async def overdue(
    *, session: AsyncSession, dialogue_id: int, older_than: timedelta
) -> Sequence[Concern]:
    """Concerns not resolved that were raised longer ago than `older_than`: the reminders."""
    return (
        await session.exec(
            select(Concern)
            .where(
                Concern.dialogue_id == dialogue_id,
                Concern.status != ConcernStatus.RESOLVED.value,
                col(Concern.created_at) < utcnow() - older_than,
            )
            .order_by(col(Concern.id))
            .limit(MAX_LISTED)
        )
    ).all()


@dataclass(frozen=True, slots=True)
class ConcernView:
    """A concern as a page or the API shows it: `raiser` only for those who handle concerns."""

    concern: Concern
    about: str | None
    raiser: str | None
    mine: bool

    @property
    def created(self) -> datetime:
        return self.concern.created_at


async def views(
    *, session: AsyncSession, concerns: Sequence[Concern], viewer_id: int | None, handles: bool
) -> list[ConcernView]:
    """The concerns with the names they speak of, in one query whatever their number."""
    people = {c.about_user_id for c in concerns} | (
        {c.raised_by for c in concerns} if handles else set()
    )
    people.discard(None)
    names: dict[int, str] = {}
    if people:
        rows = await session.exec(
            select(User.id, User.display_name).where(col(User.id).in_(people))
        )
        names = {row[0]: row[1] for row in rows.all() if row[0] is not None}
    return [
        ConcernView(
            concern=c,
            about=names.get(c.about_user_id) if c.about_user_id else None,
            raiser=names.get(c.raised_by) if handles and c.raised_by else None,
            mine=viewer_id is not None and c.raised_by == viewer_id,
        )
        for c in concerns
    ]


def concern_data(view: ConcernView, *, handles: bool) -> dict[str, Any]:
    concern = view.concern
    return {
        "id": concern.id,
        "dialogue_id": concern.dialogue_id,
        "body": concern.body,
        "about_user_id": concern.about_user_id,
        "about_name": view.about,
        "raised_by": concern.raised_by if handles else None,
        "raised_by_name": view.raiser,
        "mine": view.mine,
        "status": concern.status,
        "outcome": concern.outcome,
        "created_at": concern.created_at.isoformat(),
        "acknowledged_at": concern.acknowledged_at.isoformat() if concern.acknowledged_at else None,
        "resolved_at": concern.resolved_at.isoformat() if concern.resolved_at else None,
    }
