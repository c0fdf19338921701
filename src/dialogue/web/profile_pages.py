"""The profile page (`/me`) and the language switcher every page carries.

The profile form saves through the same service and the same validation as `PATCH
/api/v1/me`, field by field under the API's names; a refused value comes back as the form
with a message next to its field, never a 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.access import (
    SESSION_COOKIE,
    Access,
    SessionDep,
    SettingsDep,
    allow,
    allow_signed_in_page,
)
from dialogue.accounts import erasure
from dialogue.accounts import service as accounts
from dialogue.accounts.choices import countries, offered_timezones
from dialogue.accounts.login import guarded_password_change
from dialogue.accounts.models import Digest, User
from dialogue.accounts.schemas import MeUpdate
from dialogue.errors import DialogueError, Forbidden
from dialogue.i18n import current_language
from dialogue.i18n import gettext as _
from dialogue.notifications import preferences
from dialogue.policy import Action
from dialogue.synthesis import consent_changes
from dialogue.synthesis.models import ConsentChange
from dialogue.transaction import attempt
from dialogue.web.pages import safe_next
from dialogue.web.templating import render, secure_cookies

router = APIRouter(include_in_schema=False)

LANGUAGE_COOKIE = "dialogue_lang"
LANGUAGE_COOKIE_MAX_AGE = 60 * 60 * 24 * 365
Line = Annotated[str, Form(max_length=400)]


def _field_messages() -> dict[str, str]:
    """What each refused field says, in the reader's language."""
    return {
        "display_name": _("Enter the name others will see, on one line (at most 120 characters)."),
        "organization": _("Enter your organisation on one line (at most 200 characters)."),
        "country": _("Choose a country from the list."),
        "language": _("Choose one of the offered languages."),
        "timezone": _("Choose a time zone from the list."),
        "quote_consent": _("Choose one of the three options."),
        "digest": _("Choose one of the three options."),
    }


def _profile_form(user: User) -> dict[str, str]:
    return {
        "display_name": user.display_name,
        "organization": user.organization,
        "country": user.country or "",
        "language": user.language,
        "timezone": user.timezone,
        "quote_consent": user.quote_consent or "",
        "digest": user.digest,
        "hide_presence": "on" if user.hide_presence else "",
    }


def _mail_choices(stopped: set[str]) -> list[dict[str, Any]]:
    return [
        {"kind": kind.value, "label": preferences.kind_label(kind), "on": kind not in stopped}
        for kind in preferences.CHOOSABLE
    ]


def _profile_page(
    request: Request,
    form: dict[str, str],
    *,
    mail: list[dict[str, Any]],
    errors: dict[str, str] | None = None,
    saved: bool = False,
    delete_error: str = "",
    password_error: str = "",
    password_changed: bool = False,
    status_code: int = 200,
    consent_trail: Sequence[ConsentChange] = (),
) -> Response:
    context: dict[str, Any] = {
        "consent_trail": consent_trail,
        "form": form,
        "errors": errors or {},
        "delete_error": delete_error,
        "password_error": password_error,
        "password_changed": password_changed,
        "saved": saved,
        "countries": countries(current_language()),
        "timezones": offered_timezones(),
        # A person who never chose a zone has the default: the page offers the browser's.
        "zone_unset": form["timezone"] == "UTC",
        "digests": list(Digest),
        "mail": mail,
    }
    return render(request, "accounts/profile.html", context, status_code=status_code)


@router.get("/me")
async def profile_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow_signed_in_page(Action.SIGNED_IN)],
    saved: bool = False,
    password_changed: bool = False,
) -> Response:
    return await _stored_profile_page(
        request, session, access.require_user(), saved=saved, password_changed=password_changed
    )


async def _stored_profile_page(
    request: Request, session: AsyncSession, user: User, **shown: Any
) -> Response:
    """The profile as stored: its mail choices and consent trail read afresh."""
    stopped = await preferences.stopped_kinds(session=session, email=user.email)
    trail = await consent_changes.changes_of(session=session, user_id=user.id or 0)
    return _profile_page(
        request, _profile_form(user), mail=_mail_choices(stopped), consent_trail=trail, **shown
    )


