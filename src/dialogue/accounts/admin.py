"""Site administration of accounts: find people, make admins, disable and re-enable.

Site-wide acts belong to no dialogue: they go into the same append-only audit log with no
dialogue (`dialogue_id` None), and `/admin` shows that site log, so that one admin's acts are
as answerable to the others as a moderator's are to the advisory council.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts import resets
from dialogue.accounts import service as accounts
from dialogue.accounts.models import User
from dialogue.db import utcnow
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, Forbidden, NotFound
from dialogue.i18n import gettext as _
from dialogue.moderation.audit import record_action
from dialogue.moderation.models import AuditEntry

PAGE_SIZE = 50
SITE_LOG_SIZE = 30


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


@dataclass(frozen=True, slots=True)
class SiteAct:
    """One site-wide act as `/admin` lists it: who (None: the command line) did what to whom."""

    entry: AuditEntry
    actor: User | None
    person: User | None


async def site_log(*, session: AsyncSession) -> list[SiteAct]:
    """The latest site-wide acts, newest first, with the accounts they name."""
    query = (
        select(AuditEntry)
        .where(col(AuditEntry.dialogue_id).is_(None))
        .order_by(col(AuditEntry.id).desc())
        .limit(SITE_LOG_SIZE)
    )
    entries = (await session.exec(query)).all()
    ids = {i for e in entries for i in (e.actor_id, e.target_id) if i is not None}
    people = {u.id: u for u in (await session.exec(select(User).where(col(User.id).in_(ids))))}
    return [SiteAct(e, people.get(e.actor_id), people.get(e.target_id)) for e in entries]


async def _record(session: AsyncSession, actor: User | None, action: str, user: User) -> None:
    await record_action(
        session=session,
        dialogue_id=None,
        actor_id=actor.id if actor else None,
        action=action,
        target_type="user",
        target_id=user.id,
    )


async def invite_admin(
    *, session: AsyncSession, actor: User, email: str, display_name: str
) -> User:
    """Make the account with this email an admin, creating it (without a password) if needed.

    A new account has no password: the admin hands its owner a reset link to set one.
    """
    user = await accounts.get_user_by_email(session=session, email=email)
    if user is None:
        user = await accounts.create_user(
            session=session,
            email=email,
            password=None,
            is_admin=True,
            display_name=display_name or email.split("@")[0],
        )
    elif user.is_admin:
        raise Conflict(_("This person is already an admin."), code=ErrorCode.ALREADY_HANDLED)
    else:
        user.is_admin = True
        session.add(user)
        await session.flush()
    await _record(session, actor, "admin.grant", user)
    return user


async def set_password(
    *, session: AsyncSession, actor: User | None, user: User, password: str
) -> None:
    """Set someone's password for them (ending every session and token), logged."""
    assert user.id is not None
    await accounts.set_password(session=session, user=user, password=password)
    await accounts.revoke_all_tokens(session=session, user_id=user.id)
    await _record(session, actor, "account.password_set", user)


async def issue_reset(*, session: AsyncSession, actor: User | None, user: User) -> str:
    """A one-time password link for `user`, logged; `actor` None is the command line."""
    token = await resets.create_reset(session=session, user=user, created_by=actor)
    await _record(session, actor, "account.reset_link", user)
    return token


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
    await _record(session, actor, "account.disable" if disabled else "account.enable", user)
    return user
