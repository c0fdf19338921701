"""Moderating members: mute until a time, ban and lift a ban, trust, roles, invitations.

A ban takes effect on the next request at once: `policy.Standing.banned` removes every
right, and the `member.updated` event lets live connections drop the member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts import invitations
from dialogue.accounts.models import Invitation, User
from dialogue.config import Settings
from dialogue.db import as_utc, utcnow
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue, Membership
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, Invalid, NotFound
from dialogue.events.kinds import EventKind
from dialogue.events.models import Audience
from dialogue.events.service import append_event
from dialogue.i18n import gettext as _
from dialogue.moderation.audit import record_action
from dialogue.moderation.clauses import Citation, cite
from dialogue.moderation.models import AuditEntry, NoticeKind
from dialogue.moderation.notices import notify
from dialogue.policy import Role, enforce, may_act_on

NEEDS_REASON = frozenset({"mute", "ban"})
NOTICES = {"mute": NoticeKind.MUTED, "ban": NoticeKind.BANNED}


@dataclass(frozen=True, slots=True)
class MemberAction:
    action: str
    reason: str = ""
    clause: str | None = None
    until: datetime | None = None
    role: Role | None = None


def state(membership: Membership) -> dict[str, Any]:
    return {
        "role": membership.role,
        "muted_until": membership.muted_until.isoformat() if membership.muted_until else None,
        "banned": membership.banned_at is not None,
        "trusted": membership.trusted,
    }


def mute_end(until: datetime | None) -> datetime:
    """A mute's end, which must be in the future."""
    if until is None or as_utc(until) <= utcnow():
        raise Invalid(
            _("A mute needs an end in the future."),
            fields=[{"field": "until", "message": "must be in the future"}],
        )
    return as_utc(until)


def mute_act(
    membership: Membership, until: datetime | None, *, reason: str, clause: str | None
) -> MemberAction | None:
    """A `muted_until` sent to the member route, as the mute or unmute it is.

    None when the member is already so (a repeated PUT changes nothing, and is no conflict).
    """
    current = as_utc(membership.muted_until) if membership.muted_until else None
    if current == (as_utc(until) if until else None):
        return None
    action = "mute" if until is not None else "unmute"
    return MemberAction(action=action, reason=reason, clause=clause, until=until)


def require_reason(act: MemberAction) -> None:
    if act.action in NEEDS_REASON and not act.reason.strip():
        raise Invalid(
            _("Please give a reason for this action."),
            code=ErrorCode.REASON_REQUIRED,
            fields=[{"field": "reason", "message": "required for this action"}],
        )


def _apply(membership: Membership, act: MemberAction) -> None:
    if act.action == "mute":
        membership.muted_until = mute_end(act.until)
    elif act.action == "unmute":
        membership.muted_until = None
    elif act.action == "ban":
        membership.banned_at = utcnow()
    elif act.action == "unban":
        membership.banned_at = None
    elif act.action in ("trust", "untrust"):
        membership.trusted = act.action == "trust"
    elif act.role is None:
        raise Invalid(_("Choose a role."), fields=[{"field": "role", "message": "required"}])
    else:
        membership.role = act.role.value


@dataclass(frozen=True, slots=True)
class Change:
    """One member action for the audit log: who did what to whom, citing which clause."""

    dialogue_id: int
    actor_id: int | None
    action: str
    target: tuple[str, int]  # (target_type, target_id)
    act: MemberAction
    citation: Citation


async def record_change(
    *,
    session: AsyncSession,
    row: SQLModel,
    change: Change,
    before: dict[str, Any],
    after: dict[str, Any],
) -> AuditEntry:
    """Write `row` and its audit entry; "already like that" when the action changed nothing."""
    if before == after:
        raise Conflict(_("This member is already like that."), code=ErrorCode.ALREADY_HANDLED)
    session.add(row)
    await session.flush()
    return await record_action(
        session=session,
        dialogue_id=change.dialogue_id,
        actor_id=change.actor_id,
        action=change.action,
        target_type=change.target[0],
        target_id=change.target[1],
        reason=change.act.reason,
        clause=change.citation.clause,
        clause_version=change.citation.version,
        before=before,
        after=after,
    )


