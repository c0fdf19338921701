"""One id and one access line per HTTP request and per websocket session; request latency.

The outermost middleware: it takes a well-formed incoming `X-Request-ID` (a proxy's) or
makes one, sets it for every log line written while the request runs (`logs.REQUEST_ID`),
echoes it in the response, and when the request ends writes its access line and files its
latency under the route's template in `/metrics`.

An access line names the route's template (`/password/reset/{token}`), never the raw
path, and carries no query string, cookie, body or user: a path can hold a token or an
invitation code, and who made a request next to an anonymous post's id would say who
wrote it. A websocket session's line is written when it ends, with what its endpoint put
in its `SessionRecord` (dialogue, outcome, close code, frames each way).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dialogue.adapters.route_templates import route_template
from dialogue.logs import REQUEST_ID, REQUEST_ID_SHAPE

if TYPE_CHECKING:
    from dialogue.metrics import Metrics

log = logging.getLogger("dialogue.access")

HEADER = b"x-request-id"
SESSION_RECORD = "dialogue.session_record"  # the scope key of a websocket's `SessionRecord`


@dataclass(slots=True)
class SessionRecord:
    """What a websocket endpoint tells the access line about its session."""

    dialogue_id: int | None = None
    outcome: str = "rejected"  # never reached the endpoint's body (a malformed request)
    close_code: int | None = None
    frames_in: int = 0
    frames_out: int = 0


def request_id_of(scope: Scope) -> str:
    """The incoming id if it is well formed, else a new one."""
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            given = bytes(value).decode("latin-1")
            if REQUEST_ID_SHAPE.fullmatch(given):
                return given
            break
    return uuid.uuid4().hex


def session_record(scope: Scope) -> SessionRecord:
    """The record of this websocket session (a fresh one outside `RequestLog`, in tests)."""
    record = scope.get(SESSION_RECORD)
    return record if isinstance(record, SessionRecord) else SessionRecord()


def request_id_header() -> list[tuple[bytes, bytes]]:
    """The header that echoes the current request's id (for a websocket's accept)."""
    current = REQUEST_ID.get()
    return [(HEADER, current.encode())] if current else []


class RequestLog:
    def __init__(self, app: ASGIApp, *, metrics: Callable[[], Metrics | None]) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = request_id_of(scope)
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = 500  # unless a response starts: an error raised past every handler

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            # The id stays set: the server-error handler outside logs the traceback next.
            self._request_line(scope, status, started)
            raise
        self._request_line(scope, status, started)
        REQUEST_ID.reset(token)

    def _request_line(self, scope: Scope, status: int, started: float) -> None:
        seconds = time.perf_counter() - started
        route = route_template(scope)
        metrics = self.metrics()
        if metrics is not None:
            metrics.request_seconds.labels(route, scope["method"]).observe(seconds)
        fields: dict[str, Any] = {
            "method": scope["method"],
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 1),
        }
        log.info("request", extra={"fields": fields})

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = REQUEST_ID.set(request_id_of(scope))
        record = SessionRecord()
        scope[SESSION_RECORD] = record
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        except BaseException:
            record.outcome = "error"
            raise
        finally:
            fields: dict[str, Any] = {
                "route": route_template(scope),
                "dialogue_id": record.dialogue_id,
                "outcome": record.outcome,
                "close_code": record.close_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "frames_in": record.frames_in,
                "frames_out": record.frames_out,
            }
            log.info("websocket", extra={"fields": fields})
            REQUEST_ID.reset(token)
