"""References hidden inside JSON values (audit entries' before/after, report theme summaries).

Export and import translate them the same way with a different `lookup`: database id to
archive reference on the way out, reference to the new database id on the way in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# The keys of audit before/after values that hold ids, and the kind they point to. An
# invitation is never archived (it carries a token), so its id becomes null.
JSON_LINKS: dict[str, str | None] = {
    "notice_id": "notice",
    "request_id": "unmask",
    "theme_id": "theme",
    "codes": "code",
    "invitation_id": None,
}
# Invitations name people by email, members or not: no archive carries those addresses.
WITHHELD = "withheld"

Lookup = Callable[[str, int], int | None]


def translate(value: dict[str, Any] | None, lookup: Lookup) -> dict[str, Any] | None:
    """An audit before/after value with its ids looked up and its emails withheld."""
    if value is None:
        return None
    out: dict[str, Any] = {}
    for name, item in value.items():
        if name == "email":
            out[name] = WITHHELD
        elif name in JSON_LINKS:
            out[name] = _linked(JSON_LINKS[name], item, lookup)
        else:
            out[name] = item
    return out


def _linked(kind: str | None, item: Any, lookup: Lookup) -> Any:
    if kind is None:
        return None
    if isinstance(item, list):
        return [_linked(kind, each, lookup) for each in item]
    if isinstance(item, int) and not isinstance(item, bool):
        return lookup(kind, item)
    return item


def translate_keys(value: dict[str, Any], kind: str, lookup: Lookup) -> dict[str, Any]:
    """A mapping keyed by ids written as strings (a report's summary per theme)."""
    out: dict[str, Any] = {}
    for name, item in value.items():
        if not name.isdigit():
            raise ValueError(f"has a key {name[:20]!r} that is not a {kind} reference")
        linked = lookup(kind, int(name))
        if linked is not None:
            out[str(linked)] = item
    return out
