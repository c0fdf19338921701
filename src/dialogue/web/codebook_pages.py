"""The codebook page: moderators and organizers create, rename, describe and merge codes.

Each code shows how many posts carry it. A merge moves every post of one code to another
and removes the first; the audit log keeps the name it had and how many posts it carried.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, allow
from dialogue.bounds import DbId
from dialogue.errors import DialogueError
from dialogue.moderation import codebook
from dialogue.policy import Action
from dialogue.transaction import attempt
from dialogue.web.templating import render

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Form(max_length=200)]
Description = Annotated[str, Form(max_length=2000)]
CodeId = Annotated[DbId, Path()]
DEFAULT_COLOUR = "#888888"


@dataclass(slots=True)
class CodeForm:
    """A refused form, shown again with its values: for a new code (`code_id` none) or one."""

    error: str
    code_id: int | None = None
    name: str = ""
    description: str = ""


def _url(access: Access, code_id: int | None = None) -> str:
    url = f"/d/{access.require_dialogue().slug}/moderation/codebook"
    return f"{url}#code-{code_id}" if code_id else url


async def _page(
    request: Request,
    session: SessionDep,
    access: Access,
    *,
    form: CodeForm | None = None,
    status_code: int = 200,
) -> Response:
    dialogue_id = access.require_dialogue().id or 0
    context: dict[str, Any] = {
        "dialogue": access.require_dialogue(),
        "codes": await codebook.list_codes(session=session, dialogue_id=dialogue_id),
        "counts": await codebook.post_counts(session=session, dialogue_id=dialogue_id),
        "form": form,
        "default_colour": DEFAULT_COLOUR,
    }
    return render(request, "moderation/codebook.html", context, status_code=status_code)


@router.get("/d/{slug}/moderation/codebook")
async def codebook_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.CODEBOOK_MANAGE)],
) -> Response:
    return await _page(request, session, access)


@router.post("/d/{slug}/moderation/codebook")
async def create_form(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.CODEBOOK_MANAGE)],
    name: Name = "",
    description: Description = "",
    colour: Annotated[str, Form(max_length=20)] = DEFAULT_COLOUR,
) -> Response:
    try:
        async with attempt(session):
            code = await codebook.create_code(
                session=session,
                dialogue_id=access.require_dialogue().id or 0,
                actor_id=access.require_user().id,
                name=name,
                description=description.strip(),
                colour=colour,
            )
    except DialogueError as exc:
        form = CodeForm(error=exc.message, name=name, description=description)
        return await _page(request, session, access, form=form, status_code=exc.status)
    return RedirectResponse(_url(access, code.id), status_code=303)


@router.post("/d/{slug}/moderation/codebook/{code_id}")
async def update_form(
    request: Request,
    code_id: CodeId,
    session: SessionDep,
    access: Annotated[Access, allow(Action.CODEBOOK_MANAGE)],
    name: Name = "",
    description: Description = "",
) -> Response:
    """Rename or describe a code; the posts that carry it keep it."""
    try:
        async with attempt(session):
            code = await codebook.get_code(
                session=session, dialogue_id=access.require_dialogue().id or 0, code_id=code_id
            )
            await codebook.update_code(
                session=session,
                code=code,
                actor_id=access.require_user().id,
                name=name,
                description=description,
            )
    except DialogueError as exc:
        form = CodeForm(error=exc.message, code_id=code_id, name=name, description=description)
        return await _page(request, session, access, form=form, status_code=exc.status)
    return RedirectResponse(_url(access, code_id), status_code=303)


@router.post("/d/{slug}/moderation/codebook/{code_id}/merge")
async def merge_form(
    request: Request,
    code_id: CodeId,
    session: SessionDep,
    access: Annotated[Access, allow(Action.CODEBOOK_MANAGE)],
    into: Annotated[DbId, Form()],
) -> Response:
    """Merge this code into `into`: its posts carry `into` instead, and it is removed."""
    dialogue_id = access.require_dialogue().id or 0
    try:
        async with attempt(session):
            source = await codebook.get_code(
                session=session, dialogue_id=dialogue_id, code_id=code_id
            )
            target = await codebook.get_code(session=session, dialogue_id=dialogue_id, code_id=into)
            await codebook.merge_codes(
                session=session, source=source, target=target, actor_id=access.require_user().id
            )
    except DialogueError as exc:
        form = CodeForm(error=exc.message, code_id=code_id)
        return await _page(request, session, access, form=form, status_code=exc.status)
    return RedirectResponse(_url(access, into), status_code=303)
