"""What the thread page needs for its moderators' tools, each asked of the policy.

A tool is offered only to a reader the policy lets use it (`StaffTools.of(access.can)`), so
a participant's or an advisor's page carries none of them; the live fragment asks the same
for its reader class (`live.fragments`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.access import Access
from dialogue.dialogues import service as dialogues
from dialogue.moderation import codebook
from dialogue.policy import StaffTools


@dataclass(slots=True)
class ToolError:
    """A refused moderation form of the thread page: the post it was for (none: the thread's)."""

    error: str
    post_id: int | None = None


async def staff_tools(
    session: AsyncSession, access: Access, tool_error: ToolError | None
) -> dict[str, Any]:
    """The tools, the codebook and the themes a thread can move to, for those who may."""
    tools = StaffTools.of(access.can)
    dialogue_id = access.require_dialogue().id or 0
    return {
        "tools": tools,
        "codebook": await codebook.list_codes(session=session, dialogue_id=dialogue_id)
        if tools.code
        else [],
        "themes": await dialogues.list_themes(session=session, dialogue_id=dialogue_id)
        if tools.thread
        else [],
        "tool_error": tool_error,
    }
