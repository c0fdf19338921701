"""Flagging a post from its thread page, as a form that works without JavaScript."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, allow
from dialogue.moderation import flags
from dialogue.policy import Action
from dialogue.state import app_state
from dialogue.threads.guards import visible_post
from dialogue.threads.models import Post

router = APIRouter(prefix="/d/{slug}", include_in_schema=False)


@router.post("/posts/{post_id}/flag")
async def flag_post(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.POST_FLAG)],
    reason: Annotated[str, Form(min_length=1, max_length=20)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Flag a post citing a clause or "other", then see it among one's flags and their outcomes."""
    post: Post = visible_post(access.require_post(), access.viewer)
    dialogue = access.require_dialogue()
    user = access.require_user()
    await app_state(request).limits.flags.hit_from(request, account=user.id)
    await flags.create_flag(
        session=session,
        dialogue=dialogue,
        post=post,
        user=user,
        reason=reason,
        note=note,
    )
    return RedirectResponse("/notifications", status_code=303)
