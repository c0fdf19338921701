"""Work queued in a table and claimed by whichever instance is free, under a renewable lease.

Any table with the `Leased` columns is worked this way (report jobs now, the e-mail outbox
next). A claim is a conditional UPDATE of one queued row, so two claimers never both win it:
on PostgreSQL the candidate is chosen `FOR UPDATE SKIP LOCKED`, so claimers pass over each
other's rows instead of queuing behind them; on SQLite the single writer takes claims in
turn. A holder renews its lease while it works; one that died stops renewing, and once the
lease has run out the row may be claimed again, until it has used up its attempts.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Text, and_, or_
from sqlmodel import Field, SQLModel, col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.db import utcnow


class WorkState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


# The error of a row given up after its attempts; callers word it for people.
ABANDONED = "abandoned"


def new_id() -> str:
    """Unguessable: a work item's id is handed to clients, who may only see their own."""
    return secrets.token_hex(8)


class Leased(SQLModel):
    """The columns a claimable row needs; a table model inherits them."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    state: str = Field(default=WorkState.QUEUED.value, max_length=16, index=True)
    attempts: int = 0
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


L = TypeVar("L", bound=Leased)


def claimable(model: type[Leased], now: datetime) -> ColumnElement[bool]:
    """Queued, or running under a lease that has run out (its holder died)."""
    return or_(
        col(model.state) == WorkState.QUEUED,
        and_(col(model.state) == WorkState.RUNNING, col(model.lease_until) < now),
    )


async def claim(
    *,
    session: AsyncSession,
    model: type[L],
    owner: str,
    lease: timedelta,
    max_attempts: int,
    now: datetime | None = None,
    ready: ColumnElement[bool] | None = None,
) -> L | None:
    """Take the oldest claimable row for `owner`, or None when there is none to take.

    A row whose holders died `max_attempts` times is failed rather than tried again: work
    that kills its instance must not go on to kill the others. `ready` narrows the rows
    that may be taken now (a message waiting out its retry delay is not).
    """
    now = now or utcnow()
    await session.exec(
        update(model)
        .where(claimable(model, now), col(model.attempts) >= max_attempts)
        .values(state=WorkState.FAILED, lease_owner=None, lease_until=None, finished_at=now)
        .values(error=ABANDONED)
        .execution_options(synchronize_session=False)
    )
    candidate = await session.exec(
        select(model.id)
        .where(claimable(model, now), *(() if ready is None else (ready,)))
        .order_by(col(model.created_at))
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    row_id = candidate.first()
    if row_id is None:
        return None
    taken = await session.exec(
        update(model)
        .where(col(model.id) == row_id, claimable(model, now))
        .values(
            state=WorkState.RUNNING,
            lease_owner=owner,
            lease_until=now + lease,
            attempts=col(model.attempts) + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    return await session.get(model, row_id, populate_existing=True)


async def claim_many(
    *,
    session: AsyncSession,
    model: type[L],
    owner: str,
    lease: timedelta,
    max_attempts: int,
    limit: int,
    now: datetime | None = None,
    ready: ColumnElement[bool] | None = None,
) -> list[L]:
    """Up to `limit` of the oldest claimable rows for `owner`, as `claim` takes one: in one
    statement each, for work so small that claiming one by one would cost more than it."""
    now = now or utcnow()
    await session.exec(
        update(model)
        .where(claimable(model, now), col(model.attempts) >= max_attempts)
        .values(state=WorkState.FAILED, lease_owner=None, lease_until=None, finished_at=now)
        .values(error=ABANDONED)
        .execution_options(synchronize_session=False)
    )
    candidates = await session.exec(
        select(model.id)
        .where(claimable(model, now), *(() if ready is None else (ready,)))
        .order_by(col(model.created_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(candidates.all())
    if not ids:
        return []
    until = now + lease
    await session.exec(
        update(model)
        .where(col(model.id).in_(ids), claimable(model, now))
        .values(
            state=WorkState.RUNNING,
            lease_owner=owner,
            lease_until=until,
            attempts=col(model.attempts) + 1,
        )
        .execution_options(synchronize_session=False)
    )
    taken = await session.exec(
        select(model)
        .where(col(model.id).in_(ids), col(model.lease_owner) == owner)
        .where(col(model.state) == WorkState.RUNNING, col(model.lease_until) == until)
        .order_by(col(model.created_at))
        .execution_options(populate_existing=True)
    )
    return list(taken.all())


async def renew(
    *,
    session: AsyncSession,
    model: type[Leased],
    row_id: str,
    owner: str,
    lease: timedelta,
    **values: Any,
) -> bool:
    """Extend `owner`'s lease (and store `values`); False when the lease was lost."""
    result = await session.exec(
        update(model)
        .where(*_held(model, row_id, owner))
        .values(lease_until=utcnow() + lease, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


async def finish(
    *,
    session: AsyncSession,
    model: type[Leased],
    row_id: str,
    owner: str,
    state: WorkState,
    **values: Any,
) -> bool:
    """End `owner`'s hold with `state`; False when another holder had taken the row over."""
    result = await session.exec(
        update(model)
        .where(*_held(model, row_id, owner))
        .values(state=state, lease_owner=None, lease_until=None, finished_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


async def release(
    *, session: AsyncSession, model: type[Leased], row_id: str, owner: str, **values: Any
) -> bool:
    """Hand a row back to the queue (its holder is stopping, or will try again later)."""
    result = await session.exec(
        update(model)
        .where(*_held(model, row_id, owner))
        .values(state=WorkState.QUEUED, lease_owner=None, lease_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


async def forget_finished(*, session: AsyncSession, model: type[Leased], before: datetime) -> int:
    """Delete rows that finished before `before`; how many."""
    result = await session.exec(
        delete(model)
        .where(col(model.state).in_((WorkState.DONE, WorkState.FAILED)))
        .where(col(model.finished_at) < before)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


def _held(model: type[Leased], row_id: str, owner: str) -> tuple[ColumnElement[bool], ...]:
    return (
        col(model.id) == row_id,
        col(model.state) == WorkState.RUNNING,
        col(model.lease_owner) == owner,
    )
