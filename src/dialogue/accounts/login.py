"""Sign-in and password changes with rate limits per address and per account, shared by the
API and the pages."""

from __future__ import annotations

from fastapi import Request
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts import service as accounts
from dialogue.accounts.models import User
from dialogue.errors import Forbidden, RateLimited, Unauthenticated
from dialogue.i18n import gettext as _
from dialogue.ratelimit import client_address
from dialogue.state import app_state


async def guarded_login(
    request: Request, *, session: AsyncSession, email: str, password: str
) -> User:
    """Check the credentials unless the address or the account is over its limit.

    Every attempt counts against the address; failed ones also count against the account,
    so guessing one person's password from many addresses is stopped too.
    """
    limits = app_state(request).limits
    address_key = client_address(request)
    account_key = email.strip().lower()
    wait = await limits.login_by_account.retry_after(account_key)
    wait = wait or await limits.login_by_address.hit(address_key)
    if wait is not None:
        raise RateLimited(
            _("Too many sign-in attempts. Please wait and try again."), retry_after=wait
        )
    try:
        user = await accounts.authenticate(session=session, email=email, password=password)
    except Unauthenticated:
        await limits.login_by_account.hit(account_key)
        raise
    await limits.login_by_account.reset(account_key)
    return user


async def guarded_password_change(
    request: Request,
    *,
    session: AsyncSession,
    user: User,
    current: str,
    new: str,
    keep_token_id: int,
) -> None:
    """Change one's password; a wrong current password counts as a failed sign-in of the
    account, so a stolen session cannot guess the password it does not know."""
    limit = app_state(request).limits.login_by_account
    account_key = user.email.strip().lower()
    wait = await limit.retry_after(account_key)
    if wait is not None:
        raise RateLimited(
            _("Too many sign-in attempts. Please wait and try again."), retry_after=wait
        )
    try:
        await accounts.change_password(
            session=session, user=user, current=current, new=new, keep_token_id=keep_token_id
        )
    except Forbidden:
        await limit.hit(account_key)
        raise
