"""Theme and thread pages: the thread list with its new-thread form, the posts with replies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, allow
from dialogue.bounds import DbId, DbInt, parse_thread_cursor, thread_cursor
from dialogue.dialogues import presenters
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.conduct import Clause, parse_clauses
from dialogue.dialogues.models import Dialogue, Theme
from dialogue.errors import DialogueError
from dialogue.moderation import notices
from dialogue.moderation.dependencies import CodeParam, code_filter, codes_offered, codes_shown
from dialogue.policy import Action
from dialogue.ratelimit import client_address
from dialogue.state import app_state
from dialogue.threads import queries
from dialogue.threads import service as threads
from dialogue.threads.guards import guard_post_rate, visible_thread
from dialogue.threads.models import PostStatus, Thread
from dialogue.threads.presenters import post_data, thread_data
from dialogue.threads.views import build_tree, post_url, post_view, thread_row, thread_url
from dialogue.transaction import attempt
from dialogue.web.posting import (
    checked_client_id,
    checked_title,
    conduct_redirect,
    new_client_id,
    posting_block,
    restricted,
)
from dialogue.web.staff_tools import ToolError, staff_tools
from dialogue.web.templating import render

# Mounted under /d/{slug} by `dialogue_pages.router`.
router = APIRouter()

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 50
FORM_BODY_CAP = 200_000  # the service says 20,000; this only keeps absurd forms out
Warning = Annotated[str, Form(max_length=1000)]  # the service says 200


@dataclass(slots=True)
class FormState:
    """What a refused form sent, shown again with the reason next to it."""

    error: str
    body: str = ""
    title: str = ""
    anonymous: bool = False
    parent_id: int | None = None
    content_warning: str = ""
    lang: str = ""


async def _theme_page(
    request: Request,
    session: SessionDep,
    access: Access,
    theme: Theme,
    *,
    before: str | None = None,
    code: int | None = None,
    form: FormState | None = None,
    status_code: int = 200,
) -> Response:
    dialogue = access.require_dialogue()
    cursor = parse_thread_cursor(before) if before else None
    rows = await queries.list_threads(
        session=session,
        theme_id=theme.id or 0,
        viewer=access.viewer,
        before=cursor,
        limit=THREADS_PER_PAGE + 1,
        only_posts=await code_filter(session=session, access=access, code_id=code),
    )
    more = len(rows) > THREADS_PER_PAGE
    rows = rows[:THREADS_PER_PAGE]
    last = rows[-1][0] if more else None
    (theme_out,) = await presenters.themes_out(session=session, themes=[theme])
    context: dict[str, Any] = {
        "dialogue": dialogue,
        "theme": theme_out,
        "threads": [thread_row(thread_data(t, u, anonymous=a)) for t, u, a in rows],
        "older": thread_cursor(pinned=last.pinned, at=last.last_activity_at, thread_id=last.id or 0)
        if last
        else None,
        "paged": before is not None,
        "codes": await codes_offered(session=session, access=access),
        "code": code,
        "block": await posting_block(session, access, theme),
        "form": form,
        "client_id": new_client_id(),
    }
    return render(request, "threads/theme.html", context, status_code=status_code)


@router.get("/themes/{theme_id}")
async def theme_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.DIALOGUE_READ)],
    before: Annotated[str | None, Query(max_length=80)] = None,
    code: CodeParam = None,
) -> Response:
    theme = access.require_theme()
    return await _theme_page(request, session, access, theme, before=before, code=code)


@router.post("/themes/{theme_id}/threads")
async def new_thread(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.THREAD_CREATE)],
    title: Annotated[str, Form(max_length=2000)] = "",
    body: Annotated[str, Form(max_length=FORM_BODY_CAP)] = "",
    client_id: Annotated[str | None, Form(max_length=200)] = None,
    anonymous: Annotated[bool, Form()] = False,
    content_warning: Warning = "",
    lang: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    dialogue = access.require_dialogue()
    theme: Theme = access.require_theme()
    user = access.require_user()
    try:
        async with attempt(session):
            await guard_post_rate(app_state(request).limits, user.id or 0, client_address(request))
            thread, post, _created = await threads.create_thread(
                session=session,
                dialogue=dialogue,
                theme=theme,
                user=user,
                membership=access.membership,
                title=checked_title(title),
                body=body,
                client_id=checked_client_id(client_id),
                restricted=await restricted(session, access),
                anonymous=anonymous,
                content_warning=content_warning,
                lang=lang or None,
            )
    except DialogueError as exc:
        if exc.code == "conduct_not_accepted":
            return conduct_redirect(dialogue.slug, f"/d/{dialogue.slug}/themes/{theme.id}")
        form = FormState(
            error=exc.message,
            title=title,
            body=body,
            anonymous=anonymous,
            content_warning=content_warning,
            lang=lang,
        )
        return await _theme_page(request, session, access, theme, form=form, status_code=exc.status)
    return RedirectResponse(
        thread_url(dialogue.slug, thread.id or 0, post_id=post.id or 0), status_code=303
    )


async def thread_view(
    request: Request,
    session: SessionDep,
    access: Access,
    thread: Thread,
    *,
    after_id: int | None,
    form: FormState | None = None,
    tool_error: ToolError | None = None,
    status_code: int = 200,
) -> Response:
    """The thread page; also shown again, with the reason, after a refused form on it."""
    viewer = access.viewer
    theme = await dialogues.get_theme(session=session, theme_id=thread.theme_id)
    assert theme is not None
    rows = await queries.list_posts(
        session=session,
        thread_id=thread.id or 0,
        viewer=viewer,
        after_id=after_id,
        limit=POSTS_PER_PAGE + 1,
    )
    more = len(rows) > POSTS_PER_PAGE
    rows = rows[:POSTS_PER_PAGE]
    ids = [post.id or 0 for post, _author in rows]
    counts = await queries.reaction_counts(session=session, post_ids=ids)
    mine = await queries.my_reactions(session=session, post_ids=ids, user_id=viewer.user_id)
    views = [
        post_view(
            post_data(post, author, counts=counts[post.id or 0], viewer=viewer),
            my_reaction=mine.get(post.id or 0),
        )
        for post, author in rows
    ]
    # The author of a hidden or refused post reads why, with the way to appeal.
    moderated_mine = [
        post.id or 0
        for post, _author in rows
        if viewer.user_id is not None
        and post.author_id == viewer.user_id
        and post.status in (PostStatus.HIDDEN, PostStatus.REJECTED)
    ]
    told = await notices.post_notices(
        session=session, user_id=viewer.user_id or 0, post_ids=moderated_mine
    )
    if form is not None and form.parent_id not in ids:
        form.parent_id = None  # its post is not on this page: show the reason at the bottom
    context: dict[str, Any] = {
        "dialogue": access.require_dialogue(),
        "theme": theme,
        "thread": thread,
        "posts": build_tree(views),
        "after_id": after_id,
        "next_after": ids[-1] if more else None,
        "block": await posting_block(session, access, theme, thread),
        "can_react": access.user is not None and access.can(Action.POST_REACT),
        "can_flag": access.user is not None and access.can(Action.POST_FLAG),
        "can_raise_concern": access.user is not None and access.can(Action.CONCERN_RAISE),
        "can_unmask": access.can(Action.AUTHOR_UNMASK),
        "codes": await codes_shown(session=session, access=access, post_ids=ids),
        "clauses": await conduct_clauses(session, access.require_dialogue()),
        "form": form,
        "new_client_id": new_client_id,
        **await staff_tools(session, access, tool_error),
        "moderation_notices": {
            post_id: {"id": n.id, "message": notices.notice_message(n), "reason": n.reason}
            for post_id, n in told.items()
        },
    }
    return render(request, "threads/thread.html", context, status_code=status_code)


async def conduct_clauses(session: SessionDep, dialogue: Dialogue) -> list[Clause]:
    """The clauses a flag can cite."""
    conduct = await dialogues.current_conduct(session=session, dialogue=dialogue)
    return parse_clauses(conduct.text) if conduct else []


@router.get("/threads/{thread_id}")
async def thread_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.DIALOGUE_READ)],
    after_id: Annotated[DbInt | None, Query()] = None,
) -> Response:
    thread = visible_thread(access.require_thread(), access.viewer)
    return await thread_view(request, session, access, thread, after_id=after_id)


@router.post("/threads/{thread_id}/posts")
async def reply(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.POST_CREATE)],
    body: Annotated[str, Form(max_length=FORM_BODY_CAP)] = "",
    parent_id: Annotated[DbId | None, Form()] = None,
    client_id: Annotated[str | None, Form(max_length=200)] = None,
    anonymous: Annotated[bool, Form()] = False,
    after_id: Annotated[DbInt | None, Form()] = None,
    content_warning: Warning = "",
    lang: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    dialogue = access.require_dialogue()
    thread = visible_thread(access.require_thread(), access.viewer)
    user = access.require_user()
    theme = await dialogues.get_theme(session=session, theme_id=thread.theme_id)
    assert theme is not None
    try:
        async with attempt(session):
            await guard_post_rate(app_state(request).limits, user.id or 0, client_address(request))
            post, _created = await threads.create_post(
                session=session,
                dialogue=dialogue,
                theme=theme,
                thread=thread,
                user=user,
                membership=access.membership,
                body=body,
                parent_id=parent_id,
                client_id=checked_client_id(client_id),
                restricted=await restricted(session, access),
                anonymous=anonymous,
                content_warning=content_warning,
                lang=lang or None,
            )
    except DialogueError as exc:
        here = thread_url(dialogue.slug, thread.id or 0, after_id=after_id)
        if exc.code == "conduct_not_accepted":
            return conduct_redirect(dialogue.slug, here)
        form = FormState(
            error=exc.message,
            body=body,
            anonymous=anonymous,
            parent_id=parent_id,
            content_warning=content_warning,
            lang=lang,
        )
        return await thread_view(
            request, session, access, thread, after_id=after_id, form=form, status_code=exc.status
        )
    if thread.post_count < POSTS_PER_PAGE:  # the whole thread fits on its first page
        target = thread_url(dialogue.slug, thread.id or 0, post_id=post.id or 0)
    else:
        target = post_url(dialogue.slug, thread.id or 0, post.id or 0)
    return RedirectResponse(target, status_code=303)
