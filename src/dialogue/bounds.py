"""What a client may send: integers the database can hold, times it can convert, plain text.

Every value a client sends (JSON, forms, query strings, path parameters, websocket frames)
is checked here before anything uses it. A value outside these bounds used to reach the
driver or the standard library and fail there: an id of 2**63 raised `OverflowError` while
binding it (a 500, and in the post writer the loss of everyone else's posts in the batch),
a far time overflowed `astimezone`, a NUL failed on PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, NamedTuple

from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import AfterValidator, BeforeValidator

from dialogue.errors import Invalid
from dialogue.i18n import gettext as _

# Ids and other integer columns are 32-bit on PostgreSQL (`integer`).
INT_MAX = 2**31 - 1
MAX_ID = INT_MAX
# Times convert to UTC and back, and have days added, without leaving `datetime`'s range.
MIN_YEAR, MAX_YEAR = 1900, 9000

# C0 controls other than tab and newlines, and DEL: PostgreSQL refuses NUL in text, search
# snippets use two of them as highlight markers, and no one types the others on purpose.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A single line (a name, an address) holds no line break or tab either.
LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def is_digits(text: str) -> bool:
    """ASCII digits only: `int()` also takes '١٢' (Arabic-Indic digits), '1_2', ' +12 '."""
    return text.isascii() and text.isdigit()


def _whole_number(value: object) -> object:
    """Integers written as text (paths, query strings, forms) must be plain ASCII digits."""
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, str):
        if not is_digits(value) or len(value) > 19:
            raise ValueError("must be a whole number written with the digits 0-9")
        return int(value)
    return value


WholeNumber = BeforeValidator(_whole_number)

# A row's id: what a client may name. Query, Form and Path markers may narrow it further.
DbId = Annotated[int, WholeNumber, Ge(1), Le(MAX_ID)]
# Any other integer that is stored or compared with stored ones: positions, "after" ids,
# versions, counts and limits (routes give limits their own upper bound on top).
DbInt = Annotated[int, WholeNumber, Ge(0), Le(INT_MAX)]


def parse_id(text: str) -> int | None:
    """The id a path segment names, or None when it can name no row (it answers 404)."""
    if not is_digits(text) or len(text) > 10:
        return None
    key = int(text)
    return key if 1 <= key <= MAX_ID else None


def safe_time(value: datetime) -> datetime:
    """A client time in UTC (one without a zone is taken to be UTC), within safe years."""
    # Checked before converting too: a time at the very edge of `datetime` overflows there.
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"must be between the years {MIN_YEAR} and {MAX_YEAR}")
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise ValueError(f"must be between the years {MIN_YEAR} and {MAX_YEAR}")
    return utc


def printable(value: str) -> str:
    """Text that may span lines: no control characters but tab and line breaks."""
    if CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def one_line(value: str) -> str:
    """Text on one line (a name, an e-mail address): no control characters at all."""
    if LINE_CONTROL.search(value):
        raise ValueError("must not contain control characters or line breaks")
    return value


SafeDatetime = Annotated[datetime, AfterValidator(safe_time)]
SafeText = Annotated[str, AfterValidator(printable)]
SafeLine = Annotated[str, AfterValidator(one_line)]
# A moderation action's reason, and the code-of-conduct clause it cites (by number).
Reason = Annotated[str, MaxLen(2000)]
ClauseRef = Annotated[str, MinLen(1), MaxLen(20)]


def refuse_control(text: str, field: str, *, single_line: bool = False) -> None:
    """The same rule for services, whatever path the text came by (API, form, import)."""
    if (LINE_CONTROL if single_line else CONTROL).search(text):
        raise Invalid(
            _("The text contains control characters."),
            fields=[{"field": field, "message": "contains control characters"}],
        )


class ThreadCursor(NamedTuple):
    """Where a page of a theme's threads ends: pinned threads come first, then the others."""

    pinned: bool
    at: datetime
    thread_id: int


PINNED_CURSOR = "pinned|"


def thread_cursor(*, pinned: bool, at: datetime, thread_id: int) -> str:
    """The `next` of a thread list: `[pinned|]<last activity>|<thread id>`."""
    return f"{PINNED_CURSOR if pinned else ''}{at.isoformat()}|{thread_id}"


def parse_thread_cursor(value: str) -> ThreadCursor:
    """`[pinned|]<last activity>|<thread id>`, as `next` gives it; a time without zone is UTC."""
    pinned = value.startswith(PINNED_CURSOR)
    at, _sep, raw_id = value.removeprefix(PINNED_CURSOR).rpartition("|")
    thread_id = parse_id(raw_id)
    try:
        when: datetime | None = safe_time(datetime.fromisoformat(at))
    except ValueError:
        when = None
    if when is None or thread_id is None:
        raise Invalid(
            _("Invalid page cursor."), fields=[{"field": "before", "message": "invalid cursor"}]
        )
    return ThreadCursor(pinned, when, thread_id)
