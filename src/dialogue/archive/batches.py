"""Inserting an archive's records in batches with SQLAlchemy core, ids returned in order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.archive.errors import ImportFailure

BATCH = 1000


@dataclass(slots=True)
class Pending:
    """Records read but not yet written; `known` holds the ids of those already present."""

    lines: list[int] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    known: list[int | None] = field(default_factory=list)

    def add(self, line: int, row: dict[str, Any], known: int | None) -> None:
        self.lines.append(line)
        self.rows.append(row)
        self.known.append(known)

    def __len__(self) -> int:
        return len(self.lines)


async def insert_rows(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], *, numbered: bool
) -> list[int]:
    """One executemany INSERT; the new ids in the rows' order when the kind is numbered."""
    if not rows:
        return []
    if not numbered:
        await session.exec(insert(table), params=rows)
        return []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    result = await session.exec(statement, params=rows)
    return [int(value) for value in result.scalars()]


async def write(
    session: AsyncSession, table: Table, pending: Pending, *, numbered: bool, file: str
) -> list[int]:
    """Insert the pending rows not already present; every pending record's id, in order."""
    fresh = [row for row, known in zip(pending.rows, pending.known, strict=True) if known is None]
    try:
        new = iter(await insert_rows(session, table, fresh, numbered=numbered))
    except (IntegrityError, DataError) as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise ImportFailure(
            f"the database refused a {table.name} record of lines "
            f"{pending.lines[0]}-{pending.lines[-1]}: {reason}",
            file=file,
            line=pending.lines[0],
        ) from None
    if not numbered:
        return []
    return [known if known is not None else next(new) for known in pending.known]


async def existing_users(session: AsyncSession, table: Table, emails: list[str]) -> dict[str, int]:
    query = select(table.c.email, table.c.id).where(table.c.email.in_(emails))
    result = await session.exec(query)  # type: ignore[call-overload]
    return {email: user_id for email, user_id in result}
