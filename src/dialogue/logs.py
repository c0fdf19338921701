"""The process's logs: one JSON object per line (or one readable line), with the request's id.

Standard library logging only. Every record gets the id of the request or websocket session
it was written in (`REQUEST_ID`, a context variable set by `request_log.RequestLog`), so an
error can be matched with its request's access line. Structured fields travel in
`extra={"fields": {...}}` and become keys of the JSON object (or `key=value` in text).

What a line must never carry: tokens, query strings, cookies, bodies, and who wrote an
anonymous post. Access lines name the route's template, never the raw path; the database
engine hides statement parameters from its errors (`db.Database`), since a failed insert
would otherwise print an anonymous post's author id and its text into the log.

`logging_config` is the one configuration, handed to uvicorn by `dialogue serve` (whose own
access log is off: `RequestLog` writes the only access line) and applied by the other
long-running commands.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from dialogue.config import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
# What an incoming X-Request-ID may be to be kept (a proxy's id, a UUID): anything else is
# replaced, so a client cannot write arbitrary text, or a line break, into the log.
REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=-]{7,127}")
# A record's attributes that are logging's own, not fields to print.
# uvicorn adds `color_message`, the same message with terminal colours.
_OWN = set(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "fields",
    "request_id",
    "color_message",
}


class RequestIdFilter(logging.Filter):
    """Stamp each record with the current request's id (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


# uvicorn's and the websockets library's line per websocket: the raw path with its query
# and the client's address. `RequestLog` writes the session's one line instead.
SERVER_SOCKET_LINES = frozenset(
    {
        '%s - "WebSocket %s" [accepted]',
        '%s - "WebSocket %s" 403',
        '%s - "WebSocket %s" %d',
        "connection open",
        "connection closed",
    }
)


class ServerSocketLinesFilter(logging.Filter):
    """Drop the server's own per-websocket lines (see `SERVER_SOCKET_LINES`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name.startswith("uvicorn")
            and record.levelno <= logging.INFO
            and record.msg in SERVER_SOCKET_LINES
        )


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields: dict[str, Any] = dict(getattr(record, "fields", None) or {})
    # Other `extra=` keys too, so a library's structured extras are not lost.
    fields.update({k: v for k, v in vars(record).items() if k not in _OWN})
    return fields


def _time(record: logging.LogRecord) -> str:
    at = datetime.fromtimestamp(record.created, UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id, then fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            line["request_id"] = request_id
        for key, value in _fields(record).items():
            line.setdefault(key, value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger message key=value ...`, for a person reading a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [_time(record), record.levelname, record.name, record.getMessage()]
        fields = _fields(record)
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            fields["request_id"] = request_id
        parts += [f"{key}={value}" for key, value in fields.items()]
        text = " ".join(parts)
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + self.formatStack(record.stack_info)
        return text


def error_summary(exc: BaseException) -> str:
    """An error for a log line: its class and the first line of the database's message.

    PostgreSQL's DETAIL line quotes the row's values (`Key (author_id, client_id)=(...)`),
    which for a post would name its author: it is left out, as the parameters are.
    """
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__


def log_format(settings: Settings) -> str:
    """JSON in production (for the log collector), readable text elsewhere, unless set."""
    if settings.log_format is not None:
        return settings.log_format
    return "json" if settings.environment == "production" else "text"


def logging_config(settings: Settings) -> dict[str, Any]:
    """For `logging.config.dictConfig` and uvicorn's `log_config`: everything to standard
    error through one handler; uvicorn's own loggers go through it, its access log is off."""
    formatter = JsonFormatter if log_format(settings) == "json" else TextFormatter
    level = settings.log_level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "server_socket_lines": {"()": ServerSocketLinesFilter},
        },
        "formatters": {"dialogue": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "dialogue",
                "filters": ["server_socket_lines", "request_id"],
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            # Its lines carry the raw path and query (tokens): `RequestLog` replaces it.
            "uvicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }


def configure_logging(settings: Settings) -> None:
    """Apply `logging_config` in a command that runs no uvicorn of its own."""
    import logging.config

    logging.config.dictConfig(logging_config(settings))
