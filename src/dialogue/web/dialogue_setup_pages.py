"""The organizer's dialogue pages: create a dialogue, its settings, and its status changes.

Each form goes through the same schema and service as its API route (`POST /dialogues`,
`PATCH /dialogues/{slug}`); a refusal shows the form again with the reason, a success is a
303. Who may do what is the policy's `DIALOGUE_CREATE` and `DIALOGUE_UPDATE` (an admin
counts as organizer there, not here).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from dialogue.access import Access, SessionDep, allow
from dialogue.dialogues import presenters
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.conduct import parse_clauses
from dialogue.dialogues.models import Dialogue, DialogueStatus, ModerationMode, PresenceMode
from dialogue.dialogues.schemas import DialogueCreate, DialogueUpdate
from dialogue.error_codes import ErrorCode
from dialogue.errors import DialogueError, Invalid, NotFound
from dialogue.i18n import gettext as _
from dialogue.policy import Action, Visibility
from dialogue.transaction import attempt
from dialogue.web.setup_forms import form_errors, validated
from dialogue.web.templating import render

router = APIRouter(include_in_schema=False)

Text = Annotated[str, Form(max_length=60_000)]
Line = Annotated[str, Form(max_length=2000)]
Reason = Annotated[str, Form(max_length=2000)]
Checkbox = Annotated[str | None, Form(max_length=10)]


def _checked(value: str | None) -> bool:
    return value not in (None, "", "0", "false", "off")


def _slug_errors(exc: DialogueError) -> dict[str, str]:
    """The form's messages by field; a taken slug is marked on the slug field itself."""
    errors = form_errors(exc)
    if exc.code == ErrorCode.SLUG_TAKEN:
        errors["slug"] = exc.message
    return errors


# /dialogues/new ---------------------------------------------------------------------------


def _new_page(
    request: Request, form: dict[str, Any], errors: dict[str, str], status_code: int = 200
) -> Response:
    context = {"form": form, "errors": errors}
    return render(request, "dialogues/new.html", context, status_code=status_code)


@router.get("/dialogues/new")
async def new_dialogue_page(
    request: Request, _access: Annotated[Access, allow(Action.DIALOGUE_CREATE)]
) -> Response:
    defaults = {name: field.default for name, field in DialogueCreate.model_fields.items()}
    # The safer choice is offered first: on this subject, naming who reads can endanger them.
    form = {**defaults, "slug": "", "title": "", "presence": PresenceMode.COUNT.value}
    return _new_page(request, form, {})


@router.post("/dialogues/new")
async def new_dialogue_submit(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.DIALOGUE_CREATE)],
    slug: Line = "",
    title: Line = "",
    summary: Text = "",
    visibility: Line = Visibility.INVITE.value,
    moderation: Line = ModerationMode.POST.value,
    allow_anonymous: Checkbox = None,
    code_of_conduct: Text = "",
    presence: Line = PresenceMode.COUNT.value,
) -> Response:
    form: dict[str, Any] = {
        "slug": slug.strip(),
        "title": title.strip(),
        "summary": summary,
        "visibility": visibility,
        "moderation": moderation,
        "allow_anonymous": _checked(allow_anonymous),
        "code_of_conduct": code_of_conduct,
        "presence": presence,
    }
    try:
        body = validated(DialogueCreate, form)
        async with attempt(session):
            dialogue = await dialogues.create_dialogue(
                session=session, actor=access.require_user(), fields=body.model_dump()
            )
    except DialogueError as exc:
        return _new_page(request, form, _slug_errors(exc), status_code=exc.status)
    return RedirectResponse(f"/d/{dialogue.slug}/settings?created=1", status_code=303)


# /d/{slug}/settings -----------------------------------------------------------------------


async def _settings_page(
    request: Request,
    session: SessionDep,
    access: Access,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    preview: bool = False,
    status_code: int = 200,
    safety: dict[str, Any] | None = None,
) -> Response:
    dialogue = access.require_dialogue()
    out = await presenters.dialogue_out(
        session=session, dialogue=dialogue, role=access.role, membership=access.membership
    )
    if form is None:
        form = {
            "slug": dialogue.slug,
            "title": dialogue.title,
            "summary": dialogue.summary,
            "visibility": dialogue.visibility,
            "moderation": dialogue.moderation,
            "allow_anonymous": dialogue.allow_anonymous,
            "flag_threshold": dialogue.flag_threshold,
            "code_of_conduct": out.code_of_conduct,
            "reason": "",
        }
    conduct = str(form["code_of_conduct"])
    context: dict[str, Any] = {
        "dialogue": out,
        "form": form,
        "errors": errors or {},
        "preview": preview,
        "clauses": parse_clauses(conduct) if preview else [],
        "conduct_changes": conduct.strip() != "" and conduct != out.code_of_conduct,
        "next_statuses": sorted(dialogues.TRANSITIONS[DialogueStatus(dialogue.status)]),
        "saved": request.query_params.get("saved") == "1",
        "created": request.query_params.get("created") == "1",
        "safety": safety or _safety_form(dialogue),
        "safety_saved": request.query_params.get("saved") == "safety",
    }
    return render(request, "dialogues/settings.html", context, status_code=status_code)


@router.get("/d/{slug}/settings")
async def settings_page(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.DIALOGUE_UPDATE)],
) -> Response:
    return await _settings_page(request, session, access)


def _mode_reason(dialogue: Dialogue, moderation: str, reason: str) -> None:
    """A switch of moderation mode says why: the reason goes into the audit log."""
    if moderation != dialogue.moderation and not reason.strip():
        message = _("Please say why the moderation mode changes; the audit log keeps it.")
        raise Invalid(message, fields=[{"field": "reason", "message": message}])


