"""Moderating threads: lock and unlock, pin and unpin, move to another theme of the dialogue."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, Invalid
from dialogue.i18n import gettext as _
from dialogue.moderation.audit import record_action
from dialogue.moderation.clauses import cite
from dialogue.moderation.transitions import emit_thread, opening_post
from dialogue.threads.models import Thread

FLAGS = {"lock": ("locked", True), "unlock": ("locked", False), "pin": ("pinned", True)}
FLAGS["unpin"] = ("pinned", False)


async def moderate_thread(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    thread: Thread,
    actor: User,
    action: str,
    reason: str,
    theme_id: int | None = None,
    clause: str | None = None,
) -> Thread:
    """Apply one thread action; repeating one that is already in effect answers 409."""
    citation = await cite(session=session, dialogue=dialogue, clause=clause)
    if action == "move":
        before, after = await _move(
            session=session, dialogue=dialogue, thread=thread, theme_id=theme_id
        )
    else:
        name, value = FLAGS[action]
        if getattr(thread, name) == value:
            raise Conflict(_("This thread is already like that."), code=ErrorCode.ALREADY_HANDLED)
        before, after = {name: not value}, {name: value}
        setattr(thread, name, value)
    session.add(thread)
    await session.flush()
    await record_action(
        session=session,
        dialogue_id=dialogue.id,
        actor_id=actor.id,
        action=f"thread.{action}",
        target_type="thread",
        target_id=thread.id,
        reason=reason,
        clause=citation.clause,
        clause_version=citation.version,
        before=before,
        after=after,
    )
    await emit_thread(
        session=session, thread=thread, opening=await opening_post(session=session, thread=thread)
    )
    return thread


async def _move(
    *, session: AsyncSession, dialogue: Dialogue, thread: Thread, theme_id: int | None
) -> tuple[dict[str, int], dict[str, int]]:
    theme = await dialogues.get_theme(session=session, theme_id=theme_id) if theme_id else None
    if theme is None or theme.dialogue_id != dialogue.id:
        raise Invalid(
            _("Choose a theme of this dialogue."),
            code=ErrorCode.INVALID_THEME,
            fields=[{"field": "theme_id", "message": "not a theme of this dialogue"}],
        )
    if theme.id == thread.theme_id:
        raise Conflict(_("The thread is already in this theme."), code=ErrorCode.ALREADY_HANDLED)
    before = {"theme_id": thread.theme_id}
    thread.theme_id = theme.id or 0
    return before, {"theme_id": thread.theme_id}
