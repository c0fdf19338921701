"""What the posting forms share: why a caller may not post here, and checking what a form sent.

The pages show a form only to a caller who may use it, and in its place one short reason
(sign in, accept the code of conduct, theme closed, ...). The reasons come from the same
service check the writes run, so the page and the write never disagree.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import quote

from fastapi.responses import RedirectResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.access import Access
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import DialogueStatus, Theme
from dialogue.errors import DialogueError, Invalid
from dialogue.i18n import gettext as _
from dialogue.policy import STAFF_ROLES, Action
from dialogue.threads import queries
from dialogue.threads import service as threads
from dialogue.threads.models import PostStatus, Thread

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class PostingBlock:
    """Why the caller cannot post right now; `code` picks the link the page offers."""

    code: str
    message: str


async def posting_block(
    session: AsyncSession, access: Access, theme: Theme, thread: Thread | None = None
) -> PostingBlock | None:
    """None when the caller may post in this theme (and thread), else the first reason not to."""
    dialogue = access.require_dialogue()
    if dialogue.status != DialogueStatus.OPEN:
        return PostingBlock("dialogue_not_open", _("This dialogue is not open for contributions."))
    if not dialogues.theme_is_open(theme):
        return PostingBlock("theme_closed", _("This theme is not open for contributions."))
    user = access.user
    if user is None:
        return PostingBlock("sign_in", _("Sign in to take part in this dialogue."))
    if not access.can(Action.POST_CREATE):
        return PostingBlock(
            "forbidden", _("Your place in this dialogue lets you read but not post.")
        )
    try:
        threads.check_can_post(
            dialogue=dialogue,
            theme=theme,
            user=user,
            membership=access.membership,
            restricted=await restricted(session, access),
        )
    except DialogueError as exc:
        return PostingBlock(exc.code, exc.message)
    if thread is not None and access.role not in STAFF_ROLES:
        if thread.locked:
            return PostingBlock("thread_locked", _("This thread is locked."))
        if thread.status != PostStatus.PUBLISHED:
            return PostingBlock("thread_not_published", _("This thread is not open for replies."))
    return None


async def restricted(session: AsyncSession, access: Access) -> bool:
    """Whether a sanction through one of the caller's anonymous posts stops them posting."""
    user = access.user
    return await queries.is_restricted(
        session=session,
        dialogue_id=access.require_dialogue().id or 0,
        user_id=user.id if user else None,
    )


def new_client_id() -> str:
    """Each rendered form carries its own id, so a double submit makes one post."""
    return uuid.uuid4().hex


def checked_client_id(value: str | None) -> str | None:
    if not value:
        return None
    if not CLIENT_ID.match(value):
        raise Invalid(
            _("This form is damaged. Please reload the page and try again."),
            fields=[{"field": "client_id", "message": "invalid"}],
        )
    return value


def checked_title(value: str) -> str:
    title = " ".join(value.split())
    if not title:
        raise Invalid(_("A thread needs a title."), fields=[{"field": "title", "message": "empty"}])
    if len(title) > MAX_TITLE:
        raise Invalid(
            _("A title can have at most %(n)s characters.") % {"n": MAX_TITLE},
            fields=[{"field": "title", "message": f"longer than {MAX_TITLE} characters"}],
        )
    return title


def conduct_redirect(slug: str, back_to: str) -> RedirectResponse:
    """Where a posting form sends a member who has not accepted the current code yet."""
    return RedirectResponse(f"/d/{slug}/conduct?next={quote(back_to, safe='/')}", status_code=303)


async def reset_session(session: AsyncSession, access: Access) -> None:
    """Undo a refused write and reload what the re-rendered page reads.

    A rollback expires every loaded row, and an async session cannot lazily reload them.
    """
    await session.rollback()
    for row in access.loaded:
        await session.refresh(row)
