"""Site administration of accounts: find people, make admins, disable and re-enable.

Site-wide acts belong to no dialogue, so they have no dialogue audit log; what they do is
plain in the account itself (`is_admin`, `disabled_at`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts import service as accounts
from dialogue.accounts.models import User
from dialogue.db import utcnow
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, Forbidden, NotFound
from dialogue.i18n import gettext as _

PAGE_SIZE = 50


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


async def search_people(*, session: AsyncSession, query: str = "") -> Sequence[User]:
    """Accounts whose name or email contains `query` (any letter case), newest first."""
    statement = select(User).order_by(col(User.created_at).desc(), col(User.id).desc())
    if query.strip():
        pattern = _like(query.strip())
        statement = statement.where(
            or_(
                func.lower(col(User.display_name)).like(pattern, escape="\\"),
                col(User.email).like(pattern, escape="\\"),
            )
        )
    return (await session.exec(statement.limit(PAGE_SIZE))).all()


async def get_person(*, session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no such account."))
    return user


async def invite_admin(*, session: AsyncSession, email: str, display_name: str) -> User:
    """Make the account with this email an admin, creating it (without a password) if needed.

    A new account has no password: the admin hands its owner a reset link to set one.
    """
    user = await accounts.get_user_by_email(session=session, email=email)
    if user is None:
        return await accounts.create_user(
            session=session,
            email=email,
            password=None,
            is_admin=True,
            display_name=display_name or email.split("@")[0],
        )
    if user.is_admin:
        raise Conflict(_("This person is already an admin."), code=ErrorCode.ALREADY_HANDLED)
    user.is_admin = True
    session.add(user)
    await session.flush()
    return user


async def set_disabled(*, session: AsyncSession, actor: User, user: User, disabled: bool) -> User:
    """Disable an account (ending all its sessions and tokens at once) or enable it again."""
    if user.id == actor.id:
        raise Forbidden(_("You cannot do this to yourself."), code=ErrorCode.SELF_ACTION)
    if (user.disabled_at is not None) == disabled:
        raise Conflict(_("This account is already like that."), code=ErrorCode.ALREADY_HANDLED)
    user.disabled_at = utcnow() if disabled else None
    session.add(user)
    await session.flush()
    if disabled:
        assert user.id is not None
        await accounts.revoke_all_tokens(session=session, user_id=user.id)
    return user
