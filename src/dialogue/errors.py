"""Domain errors that carry their HTTP status; `dialogue.web.error_handlers` renders them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import OperationalError

from dialogue.error_codes import ErrorCode


class DialogueError(Exception):
    """An error a service raises; the status and code reach the client unchanged."""

    status = 400
    code: ErrorCode = ErrorCode.BAD_REQUEST

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        fields: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = headers
        self.fields = fields


class NotFound(DialogueError):
    status, code = 404, ErrorCode.NOT_FOUND


class Unauthenticated(DialogueError):
    status, code = 401, ErrorCode.UNAUTHENTICATED


class Forbidden(DialogueError):
    status, code = 403, ErrorCode.FORBIDDEN


class Conflict(DialogueError):
    status, code = 409, ErrorCode.CONFLICT


class Invalid(DialogueError):
    status, code = 422, ErrorCode.INVALID


class RateLimited(DialogueError):
    status, code = 429, ErrorCode.RATE_LIMITED

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = retry_after


def is_busy(exc: BaseException) -> bool:
    """SQLite's write lock stayed taken for the whole busy timeout (another process wrote)."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)
