"""“Week 2 is open”: each member hears once when a theme of an open dialogue opens.

The theme's `MailOnce` key is written with its messages, so whichever instance looks
first sends them and any other finds the key (or fails its commit on it) and sends none.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import String, cast, literal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.config import Settings
from dialogue.db import utcnow
from dialogue.dialogues.models import Dialogue, DialogueStatus, Theme
from dialogue.i18n import gettext as _
from dialogue.markup import render_markdown
from dialogue.notifications import audience
from dialogue.notifications.compose import Recipient, send
from dialogue.notifications.feed import once
from dialogue.notifications.models import MailKind, MailOnce

# A theme that opened longer ago than this (while mail was off, or the dialogue was a
# draft) is no longer news.
FRESH = timedelta(days=1)


async def themes_opening(*, session: AsyncSession) -> list[int]:
    """Themes of open dialogues that opened in the last day and were not announced."""
    now = utcnow()
    rows = await session.exec(
        select(Theme.id)
        .join(Dialogue, col(Dialogue.id) == col(Theme.dialogue_id))
        .outerjoin(MailOnce, col(MailOnce.key) == literal("theme:").concat(cast(Theme.id, String)))
        .where(Dialogue.status == DialogueStatus.OPEN)
        .where(col(Theme.opens_at) <= now, col(Theme.closes_at) > now)
        .where(col(Theme.opens_at) > now - FRESH)
        .where(col(MailOnce.key).is_(None))
    )
    return [row for row in rows.all() if row is not None]


async def announce(session: AsyncSession, *, settings: Settings, theme_id: int) -> int:
    """Mail every member that the theme is open; messages queued (0 if done before)."""
    theme = await session.get(Theme, theme_id)
    if theme is None or not await once(session, f"theme:{theme_id}"):
        return 0
    dialogue = await session.get(Dialogue, theme.dialogue_id)
    if dialogue is None:
        return 0
    base = settings.base_url.rstrip("/")
    queued = 0
    for user, _membership in await audience.readers(session=session, dialogue=dialogue):
        message = await send(
            session,
            settings=settings,
            recipient=Recipient.of(user),
            kind=MailKind.THEME_OPENED,
            template="theme_opened",
            subject=lambda: (
                _("“%(theme)s” is open: its guiding questions") % {"theme": theme.title}
            ),
            context={
                "dialogue": dialogue,
                "theme": theme,
                "questions_html": render_markdown(theme.guiding_questions),
                "theme_url": f"{base}/d/{dialogue.slug}/themes/{theme.id}",
            },
        )
        queued += message is not None
    return queued
