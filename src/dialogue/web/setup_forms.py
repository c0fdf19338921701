"""What the organizer's setup forms share: field messages people can read, and local times.

A form is checked by the same schema as its API route (`DialogueCreate`, `ThemeCreate`, ...),
so a page accepts exactly what the API accepts; pydantic's own wording is for developers,
so each field gets a sentence of its own here, translated.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from dialogue.errors import DialogueError, Invalid
from dialogue.i18n import gettext as _
from dialogue.web.local_time import local_input, parse_local

Model = TypeVar("Model", bound=BaseModel)

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


def to_local_input(value: datetime | None, timezone: str) -> str:
    """A stored UTC time as a `datetime-local` value in the person's timezone; none is empty."""
    return "" if value is None else local_input(value, timezone)


def from_local_input(text: str, timezone: str, *, field: str) -> datetime | None:
    """A `datetime-local` value read in the person's timezone, as UTC; empty is None."""
    if not text.strip():
        return None
    message = FIELD_MESSAGES[field]() if field in FIELD_MESSAGES else _("Not a date.")
    return parse_local(text, timezone, field=field, message=message)
