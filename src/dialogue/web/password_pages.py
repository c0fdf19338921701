"""Using a password-reset link: whoever holds it sets a new password and is signed in.

Setting it ends every other session and token of the account (`accounts.resets`), so the
browser that used the link is the only one signed in afterwards.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, SettingsDep, allow
from dialogue.accounts import resets
from dialogue.accounts.guards import guard_forgot, guard_reset
from dialogue.accounts.passwords import MIN_LENGTH
from dialogue.errors import DialogueError, RateLimited
from dialogue.notifications import account_mail
from dialogue.policy import Action
from dialogue.transaction import attempt
from dialogue.web.pages import start_browser_session
from dialogue.web.templating import render

router = APIRouter(include_in_schema=False)
Token = Annotated[str, Path(max_length=100)]


@router.get("/password/forgot")
async def forgot_page(
    request: Request,
    _access: Annotated[Access, allow(Action.PUBLIC)],
    sent: Annotated[bool, Query()] = False,
) -> Response:
    return render(request, "accounts/password_forgot.html", {"sent": sent})


@router.post("/password/forgot")
async def forgot_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _access: Annotated[Access, allow(Action.PUBLIC)],
    email: Annotated[str, Form(max_length=254)],
) -> Response:
    """The same answer whether or not an account has this address."""
    try:
        await guard_forgot(request, email=email)
    except RateLimited as exc:
        return render(
            request,
            "accounts/password_forgot.html",
            {"sent": False, "email": email, "error": exc.message},
            status_code=exc.status,
            headers=exc.headers,
        )
    await account_mail.forgot_password(session, settings=settings, email=email)
    return RedirectResponse("/password/forgot?sent=1", status_code=303)


@router.get("/password/reset/{token}")
async def reset_page(
    request: Request,
    token: Token,
    session: SessionDep,
    _access: Annotated[Access, allow(Action.PUBLIC)],
) -> Response:
    _reset, user = await resets.find_reset(session=session, token=token)
    return render(
        request,
        "accounts/password_reset.html",
        {"token": token, "email": user.email, "min_length": MIN_LENGTH},
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@router.post("/password/reset/{token}")
async def reset_submit(
    request: Request,
    token: Token,
    session: SessionDep,
    settings: SettingsDep,
    _access: Annotated[Access, allow(Action.PUBLIC)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    try:
        async with attempt(session):
            await guard_reset(request, session=session, token=token)
            user = await resets.use_reset(session=session, token=token, password=password)
    except DialogueError as exc:
        _reset, user = await resets.find_reset(session=session, token=token)
        return render(
            request,
            "accounts/password_reset.html",
            {"token": token, "email": user.email, "min_length": MIN_LENGTH, "error": exc.message},
            status_code=exc.status,
            headers=exc.headers,
        )
    response = RedirectResponse("/", status_code=303)
    await start_browser_session(request, response, session=session, settings=settings, user=user)
    return response
