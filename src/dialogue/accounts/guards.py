"""Abuse limits on the account routes anyone may call, shared by the API and the pages.

Each counts every attempt, before any work (an argon2 hash, a mail), per client address
and per account; the account of a request that names none yet is the one it points at.
"""

from __future__ import annotations

from fastapi import Request
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts import invitations, resets
from dialogue.accounts.models import User
from dialogue.errors import DialogueError
from dialogue.state import app_state


async def guard_forgot(request: Request, *, email: str) -> None:
    """Per address, and per e-mail address asked about, whether or not it has an account:
    a refusal then says nothing about which addresses do."""
    limit = app_state(request).limits.password_forgot
    await limit.hit_from(request, account=email.strip().lower())


async def guard_reset(request: Request, *, session: AsyncSession, token: str) -> None:
    """Per address for any token; per account for the account of a usable link."""
    limit = app_state(request).limits.password_reset
    await limit.hit_from(request)
    try:
        _reset, user = await resets.find_reset(session=session, token=token)
    except DialogueError:
        return  # not a usable link: using it says why, after checking the new password
    await limit.hit(account=user.id)


async def guard_invitation(
    request: Request, *, session: AsyncSession, token: str, signed_in: User | None
) -> None:
    """Per address; per the signed-in account, or else per the address invited."""
    limit = app_state(request).limits.invitation_accept
    await limit.hit_from(request)
    if signed_in is not None:
        await limit.hit(account=signed_in.id)
    else:
        invitation = await invitations.find_invitation(session=session, token=token)
        await limit.hit(account=invitation.email)
