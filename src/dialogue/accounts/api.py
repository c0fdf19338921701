"""Account routes of the JSON API."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Request, Response

from dialogue.access import Access, SessionDep, SettingsDep, allow
from dialogue.accounts import erasure, invitations, resets
from dialogue.accounts import service as accounts
from dialogue.accounts.export import MyDataExport, export_my_data
from dialogue.accounts.guards import guard_forgot, guard_invitation, guard_reset
from dialogue.accounts.login import guarded_login, guarded_password_change
from dialogue.accounts.models import TokenKind, User
from dialogue.accounts.schemas import (
    AccountDeleteIn,
    ForgotAccepted,
    InvitationAcceptIn,
    InvitationAcceptOut,
    LoginIn,
    MeUpdate,
    PasswordChangeIn,
    PasswordForgotIn,
    PasswordResetIn,
    TokenOut,
    UserPublic,
)
from dialogue.events.publish import announce_revocation
from dialogue.i18n import current_language
from dialogue.notifications import account_mail
from dialogue.policy import Action

router = APIRouter(tags=["accounts"])


def user_public(user: User) -> UserPublic:
    assert user.id is not None
    return UserPublic.model_validate(user, from_attributes=True)


@router.post("/auth/login")
async def login(
    request: Request,
    body: LoginIn,
    session: SessionDep,
    settings: SettingsDep,
    _access: Annotated[Access, allow(Action.PUBLIC)],
) -> TokenOut:
    """Exchange credentials for a bearer token."""
    user = await guarded_login(request, session=session, email=body.email, password=body.password)
    token = await accounts.issue_token(
        session=session,
        user=user,
        kind=TokenKind.API,
        lifetime=timedelta(days=settings.api_token_days),
    )
    return TokenOut(token=token, user=user_public(user))


@router.post("/auth/logout", status_code=204)
async def logout(
    session: SessionDep, access: Annotated[Access, allow(Action.SIGNED_IN)]
) -> Response:
    """Revoke the token or session the request came with."""
    assert access.principal is not None and access.principal.token.id is not None
    await accounts.revoke_token(session=session, token_id=access.principal.token.id)
    announce_revocation(session, access.principal.token.id)
    return Response(status_code=204)


@router.post("/auth/password/forgot", status_code=202, response_model=ForgotAccepted)
async def forgot_password(
    request: Request,
    body: PasswordForgotIn,
    session: SessionDep,
    settings: SettingsDep,
    _access: Annotated[Access, allow(Action.PUBLIC)],
) -> ForgotAccepted:
    """E-mail a one-time reset link if an account has this address; the answer never says."""
    await guard_forgot(request, email=body.email)
    await account_mail.forgot_password(session, settings=settings, email=body.email)
    return ForgotAccepted()


@router.post("/auth/password/reset", status_code=204)
async def reset_password(
    request: Request,
    body: PasswordResetIn,
    session: SessionDep,
    _access: Annotated[Access, allow(Action.PUBLIC)],
) -> Response:
    """Set a new password with a one-time reset link; every session and token ends."""
    await guard_reset(request, session=session, token=body.token)
    await resets.use_reset(session=session, token=body.token, password=body.password)
    return Response(status_code=204)


@router.get("/me")
async def me(access: Annotated[Access, allow(Action.SIGNED_IN)]) -> UserPublic:
    return user_public(access.require_user())


@router.patch("/me")
async def update_me(
    body: MeUpdate, session: SessionDep, access: Annotated[Access, allow(Action.SIGNED_IN)]
) -> UserPublic:
    user = await accounts.change_profile(session=session, user=access.require_user(), update=body)
    return user_public(user)


@router.post("/me/password", status_code=204)
async def change_my_password(
    request: Request,
    body: PasswordChangeIn,
    session: SessionDep,
    access: Annotated[Access, allow(Action.SIGNED_IN)],
) -> Response:
    """Change one's password: every other session and token ends, this one stays valid."""
    assert access.principal is not None and access.principal.token.id is not None
    await guarded_password_change(
        request,
        session=session,
        user=access.require_user(),
        current=body.current_password,
        new=body.password,
        keep_token_id=access.principal.token.id,
    )
    return Response(status_code=204)


@router.get("/me/export")
async def export_me(
    response: Response, session: SessionDep, access: Annotated[Access, allow(Action.SIGNED_IN)]
) -> MyDataExport:
    """Everything the server holds about the caller, as a JSON download."""
    response.headers["Content-Disposition"] = 'attachment; filename="my-dialogue-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return await export_my_data(session=session, user=access.require_user())


@router.delete("/me", status_code=204)
async def delete_me(
    body: AccountDeleteIn, session: SessionDep, access: Annotated[Access, allow(Action.SIGNED_IN)]
) -> Response:
    """Delete the caller's account: kept posts show "Former participant", removed ones keep
    their place as deleted; every session and token ends."""
    await erasure.delete_own_account(
        session=session,
        user=access.require_user(),
        password=body.password,
        posts=erasure.PostsChoice(body.posts),
    )
    return Response(status_code=204)


@router.post("/invitations/{token}/accept")
async def accept_invitation(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.INVITATION_ACCEPT)],
    body: InvitationAcceptIn | None = None,
) -> InvitationAcceptOut:
    """Join a dialogue; a new invitee's account is created on the way."""
    body = body or InvitationAcceptIn()
    await guard_invitation(request, session=session, token=token, signed_in=access.user)
    user, membership, _dialogue = await invitations.accept_invitation(
        session=session,
        token=token,
        signed_in=access.user,
        display_name=body.display_name,
        password=body.password,
        quote_consent=body.quote_consent,
        language=current_language(),
    )
    new_token = await accounts.issue_token(
        session=session,
        user=user,
        kind=TokenKind.API,
        lifetime=timedelta(days=settings.api_token_days),
    )
    return InvitationAcceptOut(token=new_token, user=user_public(user), role=membership.role)