@router.post("/me")
async def profile_submit(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.SIGNED_IN)],
    display_name: Line = "",
    organization: Line = "",
    country: Annotated[str, Form(max_length=8)] = "",
    language: Annotated[str, Form(max_length=8)] = "",
    timezone: Annotated[str, Form(max_length=64)] = "",
    quote_consent: Annotated[str, Form(max_length=16)] = "",
    digest: Annotated[str, Form(max_length=16)] = "",
    mail: Annotated[list[str] | None, Form(max_length=32)] = None,
    mail_choices: Annotated[str, Form(max_length=1)] = "",
    hide_presence: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """`mail_choices` says the form carried the mail checkboxes (none ticked sends none)."""
    wanted = set(mail or [])
    form = {
        "display_name": display_name,
        "organization": organization,
        "country": country,
        "language": language,
        "timezone": timezone,
        "quote_consent": quote_consent,
        "digest": digest,
        "hide_presence": hide_presence,
    }
    # An unchosen radio group sends nothing: that choice stays as it was.
    always = ("display_name", "organization", "country")
    sent: dict[str, object] = {
        name: value for name, value in form.items() if value or name in always
    }
    sent["hide_presence"] = bool(hide_presence)  # an unticked box sends nothing: off
    try:
        update = MeUpdate.model_validate(sent)
    except ValidationError as exc:
        messages = _field_messages()
        errors = {
            str(err["loc"][0]): messages.get(str(err["loc"][0]), _("Invalid input."))
            for err in exc.errors()
            if err.get("loc")
        }
        stopped = {
            choice["kind"] for choice in _mail_choices(set()) if choice["kind"] not in wanted
        }
        return _profile_page(
            request, form, mail=_mail_choices(stopped), errors=errors, status_code=422
        )
    user = access.require_user()
    await accounts.change_profile(session=session, user=user, update=update)
    if mail_choices:
        await preferences.choose(session=session, email=user.email, wanted=wanted)
    return RedirectResponse("/me?saved=true", status_code=303)


@router.post("/me/password")
async def password_submit(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.SIGNED_IN)],
    current_password: Annotated[str, Form(max_length=1024)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """The same service as `POST /api/v1/me/password`: this browser stays signed in."""
    user = access.require_user()
    assert access.principal is not None and access.principal.token.id is not None
    try:
        async with attempt(session):
            await guarded_password_change(
                request,
                session=session,
                user=user,
                current=current_password,
                new=password,
                keep_token_id=access.principal.token.id,
            )
    except DialogueError as exc:
        page = await _stored_profile_page(
            request, session, user, password_error=exc.message, status_code=exc.status
        )
        page.headers.update(exc.headers or {})
        return page
    return RedirectResponse("/me?password_changed=true", status_code=303)


@router.post("/me/delete")
async def delete_account_submit(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.SIGNED_IN)],
    password: Annotated[str, Form(max_length=1024)] = "",
    posts: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """The same service as `DELETE /api/v1/me`; the password confirms it is really them."""
    user = access.require_user()
    if posts not in set(erasure.PostsChoice):
        message = _("Choose whether to keep or remove your posts.")
        return await _stored_profile_page(
            request, session, user, delete_error=message, status_code=422
        )
    try:
        await erasure.delete_own_account(
            session=session, user=user, password=password, posts=erasure.PostsChoice(posts)
        )
    except Forbidden as exc:
        return await _stored_profile_page(
            request, session, user, delete_error=exc.message, status_code=403
        )
    response = RedirectResponse("/?account_deleted=true", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/language")
async def language_submit(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    access: Annotated[Access, allow(Action.PUBLIC)],
    language: Annotated[str, Form(max_length=8)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Switch the interface language: a cookie for everyone, the profile for a signed-in
    person (whose profile language otherwise wins over the cookie)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if language not in settings.languages:
        return response  # nothing to switch to: the page comes back as it was
    if access.user is not None:
        await accounts.change_profile(
            session=session, user=access.user, update=MeUpdate(language=language)
        )
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )
    return response
