"""Who wants which mail: every kind is on until the person turns it off.

Opt-outs are kept by address, so the footer's link works for people without an account
(an invitee) and without signing in. The digest is the exception: its frequency is the
profile's `digest` field, and stopping it sets that to `off`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import Digest, User
from dialogue.i18n import gettext as _
from dialogue.notifications.models import MailKind, MailOptOut

# The kinds a person chooses on /me (each on by default), in the order shown.
CHOOSABLE = (
    MailKind.THEME_OPENED,
    MailKind.REPLY,
    MailKind.MENTION,
    MailKind.MODERATION,
    MailKind.REVIEW,
    MailKind.CONCERN,
    MailKind.QUESTION,
)


def kind_label(kind: MailKind) -> str:
    labels = {
        MailKind.THEME_OPENED: _("A new theme opens in my dialogues"),
        MailKind.REPLY: _("Someone replies to my post"),
        MailKind.MENTION: _("Someone mentions me (@name)"),
        MailKind.MODERATION: _("New posts and flags waiting for moderation (moderators)"),
        MailKind.REVIEW: _("Reports waiting for my review (organizers and advisors)"),
        MailKind.CONCERN: _("A concern is raised about conduct (organizers and advisors)"),
        MailKind.QUESTION: _("An advisor asks the organizers a question (organizers)"),
    }
    return labels.get(kind, str(kind))


def normal(email: str) -> str:
    return email.strip().lower()


async def opted_out(*, session: AsyncSession, email: str, kind: str) -> bool:
    found = await session.exec(
        select(MailOptOut.id).where(MailOptOut.email == normal(email), MailOptOut.kind == kind)
    )
    return found.first() is not None


async def stopped_kinds(*, session: AsyncSession, email: str) -> set[str]:
    rows = await session.exec(select(MailOptOut.kind).where(MailOptOut.email == normal(email)))
    return set(rows.all())


async def stop(*, session: AsyncSession, email: str, kind: str) -> None:
    """No more mail of `kind` to `email` (a second call changes nothing)."""
    if kind == MailKind.DIGEST:
        await session.exec(
            update(User).where(col(User.email) == normal(email)).values(digest=Digest.OFF)
        )
        return
    if not await opted_out(session=session, email=email, kind=kind):
        session.add(MailOptOut(email=normal(email), kind=kind))
        await session.flush()


async def choose(*, session: AsyncSession, email: str, wanted: Iterable[str]) -> None:
    """Set the /me choices: the choosable kinds not in `wanted` are stopped, the rest on."""
    keep = set(wanted)
    for kind in CHOOSABLE:
        if kind in keep:
            await session.exec(
                delete(MailOptOut).where(
                    col(MailOptOut.email) == normal(email), col(MailOptOut.kind) == kind.value
                )
            )
        else:
            await stop(session=session, email=email, kind=kind)
