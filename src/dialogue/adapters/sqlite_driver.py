"""SQLAlchemy's aiosqlite adapter, with fewer trips to aiosqlite's thread.

aiosqlite runs each call on its own thread and every call is a round trip to it: SQLAlchemy's
adapter makes four per statement (open a cursor, execute, fetch, close), and on these
machines each trip costs ~50 µs of wall time and ~30 µs of CPU, mostly the GIL changing
hands, against ~2 µs for SQLite's own work (`python bench/sqlite_hops.py`). A post takes a
dozen statements, so the trips were most of its database time.

So this cursor does the four steps in one trip, and inside a write transaction none at all:
there the statements run on the event loop's thread. That is safe because a writer has
already taken SQLite's write lock with BEGIN IMMEDIATE (which still goes to the thread, as
it may wait for another process), and in WAL mode nothing else makes a lock holder wait;
writers are short, as they queue behind one another anyway (`Database.writing`). Reads,
which can be long (a report, a catch-up), stay on the thread so the loop keeps serving.

What this takes from SQLAlchemy's and aiosqlite's private parts:
tests/adapters/test_sqlite_driver.py.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT

_Outcome = tuple[Any, list[Any] | None, int, int | None]


def _run(connection: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """On aiosqlite's thread: the whole statement, cursor opened and closed around it."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """Holds the outcome of its last statement; no aiosqlite cursor lives between calls."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1  # the DBAPI's default: how many rows `fetchmany()` returns

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        return None  # nothing is open between calls

    def close(self) -> None:
        self._rows.clear()

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._run(operation, parameters, many=False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._run(operation, seq_of_parameters, many=True)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        outcome: _Outcome
        if getattr(self._adapt_connection, "in_loop", False):
            outcome = _run(connection._conn, operation, parameters, many)
        else:
            async with self._adapt_connection._execute_mutex:
                outcome = await connection._execute(  # type: ignore[no-untyped-call]
                    _run, connection._conn, operation, parameters, many
                )
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows or ())


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("in_loop",)
    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.in_loop = False


def run_in_loop(dbapi_connection: Any, in_loop: bool) -> None:
    """Switch a connection's statements to the loop's thread (write transactions) or back."""
    if isinstance(dbapi_connection, OneTripConnection):
        dbapi_connection.in_loop = in_loop


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """Passed to `create_async_engine(module=...)` in place of the stock adapter."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        kw["check_same_thread"] = False  # statements of write transactions run on the loop
        stock = super().connect(*arg, **kw)
        return OneTripConnection(self, stock._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
