"""Theme pages for organizers and moderators: add, edit, reorder and delete a dialogue's themes.

The forms carry the API's field names (`title`, `guiding_questions`, `opens_at`,
`closes_at`, `summary`) and go through the API's schemas and `dialogues.theme_service`,
so a theme that closes before it opens is refused in the same words by both. Times are
`datetime-local` values in the person's own timezone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, allow
from dialogue.bounds import DbInt
from dialogue.dialogues import presenters, theme_service
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Theme
from dialogue.dialogues.schemas import ThemeCreate, ThemeUpdate
from dialogue.errors import DialogueError, Invalid
from dialogue.policy import Action, may_delete_theme
from dialogue.transaction import attempt
from dialogue.web.setup_forms import (
    FIELD_MESSAGES,
    form_errors,
    from_local_input,
    to_local_input,
    validated,
)
from dialogue.web.templating import render

router = APIRouter(prefix="/d/{slug}", include_in_schema=False)

Text = Annotated[str, Form(max_length=60_000)]
Line = Annotated[str, Form(max_length=2000)]
FIELDS = ("title", "guiding_questions", "opens_at", "closes_at", "summary")


def _timezone(access: Access) -> str:
    return access.user.timezone if access.user and access.user.timezone else "UTC"


def _form_of(theme: Theme, timezone: str) -> dict[str, Any]:
    return {
        "title": theme.title,
        "guiding_questions": theme.guiding_questions,
        "opens_at": to_local_input(theme.opens_at, timezone),
        "closes_at": to_local_input(theme.closes_at, timezone),
        "summary": theme.summary,
    }


def _values(form: dict[str, Any], timezone: str) -> dict[str, Any]:
    """The form's values as the API would receive them: times in UTC."""
    values = {name: form[name] for name in ("title", "guiding_questions", "summary")}
    for name in ("opens_at", "closes_at"):
        values[name] = from_local_input(form[name], timezone, field=name)
        if values[name] is None:  # a theme always has both times, on a new form or an edit
            message = FIELD_MESSAGES[name]()
            raise Invalid(message, fields=[{"field": name, "message": message}])
    return values


async def _form_page(
    request: Request,
    session: SessionDep,
    access: Access,
    *,
    theme: Theme | None,
    form: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    dialogue = access.require_dialogue()
    out = await presenters.dialogue_out(
        session=session, dialogue=dialogue, role=access.role, membership=access.membership
    )
    overlaps: list[Theme] = []
    threads = 0
    if theme is not None:
        others = await dialogues.list_themes(session=session, dialogue_id=dialogue.id or 0)
        overlaps = theme_service.overlapping(theme, others)
        threads = await theme_service.theme_thread_count(session=session, theme_id=theme.id or 0)
    context: dict[str, Any] = {
        "dialogue": out,
        "theme": theme,
        "form": form,
        "errors": errors or {},
        "overlaps": overlaps,
        "can_delete": theme is not None
        and access.can(Action.THEME_DELETE)
        and may_delete_theme(threads) is None,
        "saved": request.query_params.get("saved") == "1",
    }
    return render(request, "dialogues/theme_form.html", context, status_code=status_code)


@router.get("/themes/new")
async def new_theme_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.THEME_CREATE)],
) -> Response:
    form = dict.fromkeys(FIELDS, "")
    return await _form_page(request, session, access, theme=None, form=form)


async def theme_form(
    title: Line = "",
    guiding_questions: Text = "",
    opens_at: Line = "",
    closes_at: Line = "",
    summary: Text = "",
) -> dict[str, Any]:
    """The fields as submitted, to show again unchanged when they are refused."""
    return {
        "title": title.strip(),
        "guiding_questions": guiding_questions,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "summary": summary,
    }


ThemeForm = Annotated[dict[str, Any], Depends(theme_form)]


