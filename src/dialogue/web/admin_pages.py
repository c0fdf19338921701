"""The site admin's pages: people (find, make admin, disable, reset link) and all dialogues.

Until mail is built, a reset link is shown on the page that made it, once: the answer to
that POST is not a redirect, because a page reached by a redirect would have to store the
link to show it. Reloading that answer makes a new link, which voids the previous one.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, SettingsDep, allow
from dialogue.accounts import admin, erasure, resets
from dialogue.bounds import DbId
from dialogue.dialogues import overview
from dialogue.error_codes import ErrorCode
from dialogue.errors import DialogueError, Forbidden, Invalid
from dialogue.i18n import gettext as _
from dialogue.notifications import outbox
from dialogue.policy import Action
from dialogue.transaction import attempt
from dialogue.web.templating import render

router = APIRouter(include_in_schema=False)
Id = Annotated[DbId, Path()]
Search = Annotated[str, Query(max_length=200)]


def _found(email: str) -> str:
    return "/admin?" + urlencode({"q": email})


SecretPage = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def site_acts() -> dict[str, str]:
    """The site log's actions in the reader's language."""
    return {
        "admin.grant": _("Made an admin"),
        "account.disable": _("Disabled the account"),
        "account.enable": _("Enabled the account again"),
        "account.reset_link": _("Made a password link"),
        "account.password_set": _("Set the password"),
    }


async def admin_page(
    request: Request,
    session: SessionDep,
    access: Access,
    *,
    q: str = "",
    error: str | None = None,
    link: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/index.html",
        {
            "q": q,
            "people": await admin.search_people(session=session, query=q),
            "dialogues": await overview.all_dialogues(session=session),
            "site_log": await admin.site_log(session=session),
            "site_acts": site_acts(),
            "me": access.require_user(),
            "error": error,
            "link": link,
            "dead_letters": await outbox.dead_letters(session=session),
            "mail_counts": await outbox.count_by_state(session=session),
        },
        status_code=status_code,
        headers=SecretPage if link else None,
    )


@router.get("/admin")
async def admin_index(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.SITE_ADMIN)],
    q: Search = "",
) -> Response:
    return await admin_page(request, session, access, q=q)


@router.post("/admin/admins")
async def invite_admin_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.SITE_ADMIN)],
    email: Annotated[str, Form(max_length=254)],
    display_name: Annotated[str, Form(max_length=120)] = "",
) -> Response:
    """An existing account becomes admin; a new one is made, with a link to set its password."""
    try:
        async with attempt(session):
            actor = access.require_user()
            user = await admin.invite_admin(
                session=session, actor=actor, email=email, display_name=display_name
            )
            token = None
            if user.password_hash is None:
                token = await admin.issue_reset(session=session, actor=actor, user=user)
    except DialogueError as exc:
        return await admin_page(request, session, access, error=exc.message, status_code=exc.status)
    if token is None:
        return RedirectResponse(_found(user.email), status_code=303)
    link = {"email": user.email, "url": resets.reset_url(settings.base_url, token)}
    return await admin_page(request, session, access, q=user.email, link=link, status_code=201)


@router.post("/admin/people/{user_id}/reset")
async def reset_link_form(
    request: Request,
    user_id: Id,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.SITE_ADMIN)],
) -> Response:
    try:
        async with attempt(session):
            user = await admin.get_person(session=session, user_id=user_id)
            token = await admin.issue_reset(session=session, actor=access.require_user(), user=user)
    except DialogueError as exc:
        return await admin_page(request, session, access, error=exc.message, status_code=exc.status)
    link = {"email": user.email, "url": resets.reset_url(settings.base_url, token)}
    return await admin_page(request, session, access, q=user.email, link=link, status_code=201)


@router.post("/admin/mail/{message_id}/retry")
async def retry_mail_form(
    message_id: Annotated[str, Path(max_length=32)],
    session: SessionDep,
    access: Annotated[Access, allow(Action.SITE_ADMIN)],
) -> Response:
    """Send a dead letter again, with a fresh set of attempts (a second click changes nothing)."""
    await outbox.retry(session=session, message_id=message_id, actor_id=access.require_user().id)
    return RedirectResponse("/admin#mail-heading", status_code=303)


async def _set_disabled(
    request: Request, session: SessionDep, access: Access, user_id: int, *, disabled: bool
) -> Response:
    try:
        async with attempt(session):
            user = await admin.get_person(session=session, user_id=user_id)
            await admin.set_disabled(
                session=session, actor=access.require_user(), user=user, disabled=disabled
            )
    except DialogueError as exc:
        return await admin_page(request, session, access, error=exc.message, status_code=exc.status)
    return RedirectResponse(_found(user.email), status_code=303)


@router.post("/admin/people/{user_id}/disable")
async def disable_form(
    request: Request,
    user_id: Id,
    session: SessionDep,
    access: Annotated[Access, allow(Action.SITE_ADMIN)],
) -> Response:
    """Disable the account: it cannot sign in, and every session and token ends now."""
    return await _set_disabled(request, session, access, user_id, disabled=True)


@router.post("/admin/people/{user_id}/delete")
async def delete_form(
    request: Request,
    user_id: Id,
    session: SessionDep,
    access: Annotated[Access, allow(Action.SITE_ADMIN)],
    posts: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Delete a person's account at their request (the audit log names the admin)."""
    try:
        async with attempt(session):
            if posts not in set(erasure.PostsChoice):
                raise Invalid(_("Choose whether to keep or remove their posts."))
            user = await admin.get_person(session=session, user_id=user_id)
            if user.id == access.require_user().id:
                raise Forbidden(_("You cannot do this to yourself."), code=ErrorCode.SELF_ACTION)
            await erasure.delete_account(
                session=session,
                user=user,
                posts=erasure.PostsChoice(posts),
                actor=access.require_user(),
            )
    except DialogueError as exc:
        return await admin_page(request, session, access, error=exc.message, status_code=exc.status)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/people/{user_id}/enable")
async def enable_form(
    request: Request,
    user_id: Id,
    session: SessionDep,
    access: Annotated[Access, allow(Action.SITE_ADMIN)],
) -> Response:
    return await _set_disabled(request, session, access, user_id, disabled=False)
