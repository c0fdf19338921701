"""The append-only audit log: every moderation, role, membership and report action.

Nothing here updates or deletes a row; on PostgreSQL a trigger refuses both anyway.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.moderation.models import AuditEntry
from dialogue.spreadsheet import safe_cell

MAX_PAGE = 500


async def record_action(
    *,
    session: AsyncSession,
    dialogue_id: int | None,
    actor_id: int | None,
    action: str,
    target_type: str,
    target_id: int | None,
    reason: str = "",
    clause: str | None = None,
    clause_version: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits or rolls back with the action)."""
    entry = AuditEntry(
        dialogue_id=dialogue_id,
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        clause=clause,
        clause_version=clause_version,
        before=before,
        after=after,
    )
    session.add(entry)
    await session.flush()
    return entry


@dataclass(frozen=True, slots=True)
class AuditFilter:
    action: str | None = None
    actor_id: int | None = None
    target_type: str | None = None
    target_id: int | None = None
    before_id: int | None = None
    # Targets this reader may not know of (`policy.hidden_audit_targets`): left out whole.
    hidden_targets: frozenset[str] = frozenset()


async def list_entries(
    *, session: AsyncSession, dialogue_id: int, filters: AuditFilter, limit: int = 100
) -> Sequence[AuditEntry]:
    """Newest first, keyset-paginated on id; `action` matches a whole name or a prefix `post.`."""
    query = select(AuditEntry).where(AuditEntry.dialogue_id == dialogue_id)
    if filters.action:
        if filters.action.endswith("."):
            query = query.where(col(AuditEntry.action).startswith(filters.action))
        else:
            query = query.where(AuditEntry.action == filters.action)
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.target_type:
        query = query.where(AuditEntry.target_type == filters.target_type)
    if filters.target_id is not None:
        query = query.where(AuditEntry.target_id == filters.target_id)
    if filters.hidden_targets:
        query = query.where(col(AuditEntry.target_type).not_in(filters.hidden_targets))
    if filters.before_id is not None:
        query = query.where(col(AuditEntry.id) < filters.before_id)
    query = query.order_by(col(AuditEntry.id).desc()).limit(min(limit, MAX_PAGE))
    return (await session.exec(query)).all()


async def member_trail(
    *, session: AsyncSession, dialogue_id: int, user_id: int, limit: int = 100
) -> Sequence[AuditEntry]:
    """The entries about one member: actions on their membership."""
    return await list_entries(
        session=session,
        dialogue_id=dialogue_id,
        filters=AuditFilter(target_type="member", target_id=user_id),
        limit=limit,
    )


CSV_COLUMNS = (
    "id",
    "created_at",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    "reason",
    "clause",
    "clause_version",
    "before",
    "after",
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return safe_cell(str(value))


def entries_csv(entries: Sequence[AuditEntry]) -> str:
    """The log as CSV, safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow([_cell(getattr(entry, name)) for name in CSV_COLUMNS])
    return out.getvalue()
