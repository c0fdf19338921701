"""Member moderation routes: mute, ban, trust, roles, acting through a post, bulk invite, mode."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path

from dialogue.access import Access, SessionDep, SettingsDep, allow
from dialogue.bounds import DbId
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Membership
from dialogue.dialogues.schemas import MemberState
from dialogue.errors import NotFound
from dialogue.i18n import gettext as _
from dialogue.moderation import audit, invitation_batches, invitation_lists, members, sanctions
from dialogue.moderation.models import AuditEntry
from dialogue.moderation.schemas import (
    AuditTrail,
    AuthorModerationIn,
    AuthorState,
    BulkInviteIn,
    BulkInviteResult,
    MemberModerationIn,
    ModeIn,
    ModeResult,
)
from dialogue.paths import DialogueDep, PostDep
from dialogue.policy import Action, Role

router = APIRouter()
UserId = Annotated[DbId, Path()]


async def _membership(session: SessionDep, dialogue_id: int, user_id: int) -> Membership:
    membership = await dialogues.get_membership(
        session=session, dialogue_id=dialogue_id, user_id=user_id
    )
    if membership is None:
        raise NotFound(_("This person is not a member of the dialogue."))
    return membership


@router.post("/dialogues/{slug}/members/{user_id}/moderation", response_model=MemberState)
async def moderate_member(
    user_id: UserId,
    body: MemberModerationIn,
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.MEMBER_MUTE)],
) -> dict[str, Any]:
    """Mute and ban for staff; trust and roles for organizers only."""
    membership = await _membership(session, dialogue.id or 0, user_id)
    membership = await members.moderate_member(
        session=session,
        dialogue=dialogue,
        membership=membership,
        actor=access.require_user(),
        actor_role=access.role,
        act=members.MemberAction(
            action=body.action,
            reason=body.reason,
            clause=body.clause,
            until=body.until,
            role=body.role,
        ),
    )
    return {"user_id": membership.user_id, **members.state(membership)}


@router.post(
    "/posts/{post_id}/author/moderation",
    response_model=AuthorState,
    response_model_exclude_unset=True,
)
async def moderate_author(
    body: AuthorModerationIn,
    session: SessionDep,
    post: PostDep,
    access: Annotated[Access, allow(Action.MEMBER_BAN)],
) -> dict[str, Any]:
    """Mute or ban a post's author; an anonymous one without anything revealing who it is.

    A named post's author is a known member: the member rules apply to them as they are.
    An anonymous post's author is sanctioned through the post (`sanctions`), and the answer
    is the post's sanction alone, whoever wrote it.
    """
    dialogue = access.require_dialogue()
    act = members.MemberAction(
        action=body.action, reason=body.reason, clause=body.clause, until=body.until
    )
    if post.anonymous:
        answer = await sanctions.sanction_author(
            session=session, dialogue=dialogue, post=post, actor=access.require_user(), act=act
        )
        return answer
    if post.author_id is None:
        raise NotFound(_("This post's author no longer has an account."))
    membership = await members.moderate_member(
        session=session,
        dialogue=dialogue,
        membership=await _membership(session, dialogue.id or 0, post.author_id),
        actor=access.require_user(),
        actor_role=access.role,
        act=act,
    )
    return {"post_id": post.id, **members.state(membership)}


@router.get("/dialogues/{slug}/members/{user_id}/audit", response_model=AuditTrail)
async def member_trail(
    user_id: UserId,
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.AUDIT_READ)],
) -> dict[str, Any]:
    entries = await audit.member_trail(
        session=session, dialogue_id=dialogue.id or 0, user_id=user_id
    )
    return {"items": [audit_entry_data(e) for e in entries]}


@router.post("/dialogues/{slug}/invitations/bulk", status_code=201, response_model=BulkInviteResult)
async def bulk_invite(
    body: BulkInviteIn,
    session: SessionDep,
    settings: SettingsDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.INVITATION_CREATE)],
) -> dict[str, Any]:
    """Invite pasted addresses; members already in are listed, not invited again."""
    batch = await invitation_batches.invite_list(
        session=session,
        dialogue=dialogue,
        actor=access.require_user(),
        entries=invitation_lists.read_pasted(body.emails),
        role=Role(body.role),
        lifetime=timedelta(days=settings.invitation_days),
        secret=settings.secret_key,
        mail=settings,
    )
    rows = invitation_batches.batch_rows(
        batch, base_url=settings.base_url, secret=settings.secret_key
    )
    return {
        "batch_id": batch.id,
        "invited": [
            {
                "email": r["email"],
                "id": r["invitation_id"],
                "url": r["url"],
                "expires_at": r["expires_at"],
            }
            for r in rows
            if r["status"] == invitation_batches.SENT
        ],
        "invalid": [
            r["email"]
            for r in rows
            if r["status"] == invitation_batches.INVALID
            and r["reason"] != invitation_lists.Problem.DUPLICATE
        ],
        "already_members": [r["email"] for r in rows if r["status"] == invitation_batches.MEMBER],
    }


@router.put("/dialogues/{slug}/moderation/mode", response_model=ModeResult)
async def set_mode(
    body: ModeIn,
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.DIALOGUE_UPDATE)],
) -> dict[str, Any]:
    dialogue = await members.set_mode(
        session=session,
        dialogue=dialogue,
        actor=access.require_user(),
        mode=body.mode,
        reason=body.reason,
    )
    return {"slug": dialogue.slug, "moderation": dialogue.moderation}


def audit_entry_data(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "dialogue_id": entry.dialogue_id,
        "actor_id": entry.actor_id,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "reason": entry.reason,
        "clause": entry.clause,
        "clause_version": entry.clause_version,
        "before": entry.before,
        "after": entry.after,
        "created_at": entry.created_at.isoformat(),
    }
