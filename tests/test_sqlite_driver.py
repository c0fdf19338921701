"""Where SQLite statements run: a write transaction's on the loop, everything else on aiosqlite's
thread, and waiting for another process's write lock never on the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from dialogue.app import create_app
from dialogue.config import Settings
from dialogue.migrations import upgrade
from dialogue.state import app_state


@pytest.fixture
async def database(tmp_path: Path) -> Any:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'd.db'}", environment="test")
    upgrade(settings)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app_state(app).database


async def thread_of_statements(connection: Any) -> set[int]:
    """Registers a SQL function that reports the thread it is called on."""
    seen: set[int] = set()
    raw = (await connection.get_raw_connection()).dbapi_connection._connection._conn
    raw.create_function("whereami", 0, lambda: seen.add(threading.get_ident()) or 1)
    return seen


class TestWhereStatementsRun:
    async def test_writes_on_the_loop_reads_on_the_thread(self, database: Any) -> None:
        loop_thread = threading.get_ident()
        async with database.writing() as session:
            seen = await thread_of_statements(await session.connection())
            await session.exec(text("SELECT whereami()"))
            assert seen == {loop_thread}
            await session.rollback()
        async with database.reader() as session:
            seen = await thread_of_statements(await session.connection())
            await session.exec(text("SELECT whereami()"))
            assert seen and loop_thread not in seen

    async def test_errors_on_the_loop_are_the_usual_ones(self, database: Any) -> None:
        async with database.writing() as session:
            await session.exec(text("CREATE TEMP TABLE t (k INTEGER PRIMARY KEY)"))
            await session.exec(text("INSERT INTO t VALUES (1)"))
            with pytest.raises(IntegrityError):
                await session.exec(text("INSERT INTO t VALUES (1)"))

    async def test_another_process_holding_the_lock_does_not_stall_the_loop(
        self, database: Any, tmp_path: Path
    ) -> None:
        other = sqlite3.connect(tmp_path / "d.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # as a CLI import would, in another process

        async def write() -> float:
            async with database.writing() as session:
                await session.exec(text("SELECT 1"))
                await session.commit()
            return time.monotonic()

        writer = asyncio.create_task(write())
        ticks = 0
        started = time.monotonic()
        while time.monotonic() - started < 0.5:  # the loop keeps turning while BEGIN waits
            await asyncio.sleep(0.01)
            ticks += 1
        assert not writer.done() and ticks >= 20
        other.execute("COMMIT")
        released = time.monotonic()
        assert await asyncio.wait_for(writer, 10) >= released
        other.close()
