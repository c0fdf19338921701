"""One post's forms: the author's edit and delete, and everyone's agree / disagree / pass;
and its machine translation, the page that "Translate" opens without JavaScript."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, allow
from dialogue.bounds import DbInt
from dialogue.errors import DialogueError, Forbidden
from dialogue.i18n import gettext as _
from dialogue.moderation import holds
from dialogue.policy import Action
from dialogue.state import app_state
from dialogue.threads import queries
from dialogue.threads import service as threads
from dialogue.threads.guards import visible_post
from dialogue.threads.models import Post, ReactionKind
from dialogue.threads.schemas import LangTag
from dialogue.threads.views import thread_url
from dialogue.transaction import attempt
from dialogue.translation.dependencies import translation_of
from dialogue.web.templating import language_name, render
from dialogue.web.thread_pages import FORM_BODY_CAP

# Mounted under /d/{slug} by `dialogue_pages.router`.
router = APIRouter()


def _own_post(access: Access) -> Post:
    """The post of the path, if the caller wrote it; others' posts are the moderators' work."""
    post = visible_post(access.require_post(), access.viewer)
    if post.author_id != access.require_user().id:
        raise Forbidden(_("You can only change your own posts."))
    return post


def _back(access: Access, post: Post, after_id: int | None) -> RedirectResponse:
    """Back to the page of the thread the form was on, at the post."""
    slug = access.require_dialogue().slug
    url = thread_url(slug, post.thread_id, after_id=after_id, post_id=post.id or 0)
    return RedirectResponse(url, status_code=303)


async def _edit_page(
    request: Request,
    session: SessionDep,
    access: Access,
    post: Post,
    *,
    body: str,
    after_id: int | None,
    content_warning: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "content_warning": content_warning or "",
        "dialogue": access.require_dialogue(),
        "thread": await queries.get_thread(session=session, thread_id=post.thread_id),
        "post": post,
        "body": body,
        "after_id": after_id,
        "error": error,
    }
    return render(request, "threads/edit.html", context, status_code=status_code)


@router.get("/posts/{post_id}/edit")
async def edit_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.POST_EDIT_OWN)],
    after_id: Annotated[DbInt | None, Query()] = None,
) -> Response:
    post = _own_post(access)  # a deleted post is gone for everyone: 404
    return await _edit_page(
        request,
        session,
        access,
        post,
        body=post.body,
        content_warning=post.content_warning,
        after_id=after_id,
    )


@router.post("/posts/{post_id}/edit")
async def edit_submit(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.POST_EDIT_OWN)],
    body: Annotated[str, Form(max_length=FORM_BODY_CAP)] = "",
    after_id: Annotated[DbInt | None, Form()] = None,
    content_warning: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    post = _own_post(access)
    try:
        async with attempt(session):
            await holds.author_edit(
                session=session,
                post=post,
                author=access.require_user(),
                body=body,
                content_warning=content_warning,
            )
    except DialogueError as exc:
        return await _edit_page(
            request,
            session,
            access,
            post,
            body=body,
            content_warning=content_warning,
            after_id=after_id,
            error=exc.message,
            status_code=exc.status,
        )
    return _back(access, post, after_id)


@router.post("/posts/{post_id}/delete")
async def delete_submit(
    session: SessionDep,
    access: Annotated[Access, allow(Action.POST_EDIT_OWN)],
    after_id: Annotated[DbInt | None, Form()] = None,
) -> Response:
    post = _own_post(access)
    await threads.delete_post(session=session, post=post, actor=access.require_user())
    return _back(access, post, after_id)


@router.post("/posts/{post_id}/reaction")
async def react_submit(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.POST_REACT)],
    kind: Annotated[ReactionKind, Form()],
    after_id: Annotated[DbInt | None, Form()] = None,
) -> Response:
    post = visible_post(access.require_post(), access.viewer)
    user = access.require_user()
    await app_state(request).limits.reactions.hit_from(request, account=user.id)
    await threads.set_reaction(session=session, post=post, user=user, kind=kind)
    return _back(access, post, after_id)


@router.get("/posts/{post_id}/translation")
async def translation_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.DIALOGUE_READ)],
    to: Annotated[LangTag, Query()],
    after_id: Annotated[DbInt | None, Query()] = None,
) -> Response:
    post = visible_post(access.require_post(), access.viewer)
    found = await translation_of(request, session, post, to)
    slug = access.require_dialogue().slug
    context: dict[str, Any] = {
        "dialogue": access.require_dialogue(),
        "thread": await queries.get_thread(session=session, thread_id=post.thread_id),
        "translation": found,
        "source_name": language_name(found.source),
        "target_name": language_name(found.target),
        "original": thread_url(slug, post.thread_id, after_id=after_id, post_id=post.id or 0),
    }
    return render(request, "threads/translation.html", context)
