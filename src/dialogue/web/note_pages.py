"""Moderators' notes and the handover: private pages of the dialogue's moderators and organizers.

A member's notes are reached from the members page, a thread's from its moderation tools;
all notes are listed together too. The handover shows what changed since the reader last
marked it as read, and which queue items have waited longer than the configured time.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, SettingsDep, allow
from dialogue.bounds import DbId
from dialogue.errors import DialogueError
from dialogue.moderation import handover, notes, queue
from dialogue.policy import Action
from dialogue.transaction import attempt
from dialogue.web.templating import render

router = APIRouter(include_in_schema=False)
Body = Annotated[str, Form(max_length=notes.MAX_BODY)]
UserId = Annotated[DbId, Path()]


async def _page(
    request: Request,
    session: SessionDep,
    access: Access,
    *,
    user_id: int | None = None,
    body: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    dialogue = access.require_dialogue()
    thread = access.thread
    subject, action = None, None
    if user_id is not None:
        subject = await notes.member_name(
            session=session, dialogue_id=dialogue.id or 0, user_id=user_id
        )
        action = f"/d/{dialogue.slug}/moderation/notes/members/{user_id}"
    elif thread is not None:
        subject, action = thread.title, f"/d/{dialogue.slug}/moderation/notes/threads/{thread.id}"
    found = await notes.list_notes(
        session=session,
        dialogue_id=dialogue.id or 0,
        about_user_id=user_id,
        thread_id=thread.id if thread else None,
    )
    context: dict[str, Any] = {
        "dialogue": dialogue,
        "notes": found,
        "subject": subject,
        "kind": "member" if user_id is not None else "thread" if thread is not None else None,
        "thread": thread,
        "action": action,
        "body": body,
        "error": error,
    }
    return render(request, "moderation/notes.html", context, status_code=status_code)


async def _add(
    request: Request,
    session: SessionDep,
    access: Access,
    *,
    body: str,
    user_id: int | None = None,
) -> Response:
    dialogue = access.require_dialogue()
    try:
        async with attempt(session):
            note = await notes.add_note(
                session=session,
                dialogue=dialogue,
                author=access.require_user(),
                body=body,
                about_user_id=user_id,
                thread=access.thread if user_id is None else None,
            )
    except DialogueError as exc:
        if exc.status == 404:
            raise
        return await _page(
            request,
            session,
            access,
            user_id=user_id,
            body=body,
            error=exc.message,
            status_code=exc.status,
        )
    return RedirectResponse(f"{request.url.path}#note-{note.id}", status_code=303)


@router.get("/d/{slug}/moderation/notes")
async def all_notes_page(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.NOTE_MANAGE)]
) -> Response:
    return await _page(request, session, access)


@router.get("/d/{slug}/moderation/notes/members/{user_id}")
async def member_notes_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.NOTE_MANAGE)],
    user_id: UserId,
) -> Response:
    return await _page(request, session, access, user_id=user_id)


@router.post("/d/{slug}/moderation/notes/members/{user_id}")
async def member_note_form(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.NOTE_MANAGE)],
    user_id: UserId,
    body: Body = "",
) -> Response:
    return await _add(request, session, access, body=body, user_id=user_id)


@router.get("/d/{slug}/moderation/notes/threads/{thread_id}")
async def thread_notes_page(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.NOTE_MANAGE)]
) -> Response:
    return await _page(request, session, access)


@router.post("/d/{slug}/moderation/notes/threads/{thread_id}")
async def thread_note_form(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.NOTE_MANAGE)],
    body: Body = "",
) -> Response:
    return await _add(request, session, access, body=body)


@router.get("/d/{slug}/moderation/handover")
async def handover_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.QUEUE_READ)],
) -> Response:
    dialogue = access.require_dialogue()
    changes = await handover.handover(
        session=session, dialogue_id=dialogue.id or 0, user_id=access.require_user().id or 0
    )
    items = await queue.list_queue(
        session=session, dialogue_id=dialogue.id or 0, limit=queue.MAX_ITEMS
    )
    context: dict[str, Any] = {
        "dialogue": dialogue,
        "changes": changes,
        "waiting": handover.waited_too_long(items, minutes=settings.queue_alert_minutes),
        "alert_minutes": settings.queue_alert_minutes,
        "may_note": access.can(Action.NOTE_MANAGE),
    }
    return render(request, "moderation/handover.html", context)


@router.post("/d/{slug}/moderation/handover")
async def handover_read_form(
    session: SessionDep, access: Annotated[Access, allow(Action.QUEUE_READ)]
) -> Response:
    dialogue = access.require_dialogue()
    await handover.mark_seen(
        session=session, dialogue_id=dialogue.id or 0, user_id=access.require_user().id or 0
    )
    return RedirectResponse(f"/d/{dialogue.slug}/moderation/handover", status_code=303)
