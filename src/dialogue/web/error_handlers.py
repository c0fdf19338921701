"""The handlers that render every error per audience: JSON under /api, a page for HTML.

They sit in the web layer because they render templates; `dialogue.errors` keeps only the
exceptions, so any layer may raise them without importing the pages.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket, WebSocketState

from dialogue.adapters.route_templates import route_template
from dialogue.error_codes import ErrorCode
from dialogue.errors import DialogueError, is_busy
from dialogue.i18n import gettext as _
from dialogue.logs import error_summary
from dialogue.web.templating import render

log = logging.getLogger(__name__)

HTTP_CODES: dict[int, ErrorCode] = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.INVALID,
    429: ErrorCode.RATE_LIMITED,
    500: ErrorCode.SERVER_ERROR,
}


def error_body(
    code: str, message: str, fields: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def wants_json(request: Request) -> bool:
    """API paths always answer JSON; pages answer HTML unless the client asked for JSON."""
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def render_error(
    request: Request,
    *,
    status: int,
    code: str,
    message: str,
    fields: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if wants_json(request):
        return JSONResponse(error_body(code, message, fields), status_code=status, headers=headers)
    return render(
        request,
        "errors/error.html",
        {"status": status, "code": code, "message": message, "fields": fields or []},
        status_code=status,
        headers=headers,
    )


def _validation_fields(exc: RequestValidationError) -> list[dict[str, Any]]:
    fields = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path")]
        fields.append({"field": ".".join(loc) or "body", "message": str(err.get("msg", ""))})
    return fields


def _in_path(exc: RequestValidationError) -> bool:
    """Only path parameters were refused: an id no row can have names nothing (404)."""
    errors = exc.errors()
    return bool(errors) and all(tuple(err.get("loc", ()))[:1] == ("path",) for err in errors)


WS_1008_POLICY_VIOLATION = 1008
WS_1011_INTERNAL_ERROR = 1011
Handler = Callable[[Request, Exception], Awaitable[Response]]


def _also_for_sockets(handler: Handler) -> Callable[[HTTPConnection, Exception], Awaitable[Any]]:
    """Starlette hands a websocket's errors to the same handlers, with no response to send.

    The socket endpoint answers each bad frame itself with an `error` frame; what reaches
    here failed outside a frame (while connecting), so the socket is closed with a reason.
    """

    async def handle(connection: HTTPConnection, exc: Exception) -> Response | None:
        if not isinstance(connection, WebSocket):
            assert isinstance(connection, Request)
            return await handler(connection, exc)
        refused = isinstance(exc, DialogueError | RequestValidationError | DataError)
        if not refused:
            log.error("websocket %s failed", route_template(connection.scope), exc_info=exc)
        if connection.application_state != WebSocketState.DISCONNECTED:
            with contextlib.suppress(Exception):  # the peer may be gone already
                await connection.close(
                    WS_1008_POLICY_VIOLATION if refused else WS_1011_INTERNAL_ERROR
                )
        return None

    return handle


def install_error_handlers(app: FastAPI) -> None:
    """Every error, the framework's included, leaves in the contract's shape."""

    async def on_dialogue_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DialogueError)
        return render_error(
            request,
            status=exc.status,
            code=exc.code,
            message=exc.message,
            fields=exc.fields,
            headers=exc.headers,
        )

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = HTTP_CODES.get(exc.status_code, ErrorCode.ERROR)
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if exc.status_code == 404:
            message = _("Not found.")
        elif exc.status_code == 405:
            message = _("Method not allowed.")
        return render_error(
            request,
            status=exc.status_code,
            code=code,
            message=message,
            headers=dict(exc.headers) if exc.headers else None,
        )

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if _in_path(exc):
            return render_error(
                request, status=404, code=ErrorCode.NOT_FOUND, message=_("Not found.")
            )
        fields = _validation_fields(exc)
        malformed = any(f["message"].startswith("JSON decode error") for f in fields)
        message = _("The request body is not valid JSON.") if malformed else _("Invalid input.")
        return render_error(
            request, status=422, code=ErrorCode.INVALID, message=message, fields=fields
        )

    async def on_data_error(request: Request, exc: Exception) -> Response:
        # The database refused a value that validation let through (PostgreSQL text cannot
        # hold NUL, a number out of range): the request was bad, not the server.
        log.warning(
            "database refused a value on %s %s: %s",
            request.method,
            route_template(request.scope),
            error_summary(exc),
        )
        return render_error(
            request,
            status=422,
            code=ErrorCode.INVALID,
            message=_("The request holds a value that cannot be stored."),
            fields=[{"field": "request", "message": "value refused by the database"}],
        )

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, route_template(request.scope))
        return render_error(
            request,
            status=500,
            code=ErrorCode.SERVER_ERROR,
            message=_("Something went wrong on our side."),
        )

    async def on_database_busy(request: Request, exc: Exception) -> Response:
        if not is_busy(exc):
            return await on_unexpected(request, exc)
        return render_error(
            request,
            status=503,
            code=ErrorCode.BUSY,
            headers={"Retry-After": "1"},
            message=_("The server is busy. Please try again in a moment."),
        )

    app.add_exception_handler(OperationalError, _also_for_sockets(on_database_busy))
    app.add_exception_handler(DialogueError, _also_for_sockets(on_dialogue_error))
    app.add_exception_handler(StarletteHTTPException, _also_for_sockets(on_http_error))
    app.add_exception_handler(RequestValidationError, _also_for_sockets(on_validation_error))
    app.add_exception_handler(DataError, _also_for_sockets(on_data_error))
    # Only HTTP reaches this one (Starlette's server-error middleware skips websockets).
    app.add_exception_handler(Exception, on_unexpected)
