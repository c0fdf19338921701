"""Engine, sessions and the SQLite connection rules every connection must follow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.adapters.sqlite_driver import one_trip_dbapi, run_in_loop
from dialogue.config import Settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata

SQLITE_BUSY_TIMEOUT_MS = 10_000
READ_ONLY = "read_only"
CHECK_EVENTS = "check_events"  # a session's flag: `Settings.check_events`


def utcnow() -> datetime:
    """Aware UTC, the only kind of time the models accept."""
    return datetime.now(UTC)


def _sqlite_on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    # The driver's own transaction handling is switched off so that `_sqlite_on_begin`
    # can open every transaction with BEGIN IMMEDIATE: a deferred transaction that reads
    # and then writes fails at once with SQLITE_BUSY when another writer committed in
    # between, and no busy timeout can save it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_reader_on_connect(
    dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry
) -> None:
    # A read that writes would upgrade its snapshot outside the writers' queue and fail at
    # random under load; SQLite refuses it at once instead, so tests catch it. Readers have
    # connections of their own: switching a connection between reading and writing makes
    # SQLite prepare every statement again (1.4 ms a post).
    _sqlite_on_connect(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=1")
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    raw = conn.connection.dbapi_connection
    run_in_loop(raw, False)  # BEGIN may wait for another process's lock: not on the loop
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    run_in_loop(raw, conn.get_execution_options().get("in_loop", False))


def _sqlite_reader_on_begin(conn: Any) -> None:
    # Read-only work (page views, catch-up reads) runs deferred on a WAL snapshot, so it
    # never waits behind or blocks a writer.
    conn.exec_driver_sql("BEGIN")


def configure_sqlite(sync_engine: Any, *, reader: bool = False) -> None:
    """Attach the connection rules to an engine (async or the sync one Alembic uses)."""
    event.listen(
        sync_engine, "connect", _sqlite_reader_on_connect if reader else _sqlite_on_connect
    )
    event.listen(sync_engine, "begin", _sqlite_reader_on_begin if reader else _sqlite_on_begin)


class Database:
    """The engine and session factory of one app instance, owned by its lifespan."""

    def __init__(self, settings: Settings, *, session_info: dict[str, Any] | None = None) -> None:
        """`session_info` goes into every writing session's `info` (the app's metrics hooks)."""
        url = settings.async_database_url
        # A failed statement's parameters (a post's text, an anonymous author's id, a token's
        # hash) stay out of its error, and so out of every log line and traceback.
        kwargs: dict[str, Any] = {"hide_parameters": True}
        if url.startswith("postgresql"):
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        elif url.startswith("sqlite+aiosqlite"):
            kwargs.update(module=one_trip_dbapi())
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self.is_sqlite = url.startswith("sqlite")
        self.write_lock: asyncio.Lock | None = asyncio.Lock() if self.is_sqlite else None
        # On SQLite readers have an engine (and connections) of their own, see
        # `_sqlite_reader_on_connect`; PostgreSQL readers share the pool.
        self.read_engine = create_async_engine(url, **kwargs) if self.is_sqlite else self.engine
        if self.is_sqlite:
            configure_sqlite(self.engine.sync_engine)
            configure_sqlite(self.read_engine.sync_engine, reader=True)
        writers = {CHECK_EVENTS: settings.check_events, **(session_info or {})}
        self.sessionmaker = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False, info=writers
        )
        # Writers' statements run on the loop's thread (see `dialogue.adapters.sqlite_driver`).
        self.writer_sessionmaker = async_sessionmaker(
            self.engine.execution_options(in_loop=True),
            class_=AsyncSession,
            expire_on_commit=False,
            info=writers,
        )
        self.reader_sessionmaker = async_sessionmaker(
            self.read_engine,
            class_=AsyncSession,
            expire_on_commit=False,
            info={READ_ONLY: True},  # services that would create on first read can ask
        )

    def session(self) -> AsyncSession:
        return self.sessionmaker()

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """A session for a change; on SQLite, writers take turns in arrival order.

        SQLite has one write lock, and its busy handler retries by sleeping, which is not
        fair: under 50 concurrent writers some waited out the whole busy timeout and failed.
        Queuing writers on an asyncio lock first keeps SQLite's lock uncontended.
        """
        if self.write_lock is None:
            async with self.session() as session:
                yield session
            return
        async with self.write_lock, self.writer_sessionmaker() as session:
            yield session

    def reader(self) -> AsyncSession:
        """A session for reads only: it must not write (on SQLite it cannot: `query_only`)."""
        return self.reader_sessionmaker()

    @property
    def sync_engines(self) -> list[Any]:
        """Each engine's synchronous face, for event listeners that must see every statement."""
        engines = [self.engine, self.read_engine]
        return [e.sync_engine for e in dict.fromkeys(engines)]

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()


def as_utc(value: datetime) -> datetime:
    """Any client time in UTC; a time without a zone is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
