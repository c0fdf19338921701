"""Dialogue, theme, invitation and member routes of the JSON API."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Response

from dialogue.access import Access, SessionDep, SettingsDep, allow
from dialogue.bounds import DbId
from dialogue.db import as_utc
from dialogue.dialogues import service as dialogues
from dialogue.dialogues import theme_service
from dialogue.dialogues.models import Membership
from dialogue.dialogues.presenters import dialogue_out, theme_out
from dialogue.dialogues.schemas import (
    ConductAcceptIn,
    DialogueCreate,
    DialogueOut,
    DialogueUpdate,
    InvitationCreate,
    InvitationOut,
    MemberOut,
    MemberUpdate,
    ThemeCreate,
    ThemeOut,
    ThemeUpdate,
)
from dialogue.error_codes import ErrorCode
from dialogue.errors import Forbidden
from dialogue.i18n import gettext as _
from dialogue.moderation import members
from dialogue.paths import DialogueDep, ThemeDep
from dialogue.policy import Action, Role, role_in_dialogue

router = APIRouter(tags=["dialogues"])


@router.post("/dialogues", status_code=201)
async def create_dialogue(
    body: DialogueCreate,
    session: SessionDep,
    access: Annotated[Access, allow(Action.DIALOGUE_CREATE)],
) -> DialogueOut:
    dialogue = await dialogues.create_dialogue(
        session=session, actor=access.require_user(), fields=body.model_dump()
    )
    return await dialogue_out(
        session=session, dialogue=dialogue, role=Role.ORGANIZER, membership=None
    )


@router.get("/dialogues")
async def list_dialogues(
    session: SessionDep, access: Annotated[Access, allow(Action.DIALOGUE_LIST)]
) -> list[DialogueOut]:
    rows = await dialogues.list_visible_dialogues(session=session, user=access.user)
    is_admin = bool(access.user and access.user.is_admin)
    return [
        await dialogue_out(
            session=session,
            dialogue=dialogue,
            role=role_in_dialogue(is_admin=is_admin, role=Role(role) if role else None),
            membership=None,
            with_themes=False,
        )
        for dialogue, role in rows
    ]


@router.get("/dialogues/{slug}")
async def get_dialogue(
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.DIALOGUE_READ)],
) -> DialogueOut:
    return await dialogue_out(
        session=session,
        dialogue=dialogue,
        role=access.role,
        membership=access.membership,
    )


@router.patch("/dialogues/{slug}")
async def update_dialogue(
    body: DialogueUpdate,
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.DIALOGUE_UPDATE)],
) -> DialogueOut:
    dialogue = await dialogues.update_dialogue(
        session=session,
        dialogue=dialogue,
        changes=body.model_dump(exclude_unset=True, exclude={"reason"}),
        actor=access.require_user(),
        reason=body.reason or "",
    )
    return await dialogue_out(
        session=session, dialogue=dialogue, role=access.role, membership=access.membership
    )


@router.post("/dialogues/{slug}/conduct/accept", status_code=204)
async def accept_conduct(
    body: ConductAcceptIn,
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.CONDUCT_ACCEPT)],
) -> Response:
    if access.membership is None:  # an admin who is not a member has nothing to accept
        raise Forbidden(
            _("Only members accept a dialogue's code of conduct."), code=ErrorCode.NOT_MEMBER
        )
    await dialogues.accept_conduct(
        session=session,
        dialogue=dialogue,
        membership=access.membership,
        version=body.version,
    )
    return Response(status_code=204)


@router.post("/dialogues/{slug}/themes", status_code=201)
async def create_theme(
    body: ThemeCreate,
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.THEME_CREATE)],
) -> ThemeOut:
    fields = body.model_dump()
    fields["opens_at"], fields["closes_at"] = as_utc(body.opens_at), as_utc(body.closes_at)
    theme = await theme_service.create_theme(session=session, dialogue=dialogue, fields=fields)
    assert theme.id is not None
    facilitators = await dialogues.theme_facilitators(session=session, theme_ids=[theme.id])
    return theme_out(theme, facilitators[theme.id])


@router.patch("/themes/{theme_id}")
async def update_theme(
    body: ThemeUpdate,
    session: SessionDep,
    theme: ThemeDep,
    access: Annotated[Access, allow(Action.THEME_UPDATE)],
) -> ThemeOut:
    theme_id = theme.id or 0
    changes = body.model_dump(exclude_unset=True)
    for name in ("opens_at", "closes_at"):
        if changes.get(name) is not None:
            changes[name] = as_utc(changes[name])
    changes = {k: v for k, v in changes.items() if v is not None}
    theme = await theme_service.update_theme(
        session=session, dialogue=access.require_dialogue(), theme=theme, changes=changes
    )
    facilitators = await dialogues.theme_facilitators(session=session, theme_ids=[theme_id])
    return theme_out(theme, facilitators[theme_id])


@router.delete("/themes/{theme_id}", status_code=204)
async def delete_theme(
    session: SessionDep,
    theme: ThemeDep,
    access: Annotated[Access, allow(Action.THEME_DELETE)],
) -> Response:
    """Only a theme without threads: one with threads answers 409 `theme_has_threads`."""
    await theme_service.delete_theme(
        session=session, dialogue=access.require_dialogue(), theme=theme
    )
    return Response(status_code=204)


@router.post("/dialogues/{slug}/invitations", status_code=201)
async def create_invitation(
    body: InvitationCreate,
    session: SessionDep,
    settings: SettingsDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.INVITATION_CREATE)],
) -> InvitationOut:
    invitation, token = await members.invite(
        session=session,
        dialogue=dialogue,
        actor=access.require_user(),
        email=body.email,
        role=body.role,
        lifetime=timedelta(days=settings.invitation_days),
        mail=settings,
    )
    assert invitation.id is not None
    return InvitationOut(
        id=invitation.id,
        token=token,
        url=f"{settings.base_url.rstrip('/')}/invitations/{token}",
        expires_at=invitation.expires_at,
    )


@router.get("/dialogues/{slug}/members")
async def list_members(
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.MEMBERS_READ)],
) -> list[MemberOut]:
    assert dialogue.id is not None
    rows = await dialogues.list_members(session=session, dialogue_id=dialogue.id)
    return [member_out(m, u.display_name, u.organization, u.country) for m, u in rows]


@router.put("/dialogues/{slug}/members/{user_id}")
async def update_member(
    user_id: Annotated[DbId, Path()],
    body: MemberUpdate,
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.MEMBER_MUTE)],
) -> MemberOut:
    """Organizers set roles and trust; moderators may only mute.

    A `muted_until` is the member-moderation service's mute or unmute, with its rules,
    reason, notice and audit entry, exactly as `POST .../members/{user_id}/moderation`.
    """
    assert dialogue.id is not None
    changes = body.model_dump(exclude_unset=True, exclude={"reason", "clause"})
    if {"role", "trusted"} & set(changes) and not access.can(Action.MEMBER_ROLE_SET):
        raise Forbidden(_("Only organizers change roles."), code=ErrorCode.FORBIDDEN)
    membership = await members.update_member(
        session=session,
        dialogue=dialogue,
        actor=access.require_user(),
        actor_role=access.role,
        user_id=user_id,
        changes=changes,
        reason=body.reason,
        clause=body.clause,
    )
    rows = await dialogues.list_members(session=session, dialogue_id=dialogue.id)
    user = next(u for m, u in rows if m.user_id == user_id)
    return member_out(membership, user.display_name, user.organization, user.country)


def member_out(
    membership: Membership, display_name: str, organization: str, country: str | None
) -> MemberOut:
    return MemberOut(
        user_id=membership.user_id,
        display_name=display_name,
        organization=organization,
        country=country,
        role=Role(membership.role),
        muted_until=membership.muted_until,
        banned=membership.banned_at is not None,
        trusted=membership.trusted,
        conduct_version=membership.conduct_version,
        # The day only: the minute someone joined, set beside an anonymous post written
        # right after, would say who wrote it.
        joined_at=membership.created_at.replace(hour=0, minute=0, second=0, microsecond=0),
    )
