"""What the posting forms share: why a caller may not post here, and checking what a form sent.

The pages show a form only to a caller who may use it, and in its place one short reason
(sign in, accept the code of conduct, theme closed, ...). The reasons come from the same
service check the writes run, so the page and the write never disagree.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from fastapi.responses import RedirectResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.access import Access
from dialogue.db import utcnow
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import DialogueStatus, Theme
from dialogue.error_codes import ErrorCode
from dialogue.errors import DialogueError, Invalid
from dialogue.i18n import gettext as _
from dialogue.policy import Action, may_reply
from dialogue.threads import queries
from dialogue.threads import service as threads
from dialogue.threads.models import Thread

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class PostingBlock:
    """Why the caller cannot post right now; `code` picks the link the page offers."""

    code: str
    message: str
    until: datetime | None = None  # a mute's end, shown in the reader's own zone


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
        until = await mute_end(session, access) if exc.code == ErrorCode.MUTED else None
        return PostingBlock(exc.code, exc.message, until)
    refusal = None if thread is None else may_reply(access.role, threads.thread_state(thread))
    if refusal is not None:
        return PostingBlock(refusal.code, refusal.message)
    return None


async def restricted(session: AsyncSession, access: Access) -> bool:
    """Whether a sanction through one of the caller's anonymous posts stops them posting."""
    user = access.user
    return await queries.is_restricted(
        session=session,
        dialogue_id=access.require_dialogue().id or 0,
        user_id=user.id if user else None,
    )


async def mute_end(session: AsyncSession, access: Access) -> datetime | None:
    """Until when the caller is muted here: by their membership, else through one of their
    anonymous posts (None for a posting ban, which has no end)."""
    membership = access.membership
    if membership is not None and membership.muted_until and membership.muted_until > utcnow():
        return membership.muted_until
    user = access.user
    return await queries.restriction_end(
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
