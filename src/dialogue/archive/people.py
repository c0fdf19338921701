"""Who an archive names, and how: pseudonyms by default, identities only with the person's consent.

No archive ever carries a password hash, a token, a session, an invitation or the admin flag.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Select, select, union

from dialogue.accounts.models import QuoteConsent
from dialogue.archive.records import KIND, KINDS
from dialogue.archive.scope import scoped

PSEUDONYM_DOMAIN = "archive.invalid"


def person_ids(dialogue_id: int) -> Select[Any]:
    """Every user a record of the dialogue points to: members, authors, actors, reviewers."""
    parts = [
        scoped(kind, dialogue_id)
        .with_only_columns(kind.table.c[column].label("user_id"))
        .where(kind.table.c[column].is_not(None))
        .order_by(None)
        for kind in KINDS
        for column, target in kind.links.items()
        if target == "person"
    ]
    audit = KIND["audit"]
    parts.append(
        select(audit.table.c.target_id.label("user_id")).where(
            audit.table.c.dialogue_id == dialogue_id, audit.table.c.target_type == "member"
        )
    )
    return select(union(*parts).subquery().c.user_id)


def pseudonymise(record: dict[str, Any], *, identities: bool) -> None:
    """Name the person by their reference unless they chose to be named and the organizer asks."""
    if identities and record["quote_consent"] == QuoteConsent.NAMED:
        return
    ref = record["ref"]
    record.update(
        display_name=f"Member {ref}",
        email=f"member-{ref}@{PSEUDONYM_DOMAIN}",
        organization="",
        timezone="UTC",
    )


def local_email(email: str, *, origin: str) -> str:
    """Where a pseudonym lives on this server: apart for each archived dialogue.

    "member-3@archive.invalid" of two dialogues are two people; two imports of one archive
    find the same account again, which is what makes a merge add no one twice.
    """
    name, _, domain = email.partition("@")
    if domain != PSEUDONYM_DOMAIN:
        return email.lower()
    return f"{name}.{origin}@{PSEUDONYM_DOMAIN}"


def origin_of(slug: str, created_at: str) -> str:
    """A dialogue's stable name across servers: its slug and creation time, hashed."""
    return hashlib.sha256(f"{slug}\n{created_at}".encode()).hexdigest()[:16]
