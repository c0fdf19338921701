"""Column values to and from an archive's JSON, checked against the column they go into."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Integer, String, TypeDecorator
from sqlmodel.sql.sqltypes import UTCDateTime

INT_MAX = 2**31 - 1  # PostgreSQL's integer


def encode(value: Any) -> Any:
    """A database value as JSON: times in UTC ISO 8601, everything else as it is."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def decode(column: Column[Any], value: Any, choices: frozenset[str] | None = None) -> Any:
    """The value to store in `column`, or ValueError saying what is wrong with it."""
    if value is None:
        if not column.nullable:
            raise ValueError("may not be null")
        return None
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return _time(value)
    if isinstance(kind, TypeDecorator):  # sqlmodel's AutoString
        kind = kind.impl_instance
    if isinstance(kind, Boolean):
        if not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value
    if isinstance(kind, Integer):
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > INT_MAX:
            raise ValueError("must be a whole number")
        return value
    if isinstance(kind, JSON):
        if not isinstance(value, dict):
            raise ValueError("must be an object")
        return value
    if isinstance(kind, String):  # Text too
        return _text(value, kind.length, choices)
    raise ValueError(f"has an unsupported column type {kind!r}")  # pragma: no cover - schema


def _time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be a time in ISO 8601")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"is not a time in ISO 8601: {value[:40]!r}") from None
    if parsed.utcoffset() is None:
        raise ValueError("must be a time with its zone")
    return parsed.astimezone(UTC)


def _text(value: Any, length: int | None, choices: frozenset[str] | None) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    if "\x00" in value:
        raise ValueError("may not hold a NUL character")
    if length is not None and len(value) > length:
        raise ValueError(f"is longer than {length} characters")
    if choices is not None and value not in choices:
        raise ValueError(f"must be one of {', '.join(sorted(choices))}")
    return value


def reference(value: Any) -> int | None:
    """An archive reference: null or a positive number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= INT_MAX:
        raise ValueError("must be an archive reference (a number from 1)")
    return value
