"""Unmask pages: staff ask to reveal an anonymous author, with a reason; a second person decides.

The author is shown only to those two, and only once approved (see `unmask.request_data`).
Forms post, then redirect (303); a refused form shows its page again with the reason.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, allow
from dialogue.bounds import DbId
from dialogue.errors import DialogueError
from dialogue.moderation import unmask
from dialogue.policy import Action
from dialogue.threads import queries
from dialogue.threads.models import Post
from dialogue.threads.presenters import post_data
from dialogue.threads.views import parse_time, post_url
from dialogue.transaction import attempt
from dialogue.web.templating import render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=2000)]


def list_url(slug: str, request_id: int | None = None) -> str:
    return f"/d/{slug}/moderation/unmask" + (f"#request-{request_id}" if request_id else "")


async def _list_page(
    request: Request,
    session: SessionDep,
    access: Access,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    dialogue = access.require_dialogue()
    rows = await unmask.dialogue_requests(
        session=session, dialogue_id=dialogue.id or 0, viewer_id=access.require_user().id
    )
    for row in rows:  # shown in the reader's own zone and language
        row["created"], row["decided"] = (
            parse_time(row["created_at"]),
            parse_time(row["decided_at"]),
        )
    context: dict[str, Any] = {
        "dialogue": dialogue,
        "pending": [r for r in rows if r["status"] == "pending"],
        "decided": [r for r in rows if r["status"] != "pending"],
        "error": error,
    }
    return render(request, "moderation/unmask.html", context, status_code=status_code)


@router.get("/d/{slug}/moderation/unmask")
async def unmask_page(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.AUTHOR_UNMASK)]
) -> Response:
    return await _list_page(request, session, access)


@router.post("/d/{slug}/moderation/unmask/{request_id}")
async def decision_form(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.AUTHOR_UNMASK)],
    request_id: Annotated[DbId, Path()],
    decision: Annotated[str, Form(pattern="^(approve|refuse)$")],
    note: Text = "",
) -> Response:
    dialogue = access.require_dialogue()
    try:
        async with attempt(session):
            asked = await unmask.get_request(
                session=session, dialogue_id=dialogue.id or 0, request_id=request_id
            )
            post = await queries.get_post(session=session, post_id=asked.post_id)
            assert post is not None  # the request's post: deleting a post deletes its requests
            await unmask.decide_unmask(
                session=session,
                post=post,
                request_id=request_id,
                actor=access.require_user(),
                approve=decision == "approve",
                note=note.strip(),
            )
    except DialogueError as exc:
        return await _list_page(request, session, access, error=exc.message, status_code=exc.status)
    return RedirectResponse(list_url(dialogue.slug, request_id), status_code=303)


async def _request_page(
    request: Request,
    session: SessionDep,
    access: Access,
    *,
    reason: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    dialogue = access.require_dialogue()
    post: Post = access.require_post()
    found = await queries.post_with_author(session=session, post_id=post.id or 0)
    assert found is not None
    earlier = await unmask.list_requests(session=session, post=post)
    context: dict[str, Any] = {
        "dialogue": dialogue,
        "post": post_data(post, found[1], viewer=access.viewer),
        "post_link": post_url(dialogue.slug, post.thread_id, post.id or 0),
        "waiting": any(r.status == "pending" for r in earlier),
        "reason": reason,
        "error": error,
    }
    return render(request, "moderation/unmask_request.html", context, status_code=status_code)


@router.get("/d/{slug}/moderation/posts/{post_id}/unmask")
async def request_page(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.AUTHOR_UNMASK)]
) -> Response:
    return await _request_page(request, session, access)


@router.post("/d/{slug}/moderation/posts/{post_id}/unmask")
async def request_form(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.AUTHOR_UNMASK)],
    reason: Text = "",
) -> Response:
    dialogue = access.require_dialogue()
    try:
        async with attempt(session):
            asked = await unmask.request_unmask(
                session=session,
                post=access.require_post(),
                actor=access.require_user(),
                reason=reason,
            )
    except DialogueError as exc:
        return await _request_page(
            request, session, access, reason=reason, error=exc.message, status_code=exc.status
        )
    return RedirectResponse(list_url(dialogue.slug, asked.id), status_code=303)
