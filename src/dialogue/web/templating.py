"""Jinja2 set up once per app: autoescape, i18n, the request's language and CSRF token."""

from __future__ import annotations

from typing import Any

from babel import Locale
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import BytecodeCache, pass_context
from jinja2.bccache import Bucket
from jinja2.runtime import Context
from starlette.responses import Response

from dialogue import csrf, i18n
from dialogue.accounts.tombstone import shown_name
from dialogue.config import Settings
from dialogue.markup import render_markdown
from dialogue.policy import ROLE_ACTIONS, Action, Role
from dialogue.state import app_state
from dialogue.translation.translator import Translator
from dialogue.web.assets import static_assets

CSRF_COOKIE_MAX_AGE = 60 * 60 * 24 * 30


class ProcessBytecodeCache(BytecodeCache):
    """Compiled templates kept for the process, shared by every app made in it.

    Each app has its own environment (its settings' globals), and an environment compiles a
    template on first use; the tests make an app per test, so without this they would
    compile `base.html` and its friends thousands of times. Jinja checks each entry against
    the template source's checksum, so an edited template is compiled again.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED = ProcessBytecodeCache()


def create_templates(settings: Settings, translator: Translator | None = None) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(settings.templates_dir))
    env = templates.env
    env.bytecode_cache = COMPILED
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
    )
    env.filters["markdown"] = render_markdown
    env.filters["localtime"] = i18n.localtime
    env.filters["ago"] = i18n.ago
    env.filters["number"] = i18n.number
    env.filters["shown_name"] = shown_name
    env.globals["csrf_field"] = csrf.CSRF_FIELD
    env.globals["quick_exit_url"] = settings.quick_exit_url
    env.globals["role_may"] = role_may
    env.globals["may"] = may
    env.globals["languages"] = language_names(settings.languages)
    # Whether a post in one language can be machine-translated into another (else no button).
    env.globals["translatable"] = translator.can_translate if translator else _untranslatable
    env.globals["language_name"] = language_name
    env.globals["static_url"] = static_assets(settings.static_dir).url
    return templates


def _untranslatable(source: str | None, target: str) -> bool:
    return False


def role_may(action: str, role: str | None) -> bool:
    """Whether a member with `role` may take `action`: links ask the policy's own table."""
    return role is not None and Role(role) in ROLE_ACTIONS[Action(action)]


@pass_context
def may(context: Context, action: str) -> bool:
    """Whether the page's reader may take `action` (an `Action` value), as the routes ask it.

    A page offers a link or a form only where this holds; a page rendered without a policy
    check (an error page) offers nothing.
    """
    request = context.get("request")
    access = getattr(request.state, "access", None) if request is not None else None
    return access is not None and bool(access.can(Action(action)))


def language_names(codes: tuple[str, ...]) -> dict[str, str]:
    """Each offered language in its own name: a reader who cannot read the page's current
    language still finds theirs in the switcher."""
    names = {}
    for code in codes:
        name = Locale.parse(code).get_display_name(code) or code
        names[code] = name[:1].upper() + name[1:]
    return names


def language_name(code: str) -> str:
    """A language's name in the reader's language (`fr` is "French" to an English reader)."""
    try:
        return (
            Locale.parse(code.replace("-", "_")).get_display_name(i18n.current_language()) or code
        )
    except (ValueError, LookupError):
        return code


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    templates: Jinja2Templates = app_state(request).templates
    principal = getattr(request.state, "principal", None)
    user = principal.user if principal else None
    token = csrf.csrf_token(request)
    ctx = {
        "current_user": user,
        "csrf_token": token,
        "lang": i18n.current_language(),
        "timezone": user.timezone if user else "UTC",
        "unread_notices": getattr(request.state, "unread_notices", 0),
        # An error page's language switcher returns to the path alone: it echoes nothing
        # of what was asked (a refused search's words) back into the page.
        "return_query": request.url.query if status_code < 400 else "",
        **(context or {}),
    }
    response: HTMLResponse = templates.TemplateResponse(
        request, name, ctx, status_code=status_code, headers=headers
    )
    if request.cookies.get(csrf.CSRF_COOKIE) != token:
        response.set_cookie(
            csrf.CSRF_COOKIE,
            token,
            max_age=CSRF_COOKIE_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=secure_cookies(request),
        )
    return response


def secure_cookies(request: Request) -> bool:
    """Cookies are `Secure` when the settings say so or the request came over HTTPS, which
    behind a proxy uvicorn learns from X-Forwarded-Proto only when it trusts the proxy."""
    settings: Settings = app_state(request).settings
    return settings.cookie_secure or request.url.scheme == "https"
