"""Dialogue logic: lifecycle, code of conduct, memberships, themes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.db import utcnow
from dialogue.dialogues.models import (
    ConductVersion,
    Dialogue,
    DialogueStatus,
    Membership,
    Theme,
    ThemeFacilitator,
)
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, NotFound
from dialogue.events.kinds import EventKind
from dialogue.events.models import Audience
from dialogue.events.service import append_event
from dialogue.i18n import gettext as _
from dialogue.moderation.audit import record_action
from dialogue.notifications.models import MailFeed
from dialogue.policy import Role, Visibility
from dialogue.safety.disclosure import entries

# Which status may follow which: a closed dialogue may reopen; an archived one is final.
TRANSITIONS: dict[str, set[str]] = {
    DialogueStatus.DRAFT: {DialogueStatus.OPEN},
    DialogueStatus.OPEN: {DialogueStatus.CLOSED},
    DialogueStatus.CLOSED: {DialogueStatus.OPEN, DialogueStatus.ARCHIVED},
    DialogueStatus.ARCHIVED: set(),
}


def dialogue_summary(dialogue: Dialogue) -> dict[str, Any]:
    """What every reader may know of a dialogue, as carried in events."""
    return {
        "slug": dialogue.slug,
        "title": dialogue.title,
        "status": dialogue.status,
        "visibility": dialogue.visibility,
        "moderation": dialogue.moderation,
        "allow_anonymous": dialogue.allow_anonymous,
        "presence": dialogue.presence,
        "conduct_version": dialogue.conduct_version,
    }


async def get_dialogue(*, session: AsyncSession, slug: str) -> Dialogue | None:
    return (await session.exec(select(Dialogue).where(Dialogue.slug == slug))).first()


async def get_dialogue_by_id(*, session: AsyncSession, dialogue_id: int) -> Dialogue | None:
    return await session.get(Dialogue, dialogue_id)


async def list_visible_dialogues(
    *, session: AsyncSession, user: User | None
) -> Sequence[tuple[Dialogue, str | None]]:
    """Public dialogues and the caller's own, each with the caller's role (if any)."""
    query = select(Dialogue, Membership.role).order_by(col(Dialogue.created_at).desc())
    if user is not None and user.is_admin:
        query = query.outerjoin(
            Membership,
            (col(Membership.dialogue_id) == col(Dialogue.id))
            & (col(Membership.user_id) == user.id),
        )
    elif user is not None:
        query = query.outerjoin(
            Membership,
            (col(Membership.dialogue_id) == col(Dialogue.id))
            & (col(Membership.user_id) == user.id)
            & col(Membership.banned_at).is_(None),
        ).where(or_(col(Dialogue.visibility) == Visibility.PUBLIC, col(Membership.id).is_not(None)))
    else:
        query = query.outerjoin(Membership, col(Membership.id) == -1).where(
            col(Dialogue.visibility) == Visibility.PUBLIC
        )
    rows = (await session.exec(query)).all()
    return [(row[0], row[1]) for row in rows]


async def current_conduct(*, session: AsyncSession, dialogue: Dialogue) -> ConductVersion | None:
    if dialogue.conduct_version == 0:
        return None
    return (
        await session.exec(
            select(ConductVersion).where(
                ConductVersion.dialogue_id == dialogue.id,
                ConductVersion.version == dialogue.conduct_version,
            )
        )
    ).first()


async def _new_conduct_version(*, session: AsyncSession, dialogue: Dialogue, text: str) -> None:
    assert dialogue.id is not None
    dialogue.conduct_version += 1
    session.add(
        ConductVersion(dialogue_id=dialogue.id, version=dialogue.conduct_version, text=text)
    )


async def create_dialogue(
    *, session: AsyncSession, actor: User, fields: dict[str, Any]
) -> Dialogue:
    """A new dialogue starts as a draft with its creator as organizer.

    Its mail-and-notice cursor is made with it, so the first reply is news even when it
    comes before the feed first looks (a cursor the feed makes starts at the latest event).
    """
    conduct = (fields.pop("code_of_conduct", "") or "").replace("\r\n", "\n")
    if await get_dialogue(session=session, slug=fields["slug"]) is not None:
        raise Conflict(_("A dialogue with this slug already exists."), code=ErrorCode.SLUG_TAKEN)
    dialogue = Dialogue(**fields)
    session.add(dialogue)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            _("A dialogue with this slug already exists."), code=ErrorCode.SLUG_TAKEN
        ) from exc
    if conduct.strip():
        await _new_conduct_version(session=session, dialogue=dialogue, text=conduct)
    assert actor.id is not None and dialogue.id is not None
    session.add(Membership(dialogue_id=dialogue.id, user_id=actor.id, role=Role.ORGANIZER))
    await session.flush()
    await append_event(
        session=session,
        dialogue_id=dialogue.id,
        kind=EventKind.DIALOGUE_CREATED,
        data=dialogue_summary(dialogue),
    )
    session.add(MailFeed(dialogue_id=dialogue.id, seq=dialogue.last_seq))
    return dialogue


# What the audit log keeps of a settings change: the Markdown of the code is kept in its
# versions, so the entry names the version instead of copying the text.
AUDITED_FIELDS = (
    "slug",
    "title",
    "summary",
    "visibility",
    "allow_anonymous",
    "flag_threshold",
    "conduct_version",
    "presence",
)
# The safety lists name people: advisors read the audit log, so it keeps how many entries
# each list has, never the entries.
COUNTED_FIELDS = ("watch_list", "hold_phrases")


def _audited(dialogue: Dialogue) -> dict[str, Any]:
    kept = {name: getattr(dialogue, name) for name in AUDITED_FIELDS}
    for name in COUNTED_FIELDS:
        kept[name] = len(entries(getattr(dialogue, name)))
    kept["support_text"] = len(dialogue.support_text)
    return kept


async def update_dialogue(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    changes: dict[str, Any],
    actor: User | None = None,
    reason: str = "",
) -> Dialogue:
    """Change settings, moderation mode or status; each kind of change gets its audit entry.

    `actor` is None only for the command line's own changes (the demo), audited as the system.
    """
    if dialogue.status == DialogueStatus.ARCHIVED and set(changes) - {"status"}:
        raise Conflict(_("An archived dialogue is read-only."), code=ErrorCode.DIALOGUE_ARCHIVED)
    before_status, before_mode = dialogue.status, dialogue.moderation
    before = _audited(dialogue)
    status = changes.pop("status", None)
    if status is not None and status != dialogue.status:
        if status not in TRANSITIONS[dialogue.status]:
            raise Conflict(
                _("A dialogue cannot go from %(old)s to %(new)s.")
                % {"old": dialogue.status, "new": status},
                code=ErrorCode.INVALID_TRANSITION,
            )
        dialogue.status = status
    slug = changes.get("slug")
    if slug and slug != dialogue.slug and await get_dialogue(session=session, slug=slug):
        raise Conflict(_("A dialogue with this slug already exists."), code=ErrorCode.SLUG_TAKEN)
    conduct = changes.pop("code_of_conduct", None)
    if conduct is not None:  # a browser's textarea sends CRLF: the same text, no new version
        conduct = conduct.replace("\r\n", "\n")
    current = await current_conduct(session=session, dialogue=dialogue)
    if conduct is not None and conduct.strip() and (current is None or current.text != conduct):
        await _new_conduct_version(session=session, dialogue=dialogue, text=conduct)
    for name, value in changes.items():
        setattr(dialogue, name, value)
    dialogue.updated_at = utcnow()
    session.add(dialogue)
    await session.flush()
    assert dialogue.id is not None
    after = _audited(dialogue)
    changes_made = [
        ("dialogue.status", {"status": before_status}, {"status": dialogue.status}),
        (
            "dialogue.moderation_mode",
            {"moderation": before_mode},
            {"moderation": dialogue.moderation},
        ),
        (
            "dialogue.update",
            {name: value for name, value in before.items() if after[name] != value},
            {name: value for name, value in after.items() if before[name] != value},
        ),
    ]
    for action, old, new in changes_made:
        if old != new:
            await record_action(
                session=session,
                dialogue_id=dialogue.id,
                actor_id=actor.id if actor else None,
                action=action,
                target_type="dialogue",
                target_id=dialogue.id,
                reason=reason,
                before=old,
                after=new,
            )
    await append_event(
        session=session,
        dialogue_id=dialogue.id,
        kind=EventKind.DIALOGUE_UPDATED,
        data=dialogue_summary(dialogue),
    )
    return dialogue


async def get_membership(
    *, session: AsyncSession, dialogue_id: int, user_id: int
) -> Membership | None:
    return (
        await session.exec(
            select(Membership).where(
                Membership.dialogue_id == dialogue_id, Membership.user_id == user_id
            )
        )
    ).first()


async def accept_conduct(
    *, session: AsyncSession, dialogue: Dialogue, membership: Membership, version: int
) -> None:
    if dialogue.conduct_version == 0:
        raise NotFound(_("This dialogue has no code of conduct."), code=ErrorCode.NO_CONDUCT)
    if version != dialogue.conduct_version:
        raise Conflict(
            _("That is not the current version of the code of conduct."),
            code=ErrorCode.CONDUCT_VERSION_MISMATCH,
        )
    membership.conduct_version = version
    membership.conduct_accepted_at = utcnow()
    session.add(membership)
    await session.flush()
    # The member's own pages follow it live; staff read it on the member list. Announced to
    # staff, it would come just before a first anonymous post and say whose it is.
    await append_event(
        session=session,
        dialogue_id=dialogue.id or 0,
        kind=EventKind.CONDUCT_ACCEPTED,
        data={"user_id": membership.user_id, "version": version},
        audience=Audience.SUBJECT,
        subject_user_id=membership.user_id,
    )


def member_data(membership: Membership) -> dict[str, Any]:
    return {
        "user_id": membership.user_id,
        "role": membership.role,
        "muted_until": membership.muted_until.isoformat() if membership.muted_until else None,
        "banned": membership.banned_at is not None,
        "trusted": membership.trusted,
    }


async def add_member(
    *, session: AsyncSession, dialogue: Dialogue, user_id: int, role: Role
) -> Membership:
    """Join a user to a dialogue, or change the role of an existing member."""
    assert dialogue.id is not None
    membership = await get_membership(session=session, dialogue_id=dialogue.id, user_id=user_id)
    if membership is None:
        membership = Membership(dialogue_id=dialogue.id, user_id=user_id, role=role)
    else:
        membership.role = role
    session.add(membership)
    await session.flush()
    await append_event(
        session=session,
        dialogue_id=dialogue.id,
        kind=EventKind.MEMBER_UPDATED,
        data=member_data(membership),
        audience=Audience.REVIEWERS,
        subject_user_id=user_id,
    )
    return membership


async def update_member(
    *, session: AsyncSession, dialogue: Dialogue, membership: Membership, changes: dict[str, Any]
) -> Membership:
    for name, value in changes.items():
        setattr(membership, name, value)
    session.add(membership)
    await session.flush()
    assert dialogue.id is not None
    await append_event(
        session=session,
        dialogue_id=dialogue.id,
        kind=EventKind.MEMBER_UPDATED,
        data=member_data(membership),
        audience=Audience.REVIEWERS,
        subject_user_id=membership.user_id,
    )
    return membership


async def list_members(
    *, session: AsyncSession, dialogue_id: int
) -> Sequence[tuple[Membership, User]]:
    rows = (
        await session.exec(
            select(Membership, User)
            .join(User, col(User.id) == col(Membership.user_id))
            .where(Membership.dialogue_id == dialogue_id)
            .order_by(col(Membership.created_at), col(Membership.id))
        )
    ).all()
    return [(row[0], row[1]) for row in rows]


async def member_names(*, session: AsyncSession, dialogue_id: int) -> list[str]:
    """The display names of a dialogue's members (the disclosure detector looks for them)."""
    rows = await session.exec(
        select(User.display_name)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(Membership.dialogue_id == dialogue_id)
    )
    return [name for name in rows.all() if name]


def theme_is_open(theme: Theme, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return theme.opens_at <= now < theme.closes_at


async def list_themes(*, session: AsyncSession, dialogue_id: int) -> Sequence[Theme]:
    return (
        await session.exec(
            select(Theme)
            .where(Theme.dialogue_id == dialogue_id)
            .order_by(col(Theme.position), col(Theme.opens_at), col(Theme.id))
        )
    ).all()


async def get_theme(*, session: AsyncSession, theme_id: int) -> Theme | None:
    return await session.get(Theme, theme_id)


async def theme_facilitators(
    *, session: AsyncSession, theme_ids: Sequence[int]
) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {theme_id: [] for theme_id in theme_ids}
    if not theme_ids:
        return result
    rows = (
        await session.exec(
            select(ThemeFacilitator).where(col(ThemeFacilitator.theme_id).in_(theme_ids))
        )
    ).all()
    for row in rows:
        result[row.theme_id].append(row.user_id)
    return result


def theme_data(theme: Theme) -> dict[str, Any]:
    return {
        "id": theme.id,
        "title": theme.title,
        "position": theme.position,
        "opens_at": theme.opens_at.isoformat(),
        "closes_at": theme.closes_at.isoformat(),
    }