@router.post("/d/{slug}/settings")
async def settings_submit(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.DIALOGUE_UPDATE)],
    new_slug: Annotated[str, Form(alias="slug", max_length=2000)] = "",
    title: Line = "",
    summary: Text = "",
    visibility: Line = "",
    moderation: Line = "",
    allow_anonymous: Checkbox = None,
    flag_threshold: Line = "",
    code_of_conduct: Text = "",
    reason: Reason = "",
    preview: Line = "",
) -> Response:
    """Save the settings, or with `preview` only show the code of conduct as it would read."""
    dialogue = access.require_dialogue()
    form: dict[str, Any] = {
        "slug": new_slug.strip(),
        "title": title.strip(),
        "summary": summary,
        "visibility": visibility,
        "moderation": moderation,
        "allow_anonymous": _checked(allow_anonymous),
        "flag_threshold": flag_threshold.strip(),
        "code_of_conduct": code_of_conduct,
    }
    if preview:
        return await _settings_page(
            request, session, access, form={**form, "reason": reason}, preview=True
        )
    try:
        body = validated(DialogueUpdate, form)
        _mode_reason(dialogue, moderation, reason)
        async with attempt(session):
            await dialogues.update_dialogue(
                session=session,
                dialogue=dialogue,
                changes=body.model_dump(exclude_unset=True),
                actor=access.require_user(),
                reason=reason.strip(),
            )
    except DialogueError as exc:
        return await _settings_page(
            request,
            session,
            access,
            form={**form, "reason": reason},
            errors=_slug_errors(exc),
            status_code=exc.status,
        )
    return RedirectResponse(f"/d/{dialogue.slug}/settings?saved=1", status_code=303)


# /d/{slug}/settings/safety ----------------------------------------------------------------

SAFETY_FIELDS = ("presence", "watch_list", "hold_phrases", "support_text")


def _safety_form(dialogue: Dialogue) -> dict[str, Any]:
    return {name: getattr(dialogue, name) for name in SAFETY_FIELDS} | {"errors": {}}


@router.post("/d/{slug}/settings/safety")
async def safety_submit(
    request: Request,
    session: SessionDep,
    access: Annotated[Access, allow(Action.DIALOGUE_UPDATE)],
    presence: Line = "",
    watch_list: Text = "",
    hold_phrases: Text = "",
    support_text: Text = "",
) -> Response:
    """Presence, and what holds a post for review (the watch list and phrases), and the
    support text a held post's author reads: the same `PATCH /dialogues/{slug}` fields."""
    dialogue = access.require_dialogue()
    form: dict[str, Any] = {
        "presence": presence,
        "watch_list": watch_list.replace("\r\n", "\n"),
        "hold_phrases": hold_phrases.replace("\r\n", "\n"),
        "support_text": support_text.replace("\r\n", "\n"),
    }
    try:
        body = validated(DialogueUpdate, form)
        async with attempt(session):
            await dialogues.update_dialogue(
                session=session,
                dialogue=dialogue,
                changes=body.model_dump(exclude_unset=True),
                actor=access.require_user(),
            )
    except DialogueError as exc:
        safety = form | {"errors": form_errors(exc)}
        return await _settings_page(request, session, access, safety=safety, status_code=exc.status)
    return RedirectResponse(f"/d/{dialogue.slug}/settings?saved=safety#safety-heading", 303)


# /d/{slug}/settings/status/{to} -----------------------------------------------------------

StatusParam = Annotated[str, Path(max_length=20)]


def _target(to: str) -> DialogueStatus:
    try:
        return DialogueStatus(to)
    except ValueError:
        raise NotFound(_("Not found.")) from None


async def _status_page(
    request: Request,
    session: SessionDep,
    access: Access,
    to: DialogueStatus,
    *,
    error: str | None = None,
    reason: str = "",
    status_code: int = 200,
) -> Response:
    dialogue = access.require_dialogue()
    out = await presenters.dialogue_out(
        session=session,
        dialogue=dialogue,
        role=access.role,
        membership=access.membership,
        with_themes=False,
    )
    allowed = to in dialogues.TRANSITIONS[DialogueStatus(dialogue.status)]
    if not allowed and error is None:
        error = _("A dialogue cannot go from %(old)s to %(new)s.") % {
            "old": dialogue.status,
            "new": to,
        }
        status_code = 409
    context = {"dialogue": out, "to": to.value, "allowed": allowed, "error": error}
    return render(
        request, "dialogues/status.html", {**context, "reason": reason}, status_code=status_code
    )


@router.get("/d/{slug}/settings/status/{to}")
async def status_confirm_page(
    request: Request,
    to: StatusParam,
    session: SessionDep,
    access: Annotated[Access, allow(Action.DIALOGUE_UPDATE)],
) -> Response:
    """What the change will do, asked before it is made."""
    return await _status_page(request, session, access, _target(to))


@router.post("/d/{slug}/settings/status/{to}")
async def status_submit(
    request: Request,
    to: StatusParam,
    session: SessionDep,
    access: Annotated[Access, allow(Action.DIALOGUE_UPDATE)],
    reason: Reason = "",
) -> Response:
    dialogue = access.require_dialogue()
    target = _target(to)
    try:
        async with attempt(session):
            await dialogues.update_dialogue(
                session=session,
                dialogue=dialogue,
                changes={"status": target.value},
                actor=access.require_user(),
                reason=reason.strip(),
            )
    except DialogueError as exc:
        return await _status_page(
            request,
            session,
            access,
            target,
            error=exc.message,
            reason=reason,
            status_code=exc.status,
        )
    return RedirectResponse(f"/d/{dialogue.slug}/settings?saved=1", status_code=303)
