"""The name a deleted account keeps (`accounts.erasure`), and how readers read it.

It is stored in English, and the API gives it as stored (the contract's stable value);
pages, live updates and the report pages show it in the reader's language, at display time,
through `shown_name` (the `shown_name` filter in templates).
"""

from __future__ import annotations

from dialogue.i18n import gettext as _

FORMER_PARTICIPANT = "Former participant"


def shown_name(name: str | None) -> str | None:
    """A display name as the reader reads it: the tombstone's in their language."""
    return _("Former participant") if name == FORMER_PARTICIPANT else name
