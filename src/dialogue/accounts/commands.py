"""Account chores for the command line, each in its own transaction."""

from __future__ import annotations

from dialogue.accounts import admin, resets
from dialogue.accounts import service as accounts
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.i18n import gettext as _


async def reset_password(settings: Settings, *, email: str, password: str | None) -> str | None:
    """Set `password` (ending every session and token), or, without one, return a reset link.

    Raises ValueError when no account has this email.
    """
    database = Database(settings)
    try:
        async with database.session() as session:
            user = await accounts.get_user_by_email(session=session, email=email)
            if user is None or user.id is None:
                raise ValueError(_("no account with the email %(email)s") % {"email": email})
            link = None
            if password is None:
                token = await admin.issue_reset(session=session, actor=None, user=user)
                link = resets.reset_url(settings.base_url, token)
            else:
                await admin.set_password(session=session, actor=None, user=user, password=password)
            await session.commit()
            return link
    finally:
        await database.dispose()
