"""The audit log as people read it: names instead of account numbers, changes as "a → b".

Shared by the audit page; the CSV and the API keep the raw entries. An anonymous post's
author stays unknowable here too: an action on them (`post_author`) names the post, never
the person, and a post's author is named only when the post is not anonymous.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.dialogues.models import Theme
from dialogue.moderation.models import AuditEntry, Code
from dialogue.threads.models import Post, Thread

ActorKind = Literal["person", "anonymous_author", "system"]


@dataclass(frozen=True, slots=True)
class Change:
    """One field an action changed; values already turned into names where they are ids."""

    field: str
    before: Any
    after: Any


@dataclass(slots=True)
class AuditRow:
    entry: AuditEntry
    actor_kind: ActorKind
    actor: str | None = None  # the person's name (none: the account has no name left)
    target: str | None = None  # a member's, code's or thread's name, where it has one
    post_anonymous: bool = False  # a post target written anonymously: its author is not named
    post_author: str | None = None  # a post target's author, when the post is not anonymous
    changes: list[Change] = field(default_factory=list)


def _ids(entries: Sequence[AuditEntry], target_type: str) -> set[int]:
    return {e.target_id for e in entries if e.target_type == target_type and e.target_id}


async def _names(session: AsyncSession, model: Any, column: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = (await session.exec(select(model.id, column).where(col(model.id).in_(ids)))).all()
    return {row[0]: row[1] for row in rows if row[1]}


def _value(key: str, value: Any, lookups: dict[str, dict[int, str]]) -> Any:
    """A stored value as a reader wants it: a theme's or code's name, a time, a list."""
    if key == "theme_id" and isinstance(value, int):
        return lookups["theme"].get(value, f"#{value}")
    if key == "into" and isinstance(value, int):
        return lookups["code"].get(value, f"#{value}")
    if key == "codes" and isinstance(value, list):
        return ", ".join(lookups["code"].get(v, f"#{v}") for v in value) or None
    if key.endswith("_until") and isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _changes(entry: AuditEntry, lookups: dict[str, dict[int, str]]) -> list[Change]:
    """The fields that changed (a member's whole state is stored: most of it stays)."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        Change(key, _value(key, before.get(key), lookups), _value(key, after.get(key), lookups))
        for key in keys
        if key not in before or key not in after or before[key] != after[key]
    ]


async def audit_rows(*, session: AsyncSession, entries: Sequence[AuditEntry]) -> list[AuditRow]:
    """The entries with the names they speak of, in a handful of queries whatever their number."""
    post_ids = _ids(entries, "post")
    posts = (
        {
            p.id: p
            for p in (await session.exec(select(Post).where(col(Post.id).in_(post_ids)))).all()
        }
        if post_ids
        else {}
    )
    named_authors = {p.author_id for p in posts.values() if p.author_id and not p.anonymous}
    people = _ids(entries, "member") | named_authors
    people |= {e.actor_id for e in entries if e.actor_id is not None}
    code_ids = _ids(entries, "code")
    theme_ids: set[int] = set()
    for entry in entries:
        for values in (entry.before or {}, entry.after or {}):
            code_ids |= {v for v in values.get("codes") or [] if isinstance(v, int)}
            if isinstance(values.get("into"), int):
                code_ids.add(values["into"])
            if isinstance(values.get("theme_id"), int):
                theme_ids.add(values["theme_id"])
    names = await _names(session, User, User.display_name, people)
    lookups = {
        "code": await _names(session, Code, Code.name, code_ids),
        "theme": await _names(session, Theme, Theme.title, theme_ids),
        "thread": await _names(session, Thread, Thread.title, _ids(entries, "thread")),
    }
    rows = []
    for entry in entries:
        row = AuditRow(entry=entry, actor_kind="system", changes=_changes(entry, lookups))
        if entry.actor_id is not None:
            row.actor_kind, row.actor = "person", names.get(entry.actor_id)
        # `appeals.create_appeal` and `consent_changes.record_change` leave them out.
        elif entry.action in ("appeal.create", "consent.change"):
            row.actor_kind = "anonymous_author"
        target = entry.target_id or 0
        if entry.target_type == "member":
            row.target = names.get(target)
        elif entry.target_type in ("code", "thread"):
            merged = (entry.before or {}).get("name")  # a merged code is gone
            row.target = lookups[entry.target_type].get(target, merged)
        elif entry.target_type == "post" and target in posts:
            post = posts[target]
            row.post_anonymous = post.anonymous
            if not post.anonymous and post.author_id:
                row.post_author = names.get(post.author_id)
        rows.append(row)
    return rows
