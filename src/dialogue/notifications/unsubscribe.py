"""One-click unsubscribe (RFC 8058): a signed link that stops one kind of mail to one address.

The link needs no sign-in: the signature is the proof, and it only ever stops mail. Mail
clients POST `List-Unsubscribe=One-Click` to it; a person who follows the footer's link
gets a page with one button, so that a link scanner opening it stops nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.config import Settings
from dialogue.error_codes import ErrorCode
from dialogue.errors import NotFound
from dialogue.i18n import gettext as _
from dialogue.notifications import preferences, signing
from dialogue.notifications.models import MailKind

PURPOSE = "unsubscribe"


@dataclass(frozen=True, slots=True)
class Subscription:
    email: str
    kind: MailKind


def token_for(settings: Settings, *, email: str, kind: MailKind) -> str:
    return signing.sign(
        settings, purpose=PURPOSE, value=f"{kind.value}:{preferences.normal(email)}"
    )


def unsubscribe_url(settings: Settings, *, email: str, kind: MailKind) -> str:
    token = token_for(settings, email=email, kind=kind)
    return f"{settings.base_url.rstrip('/')}/mail/unsubscribe/{token}"


def read(settings: Settings, token: str) -> Subscription:
    """What a link stops; a forged or mangled one is a 404."""
    value = signing.unsign(settings, purpose=PURPOSE, token=token)
    kind, _sep, email = (value or "").partition(":")
    if value is None or kind not in MailKind._value2member_map_ or "@" not in email:
        raise NotFound(_("This unsubscribe link is not valid."), code=ErrorCode.NOT_FOUND)
    return Subscription(email=email, kind=MailKind(kind))


async def unsubscribe(*, session: AsyncSession, settings: Settings, token: str) -> Subscription:
    """Stop what the link names; using it twice is fine."""
    subscription = read(settings, token)
    await preferences.stop(session=session, email=subscription.email, kind=subscription.kind)
    return subscription
