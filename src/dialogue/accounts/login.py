"""Sign-in with rate limits per address and per account, shared by the API and the page."""

from __future__ import annotations

from fastapi import Request
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts import service as accounts
from dialogue.accounts.models import User
from dialogue.errors import RateLimited, Unauthenticated
from dialogue.i18n import gettext as _
from dialogue.ratelimit import RateLimiter


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def guarded_login(
    request: Request, *, session: AsyncSession, email: str, password: str
) -> User:
    """Check the credentials unless the address or the account is over its limit.

    Every attempt counts against the address; failed ones also count against the account,
    so guessing one person's password from many addresses is stopped too.
    """
    by_address: RateLimiter = request.app.state.login_by_address
    by_account: RateLimiter = request.app.state.login_by_account
    address_key = client_address(request)
    account_key = email.strip().lower()
    wait = by_address.retry_after(address_key) or by_account.retry_after(account_key)
    if wait is not None:
        raise RateLimited(
            _("Too many sign-in attempts. Please wait and try again."), retry_after=wait
        )
    by_address.hit(address_key)
    try:
        user = await accounts.authenticate(session=session, email=email, password=password)
    except Unauthenticated:
        by_account.hit(account_key)
        raise
    by_account.reset(account_key)
    return user
