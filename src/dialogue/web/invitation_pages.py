"""Bulk invitations from the members page: paste addresses or upload a CSV file.

The form's POST invites the list once and redirects to the batch's result page, so a reload
re-reads the stored outcome and never sends anything again. The result, links included,
is shown only to the organizer who made the batch (anyone else: 404).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, SettingsDep, allow
from dialogue.bounds import DbId
from dialogue.errors import DialogueError
from dialogue.moderation import invitation_batches, invitation_lists
from dialogue.moderation.invitation_lists import MAX_CSV_BYTES
from dialogue.policy import Action, Role
from dialogue.transaction import attempt
from dialogue.web.member_pages import members_page_response
from dialogue.web.templating import render

router = APIRouter(include_in_schema=False)
Id = Annotated[DbId, Path()]


async def _entries(emails: str, file: UploadFile | None) -> list[invitation_lists.Entry]:
    """The uploaded CSV when there is one, else the pasted addresses."""
    if file is not None and file.filename:
        # One byte more than allowed is enough to know the file is too large.
        return invitation_lists.read_csv(await file.read(MAX_CSV_BYTES + 1))
    return invitation_lists.read_pasted(emails)


@router.post("/d/{slug}/moderation/invitations")
async def invite_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.INVITATION_CREATE)],
    role: Annotated[Role, Form()],
    emails: Annotated[str, Form(max_length=50_000)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    dialogue = access.require_dialogue()
    try:
        async with attempt(session):
            batch = await invitation_batches.invite_list(
                session=session,
                dialogue=dialogue,
                actor=access.require_user(),
                entries=await _entries(emails, file),
                role=role,
                lifetime=timedelta(days=settings.invitation_days),
                secret=settings.secret_key,
                mail=settings,
            )
    except DialogueError as exc:
        return await members_page_response(
            request, session, access, error=exc.message, status_code=exc.status
        )
    return RedirectResponse(f"/d/{dialogue.slug}/moderation/invitations/{batch.id}", 303)


@router.get("/d/{slug}/moderation/invitations/{batch_id}")
async def batch_page(
    request: Request,
    batch_id: Id,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.INVITATION_CREATE)],
) -> Response:
    dialogue = access.require_dialogue()
    batch = await invitation_batches.batch_of(
        session=session, batch_id=batch_id, dialogue=dialogue, reader=access.require_user()
    )
    rows = invitation_batches.batch_rows(
        batch, base_url=settings.base_url, secret=settings.secret_key
    )
    counts = {
        status: sum(1 for row in rows if row["status"] == status)
        for status in (
            invitation_batches.SENT,
            invitation_batches.MEMBER,
            invitation_batches.INVALID,
        )
    }
    return render(
        request,
        "moderation/invitation_batch.html",
        {"dialogue": dialogue, "batch": batch, "rows": rows, "counts": counts},
        headers={"Cache-Control": "no-store"},  # the links are secrets
    )


@router.get("/d/{slug}/moderation/invitations/{batch_id}/links.csv")
async def batch_csv(
    batch_id: Id,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.INVITATION_CREATE)],
) -> Response:
    dialogue = access.require_dialogue()
    batch = await invitation_batches.batch_of(
        session=session, batch_id=batch_id, dialogue=dialogue, reader=access.require_user()
    )
    rows = invitation_batches.batch_rows(
        batch, base_url=settings.base_url, secret=settings.secret_key
    )
    name = f"invitations-{dialogue.slug}-{batch.id}.csv"
    return Response(
        invitation_batches.rows_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