async def moderate_member(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    membership: Membership,
    actor: User,
    actor_role: Role | None,
    act: MemberAction,
) -> Membership:
    """Apply one member action, audit it, tell the member, and announce it.

    Never for an anonymous post's author: `sanctions.sanction_author` acts on them without
    touching the membership staff can read.
    """
    on_self = membership.user_id == actor.id
    enforce(may_act_on(actor_role, Role(membership.role), act=act.action, on_self=on_self))
    require_reason(act)
    citation = await cite(session=session, dialogue=dialogue, clause=act.clause)
    before = state(membership)
    _apply(membership, act)
    entry = await record_change(
        session=session,
        row=membership,
        change=Change(
            dialogue_id=dialogue.id or 0,
            actor_id=actor.id,
            action=f"member.{act.action}",
            target=("member", membership.user_id),
            act=act,
            citation=citation,
        ),
        before=before,
        after=state(membership),
    )
    if act.action in NOTICES:
        await notify(
            session=session,
            dialogue_id=dialogue.id or 0,
            user_id=membership.user_id,
            kind=NOTICES[act.action],
            entry=entry,
            until=membership.muted_until if act.action == "mute" else None,
        )
    # `member.updated` lets the hub close a banned member's sockets at once.
    await append_event(
        session=session,
        dialogue_id=dialogue.id or 0,
        kind=EventKind.MEMBER_UPDATED,
        data=dialogues.member_data(membership),
        audience=Audience.REVIEWERS,
        subject_user_id=membership.user_id,
    )
    return membership


async def update_member(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    actor: User,
    actor_role: Role | None,
    user_id: int,
    changes: dict[str, Any],
    reason: str,
    clause: str | None,
) -> Membership:
    """The member PUT: add a member or set role and trust, audited; a `muted_until` is the
    mute or unmute of `moderate_member`, with its rules, reason and notice."""
    assert dialogue.id is not None
    muting, until = "muted_until" in changes, changes.pop("muted_until", None)
    membership = await dialogues.get_membership(
        session=session, dialogue_id=dialogue.id, user_id=user_id
    )
    before = state(membership) if membership is not None else None
    if membership is None:
        if changes.get("role") is None or await session.get(User, user_id) is None:
            raise NotFound(_("This person is not a member of the dialogue."))
        membership = await dialogues.add_member(
            session=session, dialogue=dialogue, user_id=user_id, role=changes.pop("role")
        )
    if changes.get("role") is None:
        changes.pop("role", None)
    if changes or before is None:
        membership = await dialogues.update_member(
            session=session, dialogue=dialogue, membership=membership, changes=changes
        )
        await record_action(
            session=session,
            dialogue_id=dialogue.id,
            actor_id=actor.id,
            action="member.update" if before else "member.add",
            target_type="member",
            target_id=user_id,
            before=before,
            after=state(membership),
        )
    act = mute_act(membership, until, reason=reason, clause=clause)
    if muting and act is not None:
        membership = await moderate_member(
            session=session,
            dialogue=dialogue,
            membership=membership,
            actor=actor,
            actor_role=actor_role,
            act=act,
        )
    return membership


async def invite(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    actor: User,
    email: str,
    role: Role,
    lifetime: timedelta,
    mail: Settings | None = None,
) -> tuple[Invitation, str]:
    """One invitation and its audit entry: the invitation and its one-time token (e-mailed
    to the invitee when `mail` has the settings)."""
    invitation, token = await invitations.create_invitation(
        session=session,
        dialogue=dialogue,
        inviter=actor,
        email=email,
        role=role,
        lifetime=lifetime,
        mail=mail,
    )
    await record_action(
        session=session,
        dialogue_id=invitation.dialogue_id,
        actor_id=actor.id,
        action="invitation.create",
        target_type="invitation",
        target_id=invitation.id,
        after={"email": invitation.email, "role": invitation.role},
    )
    return invitation, token


async def set_mode(
    *, session: AsyncSession, dialogue: Dialogue, actor: User, mode: str, reason: str
) -> Dialogue:
    """Switch pre- and post-moderation while the dialogue runs; queued posts stay queued.

    The audit entry (`dialogue.moderation_mode`) is written by `update_dialogue`, as for the
    settings page.
    """
    if dialogue.moderation == mode:
        raise Conflict(_("The dialogue already uses this mode."), code=ErrorCode.ALREADY_HANDLED)
    return await dialogues.update_dialogue(
        session=session, dialogue=dialogue, changes={"moderation": mode}, actor=actor, reason=reason
    )
