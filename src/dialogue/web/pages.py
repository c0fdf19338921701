"""Site pages: home, sign in and out, invitations."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from dialogue import i18n
from dialogue.access import SESSION_COOKIE, Access, SessionDep, SettingsDep, allow
from dialogue.accounts import invitations
from dialogue.accounts import service as accounts
from dialogue.accounts.guards import guard_invitation
from dialogue.accounts.login import guarded_login
from dialogue.accounts.models import QuoteConsent, TokenKind, User
from dialogue.config import Settings
from dialogue.dialogues import service as dialogues
from dialogue.errors import DialogueError
from dialogue.events.publish import announce_revocation
from dialogue.policy import Action
from dialogue.transaction import attempt
from dialogue.web.templating import render, secure_cookies

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only same-site paths, so a crafted link cannot bounce a user to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


async def start_browser_session(
    request: Request, response: Response, *, session: SessionDep, settings: Settings, user: User
) -> None:
    """Sign this browser in with a new session; the one it came with (anyone's, a planted
    one included) ends, so no session id known before sign-in works after it."""
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        await accounts.revoke_session_token(session=session, token=previous)
    token = await accounts.issue_token(
        session=session,
        user=user,
        kind=TokenKind.SESSION,
        lifetime=timedelta(days=settings.session_days),
    )
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_days * 86400,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )


@router.get("/")
async def home(
    request: Request, session: SessionDep, access: Annotated[Access, allow(Action.DIALOGUE_LIST)]
) -> Response:
    rows = await dialogues.list_visible_dialogues(session=session, user=access.user)
    return render(
        request,
        "home.html",
        {"dialogues": rows, "can_create": access.can(Action.DIALOGUE_CREATE)},
    )


# The site icon, linked from every page's head as an SVG. Browsers that ignore the link still
# ask for /favicon.ico on a first visit; they get the same icon instead of a 404.
ICON = "img/icon.svg"
ICON_CACHE = "public, max-age=86400"


@router.get("/favicon.ico")
async def favicon(
    settings: SettingsDep, _access: Annotated[Access, allow(Action.PUBLIC)]
) -> Response:
    return FileResponse(
        settings.static_dir / ICON,
        media_type="image/svg+xml",
        headers={"Cache-Control": ICON_CACHE},
    )


@router.get("/login")
async def login_page(
    request: Request, _access: Annotated[Access, allow(Action.PUBLIC)], next: str = "/"
) -> Response:
    return render(request, "accounts/login.html", {"next": safe_next(next), "email": ""})


@router.post("/login")
async def login_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _access: Annotated[Access, allow(Action.PUBLIC)],
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    try:
        async with attempt(session):
            user = await guarded_login(request, session=session, email=email, password=password)
    except DialogueError as exc:
        return render(
            request,
            "accounts/login.html",
            {"next": safe_next(next), "email": email, "error": exc.message},
            status_code=exc.status,
            headers=exc.headers,
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    await start_browser_session(request, response, session=session, settings=settings, user=user)
    return response


@router.post("/logout")
async def logout_submit(
    session: SessionDep, access: Annotated[Access, allow(Action.SIGNED_IN)]
) -> Response:
    assert access.principal is not None and access.principal.token.id is not None
    await accounts.revoke_token(session=session, token_id=access.principal.token.id)
    announce_revocation(session, access.principal.token.id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/invitations/{token}")
async def invitation_page(
    request: Request,
    token: str,
    session: SessionDep,
    access: Annotated[Access, allow(Action.INVITATION_ACCEPT)],
) -> Response:
    invitation = await invitations.find_invitation(session=session, token=token)
    dialogue = await dialogues.get_dialogue_by_id(
        session=session, dialogue_id=invitation.dialogue_id
    )
    existing = await accounts.get_user_by_email(session=session, email=invitation.email)
    return render(
        request,
        "accounts/invitation.html",
        {
            "token": token,
            "invitation": invitation,
            "dialogue": dialogue,
            "needs_account": access.user is None and existing is None,
            "needs_sign_in": access.user is None and existing is not None,
            "consent": access.user.quote_consent or "" if access.user else "",
        },
    )


@router.post("/invitations/{token}")
async def invitation_submit(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.INVITATION_ACCEPT)],
    display_name: Annotated[str | None, Form(max_length=120)] = None,
    password: Annotated[str | None, Form(max_length=1024)] = None,
    quote_consent: Annotated[QuoteConsent | None, Form()] = None,
) -> Response:
    await guard_invitation(request, session=session, token=token, signed_in=access.user)
    user, _membership, dialogue = await invitations.accept_invitation(
        session=session,
        token=token,
        signed_in=access.user,
        display_name=display_name,
        password=password,
        quote_consent=quote_consent,
        # A new account keeps the language the invitation was read in.
        language=i18n.current_language(),
    )
    response = RedirectResponse(f"/d/{dialogue.slug}", status_code=303)
    if access.user is None:
        await start_browser_session(
            request, response, session=session, settings=settings, user=user
        )
    return response
