"""The moderators' tools on the thread page: codes, an edit with a note, the thread's state.

Hiding and highlighting a post go through the queue's own form route
(`moderation_pages.moderate_post_form`, with `return_to=thread`). Every form here comes back
to the post's (or the thread's) place on the page it was sent from; a refusal shows that
page again with the reason at the form.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, allow
from dialogue.bounds import DbId, DbInt
from dialogue.errors import DialogueError
from dialogue.moderation import actions, codebook
from dialogue.moderation import threads as thread_moderation
from dialogue.policy import Action
from dialogue.threads import queries
from dialogue.threads.models import Post, Thread
from dialogue.threads.views import thread_url
from dialogue.transaction import attempt
from dialogue.web.staff_tools import ToolError
from dialogue.web.templating import render
from dialogue.web.thread_pages import FORM_BODY_CAP, thread_view

router = APIRouter(include_in_schema=False)
Reason = Annotated[str, Form(max_length=2000)]
ClauseField = Annotated[str, Form(max_length=20)]
AfterId = Annotated[DbInt | None, Form()]
ThreadAction = Literal["lock", "unlock", "pin", "unpin", "move"]


async def _thread_of(session: SessionDep, post: Post) -> Thread:
    thread = await queries.get_thread(session=session, thread_id=post.thread_id)
    assert thread is not None, "a post's thread outlives it"
    return thread


async def in_thread(
    request: Request,
    session: SessionDep,
    access: Access,
    change: Awaitable[Any],
    *,
    thread: Thread,
    post_id: int | None,
    after_id: int | None,
) -> Response:
    """Make one change from the thread page: 303 back to its place, or the page and the reason."""
    try:
        async with attempt(session):
            await change
    except DialogueError as exc:
        return await thread_view(
            request,
            session,
            access,
            thread,
            after_id=after_id,
            tool_error=ToolError(error=exc.message, post_id=post_id),
            status_code=exc.status,
        )
    url = thread_url(access.require_dialogue().slug, thread.id or 0, after_id=after_id)
    return RedirectResponse(f"{url}#{f'post-{post_id}' if post_id else 'thread-tools'}", 303)


async def moderate_in_thread(
    request: Request,
    session: SessionDep,
    access: Access,
    *,
    action: actions.PostAction,
    reason: str,
    clause: str,
    after_id: int | None,
) -> Response:
    """Hide, show again or highlight a post from its thread page."""
    post = access.require_post()
    change = actions.moderate_post(
        session=session,
        dialogue=access.require_dialogue(),
        post=post,
        actor=access.require_user(),
        action=action,
        reason=reason,
        clause=clause or None,
    )
    thread = await _thread_of(session, post)
    return await in_thread(
        request, session, access, change, thread=thread, post_id=post.id, after_id=after_id
    )


@router.post("/d/{slug}/moderation/posts/{post_id}/codes")
async def post_codes_form(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.CODEBOOK_MANAGE)],
    codes: Annotated[list[DbId], Form(max_length=50)] = [],  # noqa: B006 (FastAPI copies it)
    after_id: AfterId = None,
) -> Response:
    """The post's codes, as the checked boxes say (none checked: no codes)."""
    post = access.require_post()
    change = codebook.set_post_codes(
        session=session,
        dialogue_id=access.require_dialogue().id or 0,
        actor_id=access.require_user().id,
        post_id=post.id or 0,
        code_ids=codes,
    )
    thread = await _thread_of(session, post)
    return await in_thread(
        request, session, access, change, thread=thread, post_id=post.id, after_id=after_id
    )


@router.post("/d/{slug}/moderation/threads/{thread_id}")
async def thread_form(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.THREAD_MODERATE)],
    action: Annotated[ThreadAction, Form()],
    reason: Reason = "",
    clause: ClauseField = "",
    theme_id: Annotated[DbId | None, Form()] = None,
    after_id: AfterId = None,
) -> Response:
    """Lock, unlock, pin, unpin or move the thread; back to the thread's tools."""
    thread = access.require_thread()
    change = thread_moderation.moderate_thread(
        session=session,
        dialogue=access.require_dialogue(),
        thread=thread,
        actor=access.require_user(),
        action=action,
        reason=reason,
        theme_id=theme_id,
        clause=clause or None,
    )
    return await in_thread(
        request, session, access, change, thread=thread, post_id=None, after_id=after_id
    )


async def _edit_page(
    request: Request,
    session: SessionDep,
    access: Access,
    *,
    body: str,
    note: str = "",
    content_warning: str | None = None,
    after_id: int | None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    post = access.require_post()
    context: dict[str, Any] = {
        "content_warning": content_warning or "",
        "dialogue": access.require_dialogue(),
        "thread": await _thread_of(session, post),
        "post": post,
        "body": body,
        "note": note,
        "after_id": after_id,
        "error": error,
    }
    return render(request, "moderation/edit_post.html", context, status_code=status_code)


@router.get("/d/{slug}/moderation/posts/{post_id}/edit")
async def edit_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.POST_EDIT_ANY)],
    after_id: Annotated[DbInt | None, Query()] = None,
) -> Response:
    """Someone's post, to edit with a moderator's note (the earlier text stays in its history)."""
    post = access.require_post()
    return await _edit_page(
        request,
        session,
        access,
        body=post.body,
        content_warning=post.content_warning,
        after_id=after_id,
    )


@router.post("/d/{slug}/moderation/posts/{post_id}/edit")
async def edit_submit(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.POST_EDIT_ANY)],
    body: Annotated[str, Form(max_length=FORM_BODY_CAP)] = "",
    note: Reason = "",
    after_id: AfterId = None,
    content_warning: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    post = access.require_post()
    try:
        async with attempt(session):
            await actions.moderator_edit(
                session=session,
                dialogue=access.require_dialogue(),
                post=post,
                actor=access.require_user(),
                body=body,
                note=note,
                content_warning=content_warning,
            )
    except DialogueError as exc:
        return await _edit_page(
            request,
            session,
            access,
            body=body,
            note=note,
            content_warning=content_warning,
            after_id=after_id,
            error=exc.message,
            status_code=exc.status,
        )
    slug = access.require_dialogue().slug
    url = thread_url(slug, post.thread_id, after_id=after_id, post_id=post.id or 0)
    return RedirectResponse(url, status_code=303)


@router.post("/d/{slug}/moderation/posts/{post_id}/warning")
async def warning_submit(
    session: SessionDep,
    access: Annotated[Access, allow(Action.POST_EDIT_ANY)],
    content_warning: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Put a post behind a content warning from the queue (empty: take the warning away)."""
    await actions.set_content_warning(
        session=session,
        post=access.require_post(),
        actor=access.require_user(),
        warning=content_warning,
    )
    slug = access.require_dialogue().slug
    return RedirectResponse(f"/d/{slug}/moderation#item-{access.require_post().id}", 303)
