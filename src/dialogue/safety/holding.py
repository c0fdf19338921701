"""Holding a post that seems to disclose personal details, whatever the moderation mode.

The detector (`disclosure`) is pure; this reads what one dialogue adds to it (its watch
list, its phrases, and its members' names, read only when the text names a place or an
age at all, since most posts name neither and the post writer is the hot path).
"""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue
from dialogue.safety.disclosure import Rules, detect, entries, needs_member_names


async def hold_reasons(
    *, session: AsyncSession, dialogue: Dialogue, body: str
) -> list[dict[str, Any]] | None:
    """Why the post must wait for a moderator (as stored on the post), or None."""
    assert dialogue.id is not None
    names: tuple[str, ...] = ()
    if needs_member_names(body):
        names = tuple(await dialogues.member_names(session=session, dialogue_id=dialogue.id))
    rules = Rules(
        watch_list=entries(dialogue.watch_list),
        phrases=entries(dialogue.hold_phrases),
        member_names=names,
    )
    return [reason.as_dict() for reason in detect(body, rules)] or None
