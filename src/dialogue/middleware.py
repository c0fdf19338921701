"""Pure ASGI middleware: security headers on every answer, a cap on request bodies, and gzip
for the answers that shrink with it."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dialogue.error_codes import ErrorCode
from dialogue.i18n import activate, negotiate

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "object-src 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


# `Compression` skips these: they are already
# compressed, so gzip would spend CPU to make them no smaller. PDF streams are deflated and a
# DOCX is a ZIP archive; Starlette's own list already has ZIP, images, fonts and event streams.
ALREADY_COMPRESSED = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)


class Compression(GZipMiddleware):
    """Gzip for every HTTP answer the client accepts it for (pages, CSS, JS, JSON), since the
    embedded server has no proxy to do it and many readers are on slow, metered links.

    Answers under 1 KiB go as they are (the gzip header and the CPU cost more than they
    save), and so do the types above. Level 6 is zlib's default: nearly level 9's ratio on
    HTML at a fraction of its CPU per page. Websocket scopes pass through untouched.
    """

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(
            app, minimum_size=1024, compresslevel=6, exclude_content_types=ALREADY_COMPRESSED
        )


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyTooLarge(HTTPException):
    """Raised from `receive`. An HTTPException because FastAPI turns any other error met while
    reading a body into a 400; this one it passes on, and the error handlers answer 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body exceeds {max_bytes} bytes.")


class BodyLimit:
    """Refuse bodies over the limit with 413, by Content-Length or by counting a stream."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes or declared < 0:
                    await self._refuse(scope, send, declared < 0)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, send, False)

    async def _refuse(self, scope: Scope, send: Send, malformed: bool) -> None:
        status, code, message = (
            (400, ErrorCode.BAD_REQUEST, "Malformed Content-Length header.")
            if malformed
            else (
                413,
                ErrorCode.PAYLOAD_TOO_LARGE,
                f"The request body exceeds {self.max_bytes} bytes.",
            )
        )
        body = json.dumps({"error": {"code": code, "message": message}}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class LanguageFromRequest:
    """Activate the language a visitor asked for (cookie, then Accept-Language).

    A signed-in user's own preference overrides this once the caller is known.
    """

    def __init__(
        self, app: ASGIApp, *, supported: tuple[str, ...], default: str, catalogues: Path
    ) -> None:
        self.app = app
        self.supported = supported
        self.default = default
        self.catalogues = catalogues

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = dict(scope.get("headers", []))
            cookie_lang = _cookie(headers.get(b"cookie", b"").decode("latin-1"), "dialogue_lang")
            if cookie_lang in self.supported:
                language = cookie_lang
            else:
                accept = headers.get(b"accept-language", b"").decode("latin-1")
                language = negotiate(accept, self.supported, self.default)
            activate(language, self.catalogues)
        await self.app(scope, receive, send)


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None
