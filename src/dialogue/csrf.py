"""CSRF protection by double submit: a random cookie that a form or header must repeat.

A cross-site page can make the browser send our cookies but can neither read them nor set
a custom header, so a request that repeats the cookie's value came from our own pages.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

from dialogue.error_codes import ErrorCode
from dialogue.errors import Forbidden
from dialogue.i18n import gettext as _

CSRF_COOKIE = "dialogue_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")


def csrf_token(request: Request) -> str:
    """The token this request's pages must embed; made once per browser."""
    token = getattr(request.state, "csrf_token", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
        request.state.csrf_token = token
    return str(token)


def needs_check(request: Request, *, session_cookie: str) -> bool:
    """Unsafe requests that a browser could be tricked into sending."""
    if request.method in SAFE_METHODS:
        return False
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return False
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return session_cookie in request.cookies or content_type in FORM_TYPES


async def verify(request: Request) -> None:
    expected = request.cookies.get(CSRF_COOKIE, "")
    given = request.headers.get(CSRF_HEADER, "")
    if not given:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD, "")
            given = value if isinstance(value, str) else ""
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise Forbidden(
            _("This form has expired or did not come from this site. Please try again."),
            code=ErrorCode.CSRF_FAILED,
        )
