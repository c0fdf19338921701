"""Account logic: creating users, signing in and out, tokens, profiles."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import AuthToken, TokenKind, User
from dialogue.accounts.passwords import check_new_password, hash_password, verify_password
from dialogue.accounts.schemas import MeUpdate
from dialogue.accounts.tokens import digest, new_token
from dialogue.bounds import refuse_control
from dialogue.db import utcnow
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, Forbidden, Unauthenticated
from dialogue.events.publish import announce_revocation
from dialogue.i18n import gettext as _


async def get_user_by_email(*, session: AsyncSession, email: str) -> User | None:
    result = await session.exec(select(User).where(User.email == email.strip().lower()))
    return result.first()


async def create_user(
    *,
    session: AsyncSession,
    email: str,
    password: str | None,
    is_admin: bool = False,
    **profile: Any,
) -> User:
    """Create an account; a duplicate email (in any letter case) is a 409."""
    email = email.strip().lower()
    # Every path that makes an account (API, invitation form, CLI, import) meets the rule.
    for name, value in (("email", email), *profile.items()):
        if isinstance(value, str):
            refuse_control(value, name, single_line=True)
    if await get_user_by_email(session=session, email=email) is not None:
        raise Conflict(_("An account with this email already exists."), code=ErrorCode.EMAIL_TAKEN)
    profile.setdefault("display_name", email.split("@")[0])
    user = User(
        email=email,
        password_hash=await hash_password(password) if password else None,
        is_admin=is_admin,
        **profile,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent insert of the same email
        raise Conflict(
            _("An account with this email already exists."), code=ErrorCode.EMAIL_TAKEN
        ) from exc
    return user


async def authenticate(*, session: AsyncSession, email: str, password: str) -> User:
    """The same answer for an unknown email and a wrong password, in the same time."""
    user = await get_user_by_email(session=session, email=email)
    ok = await verify_password(user.password_hash if user else None, password)
    if user is None or not ok:
        raise Unauthenticated(_("Wrong email or password."), code=ErrorCode.INVALID_CREDENTIALS)
    if user.disabled_at is not None:  # told only to whoever knows the password
        raise Forbidden(
            _("This account is disabled. Please ask the site's administrators."),
            code=ErrorCode.ACCOUNT_DISABLED,
        )
    return user


async def issue_token(
    *, session: AsyncSession, user: User, kind: TokenKind, lifetime: timedelta
) -> str:
    """Store a new token's digest and hand the token itself to the caller, once."""
    token = new_token()
    assert user.id is not None
    session.add(
        AuthToken(
            user_id=user.id,
            token_hash=digest(token),
            kind=kind,
            expires_at=utcnow() + lifetime,
        )
    )
    await session.flush()
    return token


async def resolve_token(
    *, session: AsyncSession, token: str, now: datetime | None = None
) -> tuple[User, AuthToken] | None:
    now = now or utcnow()
    result = await session.exec(
        select(User, AuthToken)
        .join(AuthToken, col(AuthToken.user_id) == col(User.id))
        .where(AuthToken.token_hash == digest(token))
        .where(col(AuthToken.revoked_at).is_(None))
        .where(AuthToken.expires_at > now)
        .where(col(User.disabled_at).is_(None))
    )
    row = result.first()
    return (row[0], row[1]) if row else None


async def revoke_token(*, session: AsyncSession, token_id: int) -> None:
    await session.exec(
        update(AuthToken)
        .where(col(AuthToken.id) == token_id)
        .where(col(AuthToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


async def revoke_session_token(*, session: AsyncSession, token: str) -> None:
    """End the browser session with this cookie value, if it is one (its sockets close too)."""
    found = await session.exec(
        select(AuthToken.id)
        .where(AuthToken.token_hash == digest(token))
        .where(AuthToken.kind == TokenKind.SESSION)
        .where(col(AuthToken.revoked_at).is_(None))
    )
    token_id = found.first()
    if token_id is not None:
        await revoke_token(session=session, token_id=token_id)
        announce_revocation(session, token_id)


async def revoke_all_tokens(
    *, session: AsyncSession, user_id: int, keep_token_id: int | None = None
) -> None:
    """Sign a user out everywhere (after a password change or reset, a disabled account),
    except, when given, the session or token the change was made with.

    Each live token is also announced, so that its open websockets close after the commit.
    """
    live = await session.exec(
        select(AuthToken.id)
        .where(AuthToken.user_id == user_id)
        .where(col(AuthToken.revoked_at).is_(None))
        .where(col(AuthToken.id) != keep_token_id)
    )
    token_ids = [token_id for token_id in live.all() if token_id is not None]
    if not token_ids:
        return
    await session.exec(
        update(AuthToken)
        .where(col(AuthToken.id).in_(token_ids))
        .where(col(AuthToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
    for token_id in token_ids:
        announce_revocation(session, token_id)


# Fields an account always has: a null sent for one of them leaves it as it was.
_REQUIRED_PROFILE = (
    "display_name",
    "organization",
    "language",
    "timezone",
    "digest",
    "hide_presence",
)


async def change_profile(*, session: AsyncSession, user: User, update: MeUpdate) -> User:
    """Apply a validated profile change (API PATCH and the profile page alike)."""
    changes = update.model_dump(exclude_unset=True)
    for name in _REQUIRED_PROFILE:
        if name in changes and changes[name] is None:
            del changes[name]
    before = user.quote_consent
    await update_profile(session=session, user=user, changes=changes)
    if "quote_consent" in changes:
        # Imported here: reports sit above accounts, and rebuilding one is rare.
        from dialogue.synthesis.consent_changes import record_change

        await record_change(
            session=session, user=user, before=before, after=user.quote_consent, via="profile"
        )
    return user


async def update_profile(*, session: AsyncSession, user: User, changes: dict[str, Any]) -> User:
    for name, value in changes.items():
        setattr(user, name, value)
    session.add(user)
    await session.flush()
    return user


async def change_password(
    *, session: AsyncSession, user: User, current: str, new: str, keep_token_id: int
) -> None:
    """The person changes their own password, confirming the current one. Every other
    session and token ends; the one they did it with stays, so they remain signed in."""
    if not await verify_password(user.password_hash, current):
        raise Forbidden(
            _("Your current password is not right."), code=ErrorCode.INVALID_CREDENTIALS
        )
    check_new_password(new)
    await set_password(session=session, user=user, password=new)
    assert user.id is not None
    await revoke_all_tokens(session=session, user_id=user.id, keep_token_id=keep_token_id)


async def set_password(*, session: AsyncSession, user: User, password: str) -> None:
    user.password_hash = await hash_password(password)
    session.add(user)
    await session.flush()
