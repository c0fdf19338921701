"""Thread, post, reaction and search routes of the JSON API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from dialogue.access import Access, SessionDep, allow, end_read, queued_write
from dialogue.bounds import DbInt, parse_thread_cursor, thread_cursor
from dialogue.errors import Forbidden, Invalid, RateLimited
from dialogue.i18n import gettext as _
from dialogue.moderation import actions, holds
from dialogue.moderation.dependencies import CodeParam, code_filter
from dialogue.paths import DialogueDep, PostDep, ThemeDep, ThreadDep
from dialogue.policy import Action
from dialogue.ratelimit import RateLimit, client_address
from dialogue.state import app_state
from dialogue.threads import mentions, queries, search
from dialogue.threads import service as threads
from dialogue.threads.guards import guard_post_rate, visible_post, visible_thread
from dialogue.threads.presenters import PostFields, post_data, thread_data
from dialogue.threads.schemas import (
    MentionNames,
    PostCreate,
    PostPage,
    PostPublic,
    PostUpdate,
    ReactionIn,
    ReactionResult,
    RevisionPublic,
    SearchResults,
    ThreadCreate,
    ThreadCreated,
    ThreadPage,
    ThreadPublic,
)
from dialogue.threads.service import KEEP
from dialogue.threads.writer import NewReply, PostWriter

router = APIRouter(tags=["threads"])


async def _post_out(access: Access, session: SessionDep, post: PostFields) -> dict[str, Any]:
    found = await queries.post_with_author(session=session, post_id=post.id or 0)
    assert found is not None
    counts = await queries.reaction_counts(session=session, post_ids=[post.id or 0])
    return post_data(post, found[1], counts=counts[post.id or 0], viewer=access.viewer)


@router.post(
    "/themes/{theme_id}/threads",
    status_code=201,
    response_model=ThreadCreated,
    responses={200: {"model": ThreadCreated, "description": "A repeated `client_id`."}},
)
async def create_thread(
    request: Request,
    body: ThreadCreate,
    session: SessionDep,
    theme: ThemeDep,
    access: Annotated[Access, allow(Action.THREAD_CREATE)],
) -> JSONResponse:
    user = access.require_user()
    await guard_post_rate(app_state(request).limits, user.id or 0, client_address(request))
    thread, post, created = await threads.create_thread(
        session=session,
        dialogue=access.require_dialogue(),
        theme=theme,
        user=user,
        membership=access.membership,
        title=body.title,
        body=body.body,
        client_id=body.client_id,
        restricted=await queries.is_restricted(
            session=session, dialogue_id=access.require_dialogue().id or 0, user_id=user.id
        ),
        anonymous=body.anonymous,
        quote_consent=body.quote_consent,
        content_warning=body.content_warning,
        lang=body.lang,
    )
    data = thread_data(thread, user, anonymous=post.anonymous)
    data["post"] = await _post_out(access, session, post)
    return JSONResponse(data, status_code=201 if created else 200)


@router.get("/themes/{theme_id}/threads", response_model=ThreadPage)
async def list_threads(
    session: SessionDep,
    theme: ThemeDep,
    access: Annotated[Access, allow(Action.DIALOGUE_READ)],
    limit: Annotated[DbInt, Query(ge=1, le=100)] = 50,
    before: Annotated[str | None, Query(max_length=80)] = None,
    code: CodeParam = None,
) -> dict[str, Any]:
    cursor = parse_thread_cursor(before) if before else None
    rows = await queries.list_threads(
        session=session,
        theme_id=theme.id or 0,
        viewer=access.viewer,
        before=cursor,
        limit=limit + 1,  # one more than shown tells whether another page exists
        only_posts=await code_filter(session=session, access=access, code_id=code),
    )
    more, rows = len(rows) > limit, rows[:limit]
    items = [thread_data(t, u, anonymous=anon) for t, u, anon in rows]
    last = rows[-1][0] if more else None
    return {
        "items": items,
        "next": thread_cursor(pinned=last.pinned, at=last.last_activity_at, thread_id=last.id or 0)
        if last
        else None,
    }


@router.get("/threads/{thread_id}", response_model=ThreadPublic)
async def get_thread(
    session: SessionDep, thread: ThreadDep, access: Annotated[Access, allow(Action.DIALOGUE_READ)]
) -> dict[str, Any]:
    thread = visible_thread(thread, access.viewer)
    author, anonymous = await queries.thread_author(session=session, thread_id=thread.id or 0)
    return thread_data(thread, author, anonymous=anonymous)


@router.get(
    "/threads/{thread_id}/posts", response_model=PostPage, response_model_exclude_unset=True
)
async def list_posts(
    session: SessionDep,
    thread: ThreadDep,
    access: Annotated[Access, allow(Action.DIALOGUE_READ)],
    after_id: Annotated[DbInt | None, Query()] = None,
    limit: Annotated[DbInt, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    thread = visible_thread(thread, access.viewer)
    rows = await queries.list_posts(
        session=session,
        thread_id=thread.id or 0,
        viewer=access.viewer,
        after_id=after_id,
        limit=limit + 1,
    )
    more, rows = len(rows) > limit, rows[:limit]
    ids = [p.id or 0 for p, _u in rows]
    counts = await queries.reaction_counts(session=session, post_ids=ids)
    mine = await queries.my_reactions(session=session, post_ids=ids, user_id=access.viewer.user_id)
    items = []
    for post, author in rows:
        item = post_data(post, author, counts=counts[post.id or 0], viewer=access.viewer)
        if access.viewer.user_id is not None:
            item["my_reaction"] = mine.get(post.id or 0)
        items.append(item)
    return {"items": items, "next": str(ids[-1]) if more else None}


@router.post(
    "/threads/{thread_id}/posts",
    status_code=201,
    response_model=PostPublic,
    responses={200: {"model": PostPublic, "description": "A repeated `client_id`."}},
)
@queued_write
async def create_post(
    request: Request,
    body: PostCreate,
    session: SessionDep,
    thread: ThreadDep,
    access: Annotated[Access, allow(Action.POST_CREATE)],
) -> JSONResponse:
    user = access.require_user()
    thread = visible_thread(thread, access.viewer)
    await guard_post_rate(app_state(request).limits, user.id or 0, client_address(request))
    await end_read(session)  # its connection is not held while the post waits
    writer: PostWriter = app_state(request).post_writer
    written = await writer.write(
        NewReply(
            user_id=user.id or 0,
            thread_id=thread.id or 0,
            body=body.body,
            parent_id=body.parent_id,
            client_id=body.client_id,
            anonymous=body.anonymous,
            quote_consent=body.quote_consent,
            content_warning=body.content_warning,
            lang=body.lang,
        )
    )
    post = written.post
    if written.created:  # everything the answer shows is in hand: no second read
        return JSONResponse(post_data(post, user, viewer=written.viewer), status_code=201)
    counts = await queries.reaction_counts(session=session, post_ids=[post.id or 0])
    data = post_data(post, user, counts=counts[post.id or 0], viewer=written.viewer)
    return JSONResponse(data, status_code=200)


@router.get("/posts/{post_id}", response_model=PostPublic, response_model_exclude_unset=True)
async def get_post(
    session: SessionDep, post: PostDep, access: Annotated[Access, allow(Action.DIALOGUE_READ)]
) -> dict[str, Any]:
    post = visible_post(post, access.viewer)
    return await _post_out(access, session, post)


@router.patch("/posts/{post_id}", response_model=PostPublic, response_model_exclude_unset=True)
async def edit_post(
    body: PostUpdate,
    session: SessionDep,
    post: PostDep,
    access: Annotated[Access, allow(Action.POST_EDIT_OWN)],
) -> dict[str, Any]:
    """Authors edit their own posts; moderators edit any, with a note kept in the history."""
    post = visible_post(post, access.viewer)
    user = access.require_user()
    by_staff = post.author_id != user.id
    if by_staff and not access.can(Action.POST_EDIT_ANY):
        raise Forbidden(_("You can only edit your own posts."))
    warning = body.content_warning if "content_warning" in body.model_fields_set else KEEP
    if by_staff:
        post = await actions.staff_edit(
            session=session,
            post=post,
            actor=user,
            body=body.body,
            note=body.note,
            content_warning=warning,
        )
    else:
        post = await holds.author_edit(
            session=session,
            post=post,
            author=user,
            body=body.body,
            note=body.note,
            content_warning=warning,
        )
    return await _post_out(access, session, post)


@router.delete("/posts/{post_id}", status_code=204)
async def delete_post(
    session: SessionDep, post: PostDep, access: Annotated[Access, allow(Action.POST_EDIT_OWN)]
) -> Response:
    post = visible_post(post, access.viewer)
    user = access.require_user()
    if post.author_id != user.id:
        raise Forbidden(_("You can only delete your own posts."))
    await threads.delete_post(session=session, post=post, actor=user)
    return Response(status_code=204)


@router.get("/posts/{post_id}/revisions", response_model=list[RevisionPublic])
async def post_revisions(
    session: SessionDep,
    post: PostDep,
    access: Annotated[Access, allow(Action.POST_REVISIONS_READ)],
) -> list[dict[str, Any]]:
    rows = await queries.revisions(session=session, post_id=post.id or 0)
    return [
        {
            "id": r.id,
            "body": r.body,
            # The author's own edits of an anonymous post would name the author.
            "editor_id": None if post.anonymous and r.editor_id == post.author_id else r.editor_id,
            "note": r.note,
            "created_at": r.created_at.isoformat(),
        }
        for r in rows
    ]


@router.put("/posts/{post_id}/reaction", response_model=ReactionResult)
async def react(
    request: Request,
    body: ReactionIn,
    session: SessionDep,
    post: PostDep,
    access: Annotated[Access, allow(Action.POST_REACT)],
) -> dict[str, Any]:
    post = visible_post(post, access.viewer)
    user = access.require_user()
    await app_state(request).limits.reactions.hit_from(request, account=user.id)
    counts = await threads.set_reaction(session=session, post=post, user=user, kind=body.kind)
    return {"post_id": post.id, "kind": body.kind.value, "reactions": counts}


@router.get("/dialogues/{slug}/search", response_model=SearchResults)
async def search_posts(
    request: Request,
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.SEARCH)],
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[DbInt, Query(ge=1, le=100)] = 50,
    code: CodeParam = None,
) -> dict[str, Any]:
    """Posts matching `q`; with a `code`, only posts with it (and with no `q`, all of those)."""
    if not q and code is None:
        raise Invalid(_("Say what to search for."), fields=[{"field": "q", "message": "empty"}])
    await app_state(request).limits.search.hit_from(request, account=access.viewer.user_id)
    hits = await search.search_posts(
        session=session,
        dialogue_id=dialogue.id or 0,
        viewer=access.viewer,
        query=q,
        limit=limit,
        only_posts=await code_filter(session=session, access=access, code_id=code),
    )
    return {
        "query": q,
        "items": [
            {
                "post_id": h.post_id,
                "thread_id": h.thread_id,
                "thread_title": h.thread_title,
                "snippet_html": h.snippet_html,
            }
            for h in hits
        ],
    }


MENTION_LOOKUPS_PER_MINUTE = 120  # a lookup per keystroke or two, debounced by the composer


@router.get("/dialogues/{slug}/mentions", response_model=MentionNames)
async def mention_names(
    request: Request,
    session: SessionDep,
    dialogue: DialogueDep,
    access: Annotated[Access, allow(Action.MENTION_SUGGEST)],
    q: Annotated[str, Query(max_length=mentions.MAX_QUERY)] = "",
) -> dict[str, Any]:
    """Names starting with `q` (or with a later word starting with it), for `@` completion."""
    user = access.require_user()
    limit = RateLimit(
        "mentions",
        limit=MENTION_LOOKUPS_PER_MINUTE,
        window=60,
        counters=app_state(request).limits.counters,
    )
    wait = await limit.hit(str(user.id))
    if wait is not None:
        raise RateLimited(_("Too many look-ups. Please wait a moment."), retry_after=wait)
    names = await mentions.mention_names(
        session=session, dialogue_id=dialogue.id or 0, asker_id=user.id or 0, typed=q
    )
    return {"query": q, "names": names}
