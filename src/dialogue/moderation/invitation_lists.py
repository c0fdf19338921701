"""Reading an organizer's list of people to invite: pasted addresses or a CSV file.

Organizers export these lists from spreadsheets and address books, so the reader is
forgiving where it is safe to be (a byte-order mark, `;` as the separator, a header row or
none, blank lines) and strict where it is not: a file that is not text, or too large, is
refused whole; a line that is not an address is reported with its reason, never guessed at.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from enum import StrEnum

from dialogue.bounds import LINE_CONTROL
from dialogue.error_codes import ErrorCode
from dialogue.errors import Invalid
from dialogue.i18n import gettext as _
from dialogue.policy import Role

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_ENTRIES = 500
MAX_CSV_BYTES = 256 * 1024
ROLE_NAMES = frozenset(role.value for role in Role)
MAX_VALUE = 254  # the longest address there is; longer cells are cut in the report


class Problem(StrEnum):
    """Why a line is not invited; the result page words each in the reader's language."""

    NOT_EMAIL = "not_email"
    UNKNOWN_ROLE = "unknown_role"
    DUPLICATE = "duplicate"
    NAME_TOO_LONG = "name_too_long"


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the list: an address to invite, or what was wrong with it."""

    line: int
    email: str
    role: Role | None = None  # None: the role chosen for the whole list
    display_name: str = ""
    problem: Problem | None = None


def _entry(line: int, email: str, role: str = "", name: str = "") -> Entry:
    address = email.strip().strip("<>").lower()
    name = " ".join(name.split())
    if not EMAIL.match(address) or LINE_CONTROL.search(address):
        return Entry(line, email.strip()[:MAX_VALUE], problem=Problem.NOT_EMAIL)
    if role.strip() and role.strip().lower() not in ROLE_NAMES:
        return Entry(line, address, problem=Problem.UNKNOWN_ROLE)
    if len(name) > 120 or LINE_CONTROL.search(name):
        return Entry(line, address, problem=Problem.NAME_TOO_LONG)
    return Entry(line, address, Role(role.strip().lower()) if role.strip() else None, name)


def _bounded(entries: list[Entry]) -> list[Entry]:
    """Later mentions of an address are duplicates; more than `MAX_ENTRIES` lines is refused."""
    if len(entries) > MAX_ENTRIES:
        raise Invalid(
            _("At most %(n)s invitations at once.") % {"n": MAX_ENTRIES},
            fields=[{"field": "emails", "message": f"more than {MAX_ENTRIES} lines"}],
        )
    seen: set[str] = set()
    out = []
    for entry in entries:
        if entry.problem is None and entry.email in seen:
            entry = Entry(entry.line, entry.email, problem=Problem.DUPLICATE)
        elif entry.problem is None:
            seen.add(entry.email)
        out.append(entry)
    return out


def read_pasted(text: str) -> list[Entry]:
    """Addresses one per line (commas, semicolons and spaces separate them too)."""
    entries = [
        _entry(number, raw)
        for number, line in enumerate(text.splitlines(), start=1)
        for raw in re.split(r"[\s,;]+", line)
        if raw.strip()
    ]
    return _bounded(entries)


def _decode(data: bytes) -> str:
    if len(data) > MAX_CSV_BYTES:
        raise Invalid(
            _("The file is too large (at most %(n)s KB).") % {"n": MAX_CSV_BYTES // 1024},
            code=ErrorCode.PAYLOAD_TOO_LARGE,
            status=413,
            fields=[{"field": "file", "message": "too large"}],
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    if not text.strip() or "\x00" in text:
        raise Invalid(
            _("This file is not a CSV text file. Save it as CSV (UTF-8) and try again."),
            fields=[{"field": "file", "message": "not a UTF-8 CSV file"}],
        )
    return text


def read_csv(data: bytes) -> list[Entry]:
    """Rows of `email,role,display_name`; the header row, role and name are optional."""
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    entries: list[Entry] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if not entries and cells[0].lower() in ("email", "e-mail", "mail", "address"):
                continue  # the header row
            email, role, name = [*cells, "", "", ""][:3]
            entries.append(_entry(reader.line_num, email, role, name))
            if len(entries) > MAX_ENTRIES:
                break
    except csv.Error as exc:
        raise Invalid(
            _("This file could not be read as CSV: %(why)s") % {"why": str(exc)},
            fields=[{"field": "file", "message": "not CSV"}],
        ) from exc
    return _bounded(entries)
