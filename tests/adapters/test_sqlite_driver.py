"""Where SQLite statements run: a write transaction's on the loop, everything else on aiosqlite's
thread, and waiting for another process's write lock never on the loop; one trip to the thread
per statement; and the parts of SQLAlchemy and aiosqlite the one-trip adapter relies on."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import sqlalchemy.util
from sqlalchemy import text
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from dialogue.adapters.sqlite_driver import OneTripConnection, OneTripCursor, one_trip_dbapi
from dialogue.app import create_app
from dialogue.config import Settings
from dialogue.migrations import upgrade
from dialogue.state import app_state
from tests.adapters.contract import Contract

ADAPTER = "dialogue.adapters.sqlite_driver"
SQLALCHEMY = Contract("sqlalchemy", ADAPTER)
AIOSQLITE = Contract("aiosqlite", ADAPTER)
# The stock cursor's whole state: OneTripCursor.__init__ sets all of it but `_cursor` (an
# aiosqlite cursor kept open between calls), whose every reader it overrides.
STOCK_CURSOR_STATE = {
    "_adapt_connection",
    "_connection",
    "_cursor",
    "_rows",
    "_soft_closed_memoized",
}


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


async def trips_per_statement(engine: Any, monkeypatch: pytest.MonkeyPatch) -> int:
    """How many calls to aiosqlite's thread one read statement makes, once connected."""
    trips = 0
    execute = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal trips
        trips += 1
        return await execute(self, fn, *args, **kwargs)

    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
        with monkeypatch.context() as patch:
            patch.setattr(aiosqlite.Connection, "_execute", counting)
            assert (await connection.execute(text("SELECT 1 UNION SELECT 2"))).all() == [(1,), (2,)]
    await engine.dispose()
    return trips


class TestTheAdapterIsInUse:
    async def test_the_app_s_sqlite_engines_use_it(self, database: Any) -> None:
        for engine in (database.engine, database.read_engine):
            async with engine.connect() as connection:
                raw = (await connection.get_raw_connection()).dbapi_connection
                assert isinstance(raw, OneTripConnection)
                assert isinstance(raw.cursor(), OneTripCursor)

    async def test_one_trip_per_statement_where_the_stock_adapter_makes_several(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}"
        one_trip = create_async_engine(url, module=one_trip_dbapi())
        assert await trips_per_statement(one_trip, monkeypatch) == 1
        stock = await trips_per_statement(create_async_engine(url), monkeypatch)
        SQLALCHEMY.holds(stock > 1, f"its aiosqlite adapter makes {stock} trip per statement")

    async def test_results_read_as_with_the_stock_cursor(self, tmp_path: Path) -> None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
        engine = create_async_engine(url, module=one_trip_dbapi())
        try:
            async with engine.begin() as connection:
                await connection.execute(text("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"))
                added = await connection.execute(
                    text("INSERT INTO t (v) VALUES ('a'), ('b'), ('c')")
                )
                assert added.rowcount == 3 and added.lastrowid == 3
                rows = await connection.execute(text("SELECT k, v FROM t ORDER BY k"))
                assert list(rows.keys()) == ["k", "v"]
                assert rows.fetchone() == (1, "a")
                assert rows.fetchmany() == [(2, "b")]  # the DBAPI's default arraysize, 1
                assert rows.fetchall() == [(3, "c")]
        finally:
            await engine.dispose()


class TestWhatItReliesOn:
    def test_sqlalchemy_s_cursor_keeps_the_state_our_cursor_sets(self) -> None:
        state = {
            slot
            for cls in AsyncAdapt_aiosqlite_cursor.__mro__
            for slot in getattr(cls, "__slots__", ())
        }
        SQLALCHEMY.holds(
            state == STOCK_CURSOR_STATE,
            f"AsyncAdapt_aiosqlite_cursor's state is {sorted(state)},"
            f" not {sorted(STOCK_CURSOR_STATE)}",
        )
        SQLALCHEMY.attributes(
            AsyncAdapt_aiosqlite_cursor,
            "execute",
            "executemany",
            "fetchone",
            "fetchmany",
            "fetchall",
            "_execute_async",
            "_executemany_async",
            "_async_soft_close",
        )
        SQLALCHEMY.parameters(AsyncAdapt_aiosqlite_cursor.__init__, "self", "adapt_connection")
        SQLALCHEMY.parameters(
            AsyncAdapt_aiosqlite_cursor._execute_async, "self", "operation", "parameters"
        )
        SQLALCHEMY.parameters(
            AsyncAdapt_aiosqlite_cursor._executemany_async, "self", "operation", "seq_of_parameters"
        )
        SQLALCHEMY.parameters(AsyncAdapt_aiosqlite_cursor._async_soft_close, "self")
        SQLALCHEMY.attributes(sqlalchemy.util, "EMPTY_DICT")

    def test_sqlalchemy_s_connection_and_module(self) -> None:
        SQLALCHEMY.holds(
            AsyncAdapt_aiosqlite_connection._cursor_cls is AsyncAdapt_aiosqlite_cursor,
            "AsyncAdapt_aiosqlite_connection no longer makes its cursors from `_cursor_cls`",
        )
        SQLALCHEMY.parameters(
            AsyncAdapt_aiosqlite_connection.__init__, "self", "dbapi", "connection"
        )
        SQLALCHEMY.parameters(AsyncAdapt_aiosqlite_dbapi.__init__, "self", "aiosqlite", "sqlite")
        SQLALCHEMY.parameters(AsyncAdapt_aiosqlite_dbapi.connect, "self", "arg", "kw")

    async def test_sqlalchemy_s_connection_wraps_aiosqlite_s_behind_a_mutex(self) -> None:
        engine = create_async_engine("sqlite+aiosqlite://")
        async with engine.connect() as connection:
            adapted = (await connection.get_raw_connection()).dbapi_connection
            SQLALCHEMY.attributes(adapted, "_connection", "_execute_mutex")
            SQLALCHEMY.holds(
                isinstance(adapted._connection, aiosqlite.Connection)
                and isinstance(adapted._execute_mutex, asyncio.Lock),
                "AsyncAdapt_aiosqlite_connection's `_connection` is no aiosqlite.Connection,"
                " or its `_execute_mutex` no asyncio.Lock",
            )
        await engine.dispose()

    async def test_aiosqlite_runs_a_function_on_its_thread_with_the_sqlite3_connection(
        self,
    ) -> None:
        AIOSQLITE.attributes(aiosqlite.Connection, "_conn", "_execute")
        async with aiosqlite.connect(":memory:", check_same_thread=False) as connection:
            raw = connection._conn
            AIOSQLITE.holds(
                isinstance(raw, sqlite3.Connection), "Connection._conn is no sqlite3.Connection"
            )
            where = await connection._execute(threading.get_ident)
            AIOSQLITE.holds(
                where != threading.get_ident(),
                "Connection._execute(fn) no longer runs fn on the connection's thread",
            )
            # aiosqlite passes check_same_thread through: writers' statements use the
            # connection from the loop's thread.
            assert raw.execute("SELECT 1").fetchall() == [(1,)]
