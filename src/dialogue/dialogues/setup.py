"""How far an organizer has got in setting up a draft dialogue: the home page's checklist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import Invitation
from dialogue.db import utcnow
from dialogue.dialogues.models import Dialogue, Membership
from dialogue.dialogues.service import list_themes
from dialogue.policy import Role


@dataclass(frozen=True, slots=True)
class SetupProgress:
    """Plain counts and dates; the page turns each into a done / not done line with a link."""

    themes: int
    conduct_version: int
    invitations: int
    moderators: int
    first_theme_id: int | None  # the theme that opens first: its date opens the dialogue
    opens_at: datetime | None

    @property
    def opening_set(self) -> bool:
        """An opening date still ahead: one already past is no plan for a draft."""
        return self.opens_at is not None and self.opens_at > utcnow()


async def setup_progress(*, session: AsyncSession, dialogue: Dialogue) -> SetupProgress:
    assert dialogue.id is not None
    themes = await list_themes(session=session, dialogue_id=dialogue.id)
    first = min(themes, key=lambda theme: theme.opens_at, default=None)
    invitations = await session.exec(
        select(func.count())
        .select_from(Invitation)
        .where(col(Invitation.dialogue_id) == dialogue.id)
    )
    moderators = await session.exec(
        select(func.count())
        .select_from(Membership)
        .where(
            col(Membership.dialogue_id) == dialogue.id,
            col(Membership.role) == Role.MODERATOR,
            col(Membership.banned_at).is_(None),
        )
    )
    return SetupProgress(
        themes=len(themes),
        conduct_version=dialogue.conduct_version,
        invitations=invitations.one(),
        moderators=moderators.one(),
        first_theme_id=first.id if first else None,
        opens_at=first.opens_at if first else None,
    )
