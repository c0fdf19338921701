"""Password-reset links: one-time, expiring, stored only as their digest.

Until mail is built, an admin (page or command line) makes a link and hands it over; using
it sets the password and signs the account out everywhere else, so a stolen session dies
with the old password.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts import service as accounts
from dialogue.accounts.models import PasswordReset, User
from dialogue.accounts.passwords import check_new_password
from dialogue.accounts.tokens import digest, new_token
from dialogue.db import as_utc, utcnow
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, Forbidden, NotFound
from dialogue.i18n import gettext as _

RESET_LIFETIME = timedelta(hours=24)


def reset_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/password/reset/{token}"


async def create_reset(
    *,
    session: AsyncSession,
    user: User,
    created_by: User | None,
    lifetime: timedelta = RESET_LIFETIME,
) -> str:
    """A new reset link's token (shown once); earlier unused links of the account stop working."""
    assert user.id is not None
    await session.exec(
        update(PasswordReset)
        .where(col(PasswordReset.user_id) == user.id, col(PasswordReset.used_at).is_(None))
        .values(used_at=utcnow())
    )
    token = new_token()
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=digest(token),
            created_by=created_by.id if created_by else None,
            expires_at=utcnow() + lifetime,
        )
    )
    await session.flush()
    return token


async def find_reset(*, session: AsyncSession, token: str) -> tuple[PasswordReset, User]:
    """The usable reset for a token and its account; unknown, used and expired told apart."""
    row = (
        await session.exec(
            select(PasswordReset, User)
            .join(User, col(User.id) == col(PasswordReset.user_id))
            .where(PasswordReset.token_hash == digest(token))
        )
    ).first()
    if row is None:
        raise NotFound(
            _("This password-reset link does not exist."), code=ErrorCode.RESET_NOT_FOUND
        )
    reset, user = row
    if reset.used_at is not None:
        raise Conflict(
            _("This password-reset link has already been used."), code=ErrorCode.RESET_USED
        )
    if as_utc(reset.expires_at) <= utcnow():
        raise Conflict(_("This password-reset link has expired."), code=ErrorCode.RESET_EXPIRED)
    if user.disabled_at is not None:
        raise Forbidden(
            _("This account is disabled. Please ask the site's administrators."),
            code=ErrorCode.ACCOUNT_DISABLED,
        )
    return reset, user


async def use_reset(*, session: AsyncSession, token: str, password: str) -> User:
    """Set the new password, spend the link, and end every session and token of the account."""
    check_new_password(password)
    reset, user = await find_reset(session=session, token=token)
    # Claim the link first: of two simultaneous uses, one wins.
    claimed = await session.exec(
        update(PasswordReset)
        .where(col(PasswordReset.id) == reset.id, col(PasswordReset.used_at).is_(None))
        .values(used_at=utcnow())
    )
    if claimed.rowcount != 1:
        raise Conflict(
            _("This password-reset link has already been used."), code=ErrorCode.RESET_USED
        )
    await accounts.set_password(session=session, user=user, password=password)
    assert user.id is not None
    await accounts.revoke_all_tokens(session=session, user_id=user.id)
    return user
