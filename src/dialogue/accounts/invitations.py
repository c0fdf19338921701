"""Invitations: single-use, expiring tokens that make someone a member with a fixed role."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts import service as accounts
from dialogue.accounts.models import Invitation, QuoteConsent, User
from dialogue.accounts.passwords import check_new_password
from dialogue.accounts.tokens import digest, new_token
from dialogue.bounds import refuse_control
from dialogue.config import Settings
from dialogue.db import utcnow
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue, Membership
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, Forbidden, Invalid, NotFound
from dialogue.i18n import gettext as _
from dialogue.moderation import audit
from dialogue.notifications import account_mail
from dialogue.policy import Role


async def create_invitation(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    inviter: User,
    email: str,
    role: Role,
    lifetime: timedelta,
    token: str | None = None,
    display_name: str | None = None,
    mail: Settings | None = None,
) -> tuple[Invitation, str]:
    """Store the invitation with its token's digest; the token itself goes out once.

    A bulk invitation passes its own `token` (derived from a secret, so that its result page
    can show the link again without the link being stored). With `mail` (the settings), the
    invitee is e-mailed in the same transaction.
    """
    assert dialogue.id is not None
    refuse_control(email, "email", single_line=True)
    token = token or new_token()
    invitation = Invitation(
        display_name=display_name or None,
        dialogue_id=dialogue.id,
        email=email.strip().lower(),
        role=role.value,
        token_hash=digest(token),
        invited_by=inviter.id,
        expires_at=utcnow() + lifetime,
    )
    session.add(invitation)
    await session.flush()
    if mail is not None:
        await account_mail.invitation(
            session,
            settings=mail,
            dialogue=dialogue,
            invitation=invitation,
            inviter=inviter,
            token=token,
        )
    return invitation, token


async def find_invitation(*, session: AsyncSession, token: str) -> Invitation:
    """The usable invitation for a token; used, expired and unknown ones are told apart."""
    invitation = (
        await session.exec(select(Invitation).where(Invitation.token_hash == digest(token)))
    ).first()
    if invitation is None:
        raise NotFound(_("This invitation does not exist."), code=ErrorCode.INVITATION_NOT_FOUND)
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation has already been used."), code=ErrorCode.INVITATION_USED)
    if invitation.expires_at <= utcnow():
        raise Conflict(_("This invitation has expired."), code=ErrorCode.INVITATION_EXPIRED)
    return invitation


async def accept_invitation(
    *,
    session: AsyncSession,
    token: str,
    signed_in: User | None,
    display_name: str | None,
    password: str | None,
    quote_consent: QuoteConsent | None = None,
    language: str = "en",
) -> tuple[User, Membership, Dialogue]:
    """Join the dialogue, creating the account first when the invitee has none.

    A new account keeps `language`, the one the invitation was read in; `quote_consent`,
    when given, becomes the person's consent to be quoted in reports.
    """
    invitation = await find_invitation(session=session, token=token)
    # Claim the invitation before anything else: of two simultaneous accepts one wins.
    claimed = await session.exec(
        update(Invitation)
        .where(col(Invitation.id) == invitation.id, col(Invitation.accepted_at).is_(None))
        .values(accepted_at=utcnow())
    )
    if claimed.rowcount != 1:
        raise Conflict(_("This invitation has already been used."), code=ErrorCode.INVITATION_USED)
    user = signed_in
    if user is None:
        existing = await accounts.get_user_by_email(session=session, email=invitation.email)
        if existing is not None:
            raise Forbidden(
                _("An account with this email exists: sign in, then open the invitation again."),
                code=ErrorCode.SIGN_IN_REQUIRED,
            )
        if not display_name or not password:
            raise Invalid(
                _("A name and a password are needed to create your account."),
                fields=[
                    {"field": name, "message": "required"}
                    for name, value in (("display_name", display_name), ("password", password))
                    if not value
                ],
            )
        check_new_password(password)
        user = await accounts.create_user(
            session=session,
            email=invitation.email,
            password=password,
            display_name=display_name,
            language=language,
        )
    if quote_consent is not None:
        from dialogue.synthesis.consent_changes import record_change

        before = user.quote_consent
        user.quote_consent = quote_consent
        session.add(user)
        await record_change(
            session=session, user=user, before=before, after=quote_consent, via="invitation"
        )
    dialogue = await dialogues.get_dialogue_by_id(
        session=session, dialogue_id=invitation.dialogue_id
    )
    assert dialogue is not None and user.id is not None
    existing_membership = await dialogues.get_membership(
        session=session, dialogue_id=invitation.dialogue_id, user_id=user.id
    )
    if existing_membership is not None and existing_membership.banned_at is not None:
        raise Forbidden(_("You cannot join this dialogue."), code=ErrorCode.BANNED)
    # An invitation adds a member; it never changes the role of someone already in (an
    # organizer opening an observer's invitation stays organizer: roles change on purpose).
    membership = existing_membership or await dialogues.add_member(
        session=session, dialogue=dialogue, user_id=user.id, role=Role(invitation.role)
    )
    invitation.accepted_by = user.id
    session.add(invitation)
    await session.flush()
    await audit.record_action(
        session=session,
        dialogue_id=dialogue.id,
        actor_id=user.id,
        action="member.join",
        target_type="member",
        target_id=user.id,
        reason="invitation",
        after={"role": membership.role, "invitation_id": invitation.id},
    )
    return user, membership, dialogue