async def _saved(
    request: Request,
    session: SessionDep,
    access: Access,
    *,
    theme: Theme | None,
    form: dict[str, Any],
    save: Callable[[dict[str, Any]], Awaitable[Theme]],
) -> Response:
    """Save the form's values (in UTC) and show the saved theme, or the form with its errors."""
    try:
        async with attempt(session):
            saved = await save(_values(form, _timezone(access)))
    except DialogueError as exc:
        return await _form_page(
            request,
            session,
            access,
            theme=theme,
            form=form,
            errors=form_errors(exc),
            status_code=exc.status,
        )
    slug = access.require_dialogue().slug
    return RedirectResponse(f"/d/{slug}/themes/{saved.id}/edit?saved=1", status_code=303)


@router.post("/themes/new")
async def new_theme_submit(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.THEME_CREATE)],
    form: ThemeForm,
) -> Response:
    dialogue = access.require_dialogue()

    async def create(values: dict[str, Any]) -> Theme:
        body = validated(ThemeCreate, values)
        return await theme_service.create_theme(
            session=session, dialogue=dialogue, fields=body.model_dump()
        )

    return await _saved(request, session, access, theme=None, form=form, save=create)


@router.get("/themes/{theme_id}/edit")
async def edit_theme_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.THEME_UPDATE)],
) -> Response:
    theme = access.require_theme()
    form = _form_of(theme, _timezone(access))
    return await _form_page(request, session, access, theme=theme, form=form)


@router.post("/themes/{theme_id}/edit")
async def edit_theme_submit(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.THEME_UPDATE)],
    form: ThemeForm,
) -> Response:
    dialogue = access.require_dialogue()
    theme = access.require_theme()

    async def update(values: dict[str, Any]) -> Theme:
        body = validated(ThemeUpdate, values)
        return await theme_service.update_theme(
            session=session,
            dialogue=dialogue,
            theme=theme,
            changes=body.model_dump(exclude_none=True, exclude={"position", "facilitators"}),
        )

    return await _saved(request, session, access, theme=theme, form=form, save=update)


@router.post("/themes/{theme_id}/move")
async def move_theme_submit(
    session: SessionDep,
    access: Annotated[Access, allow(Action.THEME_UPDATE)],
    position: Annotated[DbInt, Form()],
) -> Response:
    """Move up or down in the dialogue's order (the settings page's buttons)."""
    dialogue = access.require_dialogue()
    await theme_service.update_theme(
        session=session,
        dialogue=dialogue,
        theme=access.require_theme(),
        changes={"position": position},
    )
    return RedirectResponse(f"/d/{dialogue.slug}/settings#themes-heading", status_code=303)


async def _delete_page(
    request: Request,
    session: SessionDep,
    access: Access,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    dialogue = access.require_dialogue()
    theme = access.require_theme()
    out = await presenters.dialogue_out(
        session=session,
        dialogue=dialogue,
        role=access.role,
        membership=access.membership,
        with_themes=False,
    )
    threads = await theme_service.theme_thread_count(session=session, theme_id=theme.id or 0)
    refusal = may_delete_theme(threads)
    context: dict[str, Any] = {
        "dialogue": out,
        "theme": theme,
        "threads": threads,
        "refusal": refusal.message if refusal else None,
        "error": error,
    }
    return render(request, "dialogues/theme_delete.html", context, status_code=status_code)


@router.get("/themes/{theme_id}/delete")
async def delete_theme_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.THEME_DELETE)],
) -> Response:
    """What deleting would do, or why it cannot be done, before anything is deleted."""
    return await _delete_page(request, session, access)


@router.post("/themes/{theme_id}/delete")
async def delete_theme_submit(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.THEME_DELETE)],
) -> Response:
    dialogue = access.require_dialogue()
    try:
        async with attempt(session):
            await theme_service.delete_theme(
                session=session, dialogue=dialogue, theme=access.require_theme()
            )
    except DialogueError as exc:
        return await _delete_page(
            request, session, access, error=exc.message, status_code=exc.status
        )
    return RedirectResponse(f"/d/{dialogue.slug}/settings?saved=1", status_code=303)
