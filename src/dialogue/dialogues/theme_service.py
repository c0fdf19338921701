"""Changing a dialogue's themes: their dates, order, facilitators, creation and removal.

Reading themes stays in `dialogues.service`; the API, the pages, the demo and the Pol.is
import all change themes through these functions, so the date check has one home.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.dialogues.models import Dialogue, DialogueStatus, Theme, ThemeFacilitator
from dialogue.dialogues.service import list_members, list_themes, theme_data
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, Invalid
from dialogue.events.kinds import EventKind
from dialogue.events.service import append_event
from dialogue.i18n import gettext as _
from dialogue.policy import Role, enforce, may_delete_theme
from dialogue.threads.models import Thread


async def _set_facilitators(
    *, session: AsyncSession, dialogue: Dialogue, theme: Theme, user_ids: list[int]
) -> None:
    assert theme.id is not None and dialogue.id is not None
    staff = {
        m.user_id
        for m, _u in await list_members(session=session, dialogue_id=dialogue.id)
        if m.role in (Role.MODERATOR, Role.ORGANIZER)
    }
    unknown = [uid for uid in user_ids if uid not in staff]
    if unknown:
        raise Invalid(
            _("Facilitators must be moderators or organizers of this dialogue."),
            fields=[{"field": "facilitators", "message": f"not staff: {unknown}"}],
        )
    await session.exec(delete(ThemeFacilitator).where(col(ThemeFacilitator.theme_id) == theme.id))
    for uid in dict.fromkeys(user_ids):
        session.add(ThemeFacilitator(theme_id=theme.id, user_id=uid))


def _check_theme_dates(opens_at: datetime, closes_at: datetime) -> None:
    """The one check of a theme's dates, for the API and the pages alike."""
    if closes_at <= opens_at:
        raise Invalid(
            _("A theme must close after it opens."),
            fields=[{"field": "closes_at", "message": _("A theme must close after it opens.")}],
        )


def overlapping(theme: Theme, others: Sequence[Theme]) -> list[Theme]:
    """The other themes whose dates overlap this one's: worth a warning, not a refusal."""
    return [
        other
        for other in others
        if other.id != theme.id
        and other.opens_at < theme.closes_at
        and theme.opens_at < other.closes_at
    ]


async def create_theme(
    *, session: AsyncSession, dialogue: Dialogue, fields: dict[str, Any]
) -> Theme:
    if dialogue.status == DialogueStatus.ARCHIVED:
        raise Conflict(_("An archived dialogue is read-only."), code=ErrorCode.DIALOGUE_ARCHIVED)
    assert dialogue.id is not None
    _check_theme_dates(fields["opens_at"], fields["closes_at"])
    facilitators = fields.pop("facilitators", [])
    existing = await list_themes(session=session, dialogue_id=dialogue.id)
    theme = Theme(dialogue_id=dialogue.id, position=len(existing), **fields)
    session.add(theme)
    await session.flush()
    if facilitators:
        await _set_facilitators(
            session=session, dialogue=dialogue, theme=theme, user_ids=facilitators
        )
    await append_event(
        session=session,
        dialogue_id=dialogue.id,
        kind=EventKind.THEME_CREATED,
        data=theme_data(theme),
    )
    return theme


async def update_theme(
    *, session: AsyncSession, dialogue: Dialogue, theme: Theme, changes: dict[str, Any]
) -> Theme:
    if dialogue.status == DialogueStatus.ARCHIVED:
        raise Conflict(_("An archived dialogue is read-only."), code=ErrorCode.DIALOGUE_ARCHIVED)
    facilitators = changes.pop("facilitators", None)
    position = changes.pop("position", None)
    _check_theme_dates(
        changes.get("opens_at", theme.opens_at), changes.get("closes_at", theme.closes_at)
    )
    for name, value in changes.items():
        setattr(theme, name, value)
    session.add(theme)
    await session.flush()
    if facilitators is not None:
        await _set_facilitators(
            session=session, dialogue=dialogue, theme=theme, user_ids=facilitators
        )
    assert dialogue.id is not None
    if position is not None:
        await move_theme(session=session, dialogue=dialogue, theme=theme, position=position)
    await append_event(
        session=session,
        dialogue_id=dialogue.id,
        kind=EventKind.THEME_UPDATED,
        data=theme_data(theme),
    )
    return theme


async def move_theme(
    *, session: AsyncSession, dialogue: Dialogue, theme: Theme, position: int
) -> list[Theme]:
    """Put a theme at `position` (clamped) and number all the dialogue's themes 0, 1, 2, ...

    Each other theme whose place changed is announced; the moved one is announced by the
    caller with the rest of its change (or by `reorder_theme`).
    """
    if dialogue.status == DialogueStatus.ARCHIVED:
        raise Conflict(_("An archived dialogue is read-only."), code=ErrorCode.DIALOGUE_ARCHIVED)
    assert dialogue.id is not None
    themes = [t for t in await list_themes(session=session, dialogue_id=dialogue.id)]
    themes = [t for t in themes if t.id != theme.id]
    themes.insert(max(0, min(position, len(themes))), theme)
    for index, row in enumerate(themes):
        if row.position == index:
            continue
        row.position = index
        session.add(row)
        if row.id != theme.id:
            await append_event(
                session=session,
                dialogue_id=dialogue.id,
                kind=EventKind.THEME_UPDATED,
                data=theme_data(row),
            )
    await session.flush()
    return themes


async def delete_theme(*, session: AsyncSession, dialogue: Dialogue, theme: Theme) -> None:
    """Remove a theme that has no threads yet; one with threads is refused, never emptied."""
    if dialogue.status == DialogueStatus.ARCHIVED:
        raise Conflict(_("An archived dialogue is read-only."), code=ErrorCode.DIALOGUE_ARCHIVED)
    enforce(may_delete_theme(await theme_thread_count(session=session, theme_id=theme.id or 0)))
    assert dialogue.id is not None
    data = theme_data(theme)
    await session.delete(theme)
    await session.flush()
    for index, row in enumerate(await list_themes(session=session, dialogue_id=dialogue.id)):
        if row.position != index:
            row.position = index
            session.add(row)
    await session.flush()
    await append_event(
        session=session, dialogue_id=dialogue.id, kind=EventKind.THEME_DELETED, data=data
    )


async def theme_thread_count(*, session: AsyncSession, theme_id: int) -> int:
    """How many threads a theme holds, whatever their state (deleting it would take them)."""
    count = await session.exec(
        select(func.count()).select_from(Thread).where(col(Thread.theme_id) == theme_id)
    )
    return int(count.one())
