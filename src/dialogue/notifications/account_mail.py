"""Mail about access: an invitation to a dialogue, a link to set a new password."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts import resets
from dialogue.accounts import service as accounts
from dialogue.accounts.models import Invitation, PasswordReset, User
from dialogue.config import Settings
from dialogue.db import as_utc, utcnow
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue
from dialogue.i18n import current_language
from dialogue.i18n import gettext as _
from dialogue.markup import render_markdown
from dialogue.notifications.compose import Recipient, send
from dialogue.notifications.models import MailKind, OutboxMessage

# A self-service link lives shorter than one an admin hands over: it sits in a mailbox.
FORGOT_LIFETIME = timedelta(hours=1)
# At most one reset mail per account in this time, whoever asks: the form cannot be used
# to fill someone's mailbox.
FORGOT_INTERVAL = timedelta(minutes=2)


async def invitation(
    session: AsyncSession,
    *,
    settings: Settings,
    dialogue: Dialogue,
    invitation: Invitation,
    inviter: User,
    token: str,
) -> OutboxMessage | None:
    """Tell the invitee who invites them, to what, as what, under which rules, and how to accept."""
    existing = await accounts.get_user_by_email(session=session, email=invitation.email)
    # Someone without an account yet reads the language the organizer works in.
    recipient = (
        Recipient.of(existing)
        if existing is not None
        else Recipient(
            email=invitation.email,
            name=invitation.display_name or "",
            language=current_language(),
        )
    )
    conduct = await dialogues.current_conduct(session=session, dialogue=dialogue)
    base = settings.base_url.rstrip("/")
    return await send(
        session,
        settings=settings,
        recipient=recipient,
        kind=MailKind.INVITATION,
        template="invitation",
        subject=lambda: _("Invitation to “%(title)s”") % {"title": dialogue.title},
        context={
            "dialogue": dialogue,
            "inviter": inviter.display_name,
            "role": invitation.role,
            "accept_url": f"{base}/invitations/{token}",
            "conduct_url": f"{base}/d/{dialogue.slug}/conduct",
            "conduct_text": conduct.text if conduct else "",
            "conduct_html": render_markdown(conduct.text) if conduct else "",
            "expires_at": invitation.expires_at,
        },
    )


async def forgot_password(
    session: AsyncSession, *, settings: Settings, email: str
) -> OutboxMessage | None:
    """Mail a reset link if the address has a usable account; the caller never learns which."""
    user = await accounts.get_user_by_email(session=session, email=email)
    if user is None or user.id is None or user.disabled_at is not None:
        return None
    latest = (
        await session.exec(
            select(PasswordReset.created_at)
            .where(PasswordReset.user_id == user.id)
            .order_by(col(PasswordReset.created_at).desc())
            .limit(1)
        )
    ).first()
    if latest is not None and as_utc(latest) > utcnow() - FORGOT_INTERVAL:
        return None
    token = await resets.create_reset(
        session=session, user=user, created_by=None, lifetime=FORGOT_LIFETIME
    )
    return await send(
        session,
        settings=settings,
        recipient=Recipient.of(user),
        kind=MailKind.PASSWORD_RESET,
        template="password_reset",
        subject=lambda: _("Set a new password"),
        context={
            "reset_url": resets.reset_url(settings.base_url, token),
            "expires_at": utcnow() + FORGOT_LIFETIME,
        },
    )
