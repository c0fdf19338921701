"""`datetime-local` form values, read and written in the signed-in person's time zone.

A browser sends such a value without a zone; it means the wall-clock time of the person
filling the form, which the server turns into UTC before anything stores it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dialogue.errors import Invalid
from dialogue.i18n import gettext as _

INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def parse_local(value: str, timezone: str, *, field: str, message: str | None = None) -> datetime:
    """A form's `datetime-local` value in `timezone`, as an aware UTC time.

    A value that is not a date and time raises `Invalid` naming the field, never a 500.
    """
    try:
        naive = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise Invalid(
            message or _("Please give a date and time."),
            fields=[{"field": field, "message": message or "not a date and time"}],
        ) from exc
    if naive.tzinfo is None:
        naive = naive.replace(tzinfo=_zone(timezone))
    return naive.astimezone(UTC)


def local_input(value: datetime, timezone: str) -> str:
    """A stored time as the `value` of a `datetime-local` field in `timezone`."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(_zone(timezone)).strftime(INPUT_FORMAT)
