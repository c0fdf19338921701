"""What the organizer's setup forms share: field messages people can read, and local times.

A form is checked by the same schema as its API route (`DialogueCreate`, `ThemeCreate`, ...),
so a page accepts exactly what the API accepts; pydantic's own wording is for developers,
so each field gets a sentence of its own here, translated.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from dialogue.errors import DialogueError, Invalid
from dialogue.i18n import gettext as _

Model = TypeVar("Model", bound=BaseModel)
LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows

# Lazy: the sentence is translated in the language of the request that shows it.
FIELD_MESSAGES: dict[str, Callable[[], str]] = {
    "slug": lambda: _(
        "The web address name takes 2 to 63 characters: lowercase letters, digits and "
        "hyphens, starting with a letter or a digit."
    ),
    "title": lambda: _("Please give a title of 1 to 200 characters."),
    "visibility": lambda: _("Please choose who can read the dialogue."),
    "moderation": lambda: _("Please choose a moderation mode."),
    "flag_threshold": lambda: _("The number of flags is a whole number from 1 to 100."),
    "opens_at": lambda: _("Please give the date and time the theme opens."),
    "closes_at": lambda: _("Please give the date and time the theme closes."),
}


def field_errors(exc: ValidationError) -> dict[str, str]:
    """One readable message per field the schema refused."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        message = FIELD_MESSAGES.get(name)
        errors.setdefault(name, message() if message else _("This value is not valid."))
    return errors


def form_errors(exc: DialogueError) -> dict[str, str]:
    """A refusal as messages by field; "" holds the sentence shown above the form."""
    errors = {"": exc.message}
    for item in exc.fields or []:
        if "field" in item:
            errors.setdefault(str(item["field"]), str(item.get("message", exc.message)))
    return errors


def validated(schema: type[Model], values: dict[str, Any]) -> Model:
    """The form's values through the API's schema; a refusal becomes an `Invalid` with fields."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        errors = field_errors(exc)
        raise Invalid(
            _("Please correct the fields marked below."),
            fields=[{"field": name, "message": message} for name, message in errors.items()],
        ) from exc


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def to_local_input(value: datetime | None, timezone: str) -> str:
    """A stored UTC time as a `datetime-local` value in the person's timezone."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(_zone(timezone)).strftime(LOCAL_INPUT)


def from_local_input(text: str, timezone: str, *, field: str) -> datetime | None:
    """A `datetime-local` value read in the person's timezone, as UTC; empty is None.

    A value that is not a date and time raises `Invalid` naming the field, never a 500.
    """
    text = text.strip()
    if not text:
        return None
    try:
        local = datetime.fromisoformat(text)
    except ValueError as exc:
        message = FIELD_MESSAGES[field]() if field in FIELD_MESSAGES else _("Not a date.")
        raise Invalid(message, fields=[{"field": field, "message": message}]) from exc
    if local.tzinfo is None:
        local = local.replace(tzinfo=_zone(timezone))
    return local.astimezone(UTC)
