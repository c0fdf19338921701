"""Claiming queued work under a lease: never one row to two claimers; a dead holder's row is
taken over once its lease runs out, and given up after its attempts."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI

from dialogue import leases
from dialogue.db import Database, utcnow
from dialogue.leases import WorkState
from dialogue.state import app_state
from dialogue.synthesis.models import ReportJob
from tests.factories import Factory

LEASE = timedelta(seconds=30)


@pytest.fixture
async def app(app: FastAPI) -> FastAPI:
    """The app without its own report worker, which would claim the rows under test."""
    await app_state(app).report_worker.stop()
    return app


async def queue(app: FastAPI, factory: Factory, count: int) -> list[str]:
    """`count` queued rows, oldest first."""
    dialogue = await factory.dialogue()
    assert dialogue.id is not None
    start = utcnow()
    rows = [
        ReportJob(
            dialogue_id=dialogue.id,
            format="csv",
            report_state="draft",
            key=f"key {n}",
            created_at=start + timedelta(milliseconds=n),
        )
        for n in range(count)
    ]
    async with app_state(app).database.writing() as session:
        session.add_all(rows)
        await session.commit()
    return [row.id for row in rows]


async def claim_one(
    database: Database, owner: str, *, now: datetime | None = None, max_attempts: int = 3
) -> ReportJob | None:
    async with database.writing() as session:
        job = await leases.claim(
            session=session,
            model=ReportJob,
            owner=owner,
            lease=LEASE,
            max_attempts=max_attempts,
            now=now,
        )
        await session.commit()
        return job


class TestClaiming:
    async def test_concurrent_claimers_take_every_row_once(
        self, db_kind: str, app: FastAPI, factory: Factory
    ) -> None:
        ids = await queue(app, factory, 12)
        database = app_state(app).database

        async def claimer(owner: str) -> list[str]:
            taken = []
            while (job := await claim_one(database, owner)) is not None:
                assert job.lease_owner == owner and job.state == WorkState.RUNNING
                taken.append(job.id)
            return taken

        results = await asyncio.gather(*(claimer(f"instance {n}") for n in range(4)))
        claimed = [job_id for taken in results for job_id in taken]
        assert sorted(claimed) == sorted(ids)  # each row once, none left over

    @pytest.mark.postgres_only
    async def test_a_row_being_claimed_is_passed_over_not_waited_for(
        self, db_kind: str, app: FastAPI, factory: Factory
    ) -> None:
        first_id, second_id = await queue(app, factory, 2)
        database = app_state(app).database
        async with database.session() as holding:
            # The first claimer's transaction is still open: its row stays locked.
            first = await leases.claim(
                session=holding, model=ReportJob, owner="a", lease=LEASE, max_attempts=3
            )
            second = await asyncio.wait_for(claim_one(database, "b"), timeout=5)
            nothing = await asyncio.wait_for(claim_one(database, "c"), timeout=5)
            await holding.commit()
        assert first is not None and second is not None
        assert (first.id, second.id, nothing) == (first_id, second_id, None)

    async def test_the_oldest_row_goes_first(
        self, db_kind: str, app: FastAPI, factory: Factory
    ) -> None:
        ids = await queue(app, factory, 3)
        database = app_state(app).database
        taken = [await claim_one(database, "a") for _ in ids]
        assert [job.id for job in taken if job is not None] == ids


class TestLeases:
    async def test_an_expired_lease_is_reclaimed_and_its_old_holder_refused(
        self, db_kind: str, app: FastAPI, factory: Factory
    ) -> None:
        [job_id] = await queue(app, factory, 1)
        database = app_state(app).database
        start = utcnow()
        assert await claim_one(database, "dead", now=start) is not None
        assert await claim_one(database, "alive", now=start + LEASE / 2) is None  # still held
        again = await claim_one(database, "alive", now=start + LEASE + timedelta(seconds=1))
        assert again is not None
        assert (again.id, again.lease_owner, again.attempts) == (job_id, "alive", 2)
        async with database.writing() as session:
            common = {"session": session, "model": ReportJob, "row_id": job_id}
            assert not await leases.renew(**common, owner="dead", lease=LEASE)
            assert not await leases.finish(**common, owner="dead", state=WorkState.DONE)
            assert await leases.renew(**common, owner="alive", lease=LEASE, progress=0.5)
            assert await leases.finish(**common, owner="alive", state=WorkState.DONE)
            await session.commit()
            row = await session.get(ReportJob, job_id, populate_existing=True)
        assert row is not None
        assert (row.state, row.progress, row.lease_owner) == ("done", 0.5, None)

    async def test_a_row_that_outlived_its_attempts_fails(
        self, db_kind: str, app: FastAPI, factory: Factory
    ) -> None:
        [job_id] = await queue(app, factory, 1)
        database = app_state(app).database
        start = utcnow()
        assert await claim_one(database, "dead", now=start, max_attempts=1) is not None
        later = start + LEASE + timedelta(seconds=1)
        assert await claim_one(database, "next", now=later, max_attempts=1) is None
        async with database.reader() as session:
            row = await session.get(ReportJob, job_id)
        assert row is not None and row.state == WorkState.FAILED and row.error

    async def test_a_released_row_is_claimable_at_once(
        self, db_kind: str, app: FastAPI, factory: Factory
    ) -> None:
        [job_id] = await queue(app, factory, 1)
        database = app_state(app).database
        assert await claim_one(database, "stopping") is not None
        async with database.writing() as session:
            common = {"session": session, "model": ReportJob, "row_id": job_id}
            assert await leases.release(**common, owner="stopping")
            await session.commit()
        taken = await claim_one(database, "other")
        assert taken is not None and taken.lease_owner == "other"
