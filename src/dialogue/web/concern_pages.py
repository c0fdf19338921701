"""The concerns page: a member raises a concern and follows their own; organizers and advisors
see every concern of the dialogue, with reminders for those left open too long, and move them
on. A concern raised from a post (`?post=`) is about that post's author, when it is named.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, SettingsDep, allow
from dialogue.bounds import DbId
from dialogue.errors import DialogueError
from dialogue.moderation import concerns
from dialogue.policy import Action, ConcernStatus
from dialogue.state import app_state
from dialogue.transaction import attempt
from dialogue.web.templating import render

router = APIRouter(include_in_schema=False)
Body = Annotated[str, Form(max_length=concerns.MAX_BODY)]


def page_url(slug: str, concern_id: int | None = None) -> str:
    return f"/d/{slug}/concerns" + (f"#concern-{concern_id}" if concern_id else "")


async def _page(
    request: Request,
    session: SessionDep,
    access: Access,
    settings: SettingsDep,
    *,
    about: tuple[int, str] | None = None,
    body: str = "",
    error: str | None = None,
    refused: int | None = None,
    status_code: int = 200,
) -> Response:
    dialogue = access.require_dialogue()
    user = access.require_user()
    handles = access.can(Action.CONCERN_HANDLE)
    found = await concerns.list_concerns(
        session=session, dialogue_id=dialogue.id or 0, raised_by=None if handles else user.id
    )
    shown = await concerns.views(
        session=session, concerns=found, viewer_id=user.id, handles=handles
    )
    reminder = timedelta(hours=settings.concern_reminder_hours)
    overdue = (
        await concerns.overdue(session=session, dialogue_id=dialogue.id or 0, older_than=reminder)
        if handles
        else []
    )
    context: dict[str, Any] = {
        "dialogue": dialogue,
        "handles": handles,
        "concerns": shown,
        "overdue_ids": {c.id for c in overdue},
        "reminder_hours": settings.concern_reminder_hours,
        "about": about,
        "body": body,
        "error": error,
        "refused": refused,
    }
    return render(request, "dialogues/concerns.html", context, status_code=status_code)


@router.get("/d/{slug}/concerns")
async def concerns_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.CONCERN_RAISE)],
    post: Annotated[DbId | None, Query()] = None,
) -> Response:
    about = None
    if post is not None:
        about = await concerns.named_author(
            session=session, dialogue_id=access.require_dialogue().id or 0, post_id=post
        )
        if about is not None and about[0] == access.require_user().id:
            about = None  # one's own post: a concern is about someone else
    return await _page(request, session, access, settings, about=about)


@router.post("/d/{slug}/concerns")
async def raise_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.CONCERN_RAISE)],
    body: Body = "",
    about_user_id: Annotated[DbId | None, Form()] = None,
) -> Response:
    dialogue = access.require_dialogue()
    sees_members = access.can(Action.MEMBERS_READ)
    user = access.require_user()
    await app_state(request).limits.concerns.hit_from(request, account=user.id)
    try:
        async with attempt(session):
            concern = await concerns.raise_concern(
                session=session,
                dialogue=dialogue,
                raiser=user,
                body=body,
                about_user_id=about_user_id,
                sees_members=sees_members,
                mail=settings,
            )
    except DialogueError as exc:
        # The form comes back naming only whom the server would name, never a name it was sent.
        about = (
            await concerns.nameable(
                session=session,
                dialogue_id=dialogue.id or 0,
                user_id=about_user_id,
                sees_members=sees_members,
            )
            if about_user_id is not None and about_user_id != user.id
            else None
        )
        return await _page(
            request,
            session,
            access,
            settings,
            about=about,
            body=body,
            error=exc.message,
            status_code=exc.status,
        )
    return RedirectResponse(page_url(dialogue.slug, concern.id), status_code=303)


@router.post("/d/{slug}/concerns/{concern_id}")
async def move_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.CONCERN_HANDLE)],
    status: Annotated[ConcernStatus, Form()],
    outcome: Body = "",
) -> Response:
    dialogue = access.require_dialogue()
    concern = access.require_concern()
    try:
        async with attempt(session):
            await concerns.move_concern(
                session=session,
                dialogue=dialogue,
                concern=concern,
                actor=access.require_user(),
                status=status,
                outcome=outcome,
            )
    except DialogueError as exc:
        return await _page(
            request,
            session,
            access,
            settings,
            error=exc.message,
            refused=concern.id,
            status_code=exc.status,
        )
    return RedirectResponse(page_url(dialogue.slug, concern.id), status_code=303)
