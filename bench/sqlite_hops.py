"""What a statement costs on SQLite through each layer: bare sqlite3, aiosqlite, SQLAlchemy.

aiosqlite runs SQLite on a thread of its own, and every call is a round trip to it. This
prints the cost per statement (wall and CPU) of: sqlite3 called directly; aiosqlite with the
four trips SQLAlchemy's stock adapter makes (cursor, execute, fetch, close); one trip doing
all four; and a SQLAlchemy session on the stock adapter and on `dialogue.adapters.sqlite_driver`.

    python bench/sqlite_hops.py --statements 3000
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiosqlite
from common import run_in_workdir
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from dialogue.adapters.sqlite_driver import one_trip_dbapi

QUERY = "SELECT 1"


def _one_trip(connection: sqlite3.Connection) -> list[Any]:
    cursor = connection.cursor()
    cursor.execute(QUERY)
    rows = cursor.fetchall()
    cursor.close()
    return rows


async def timed(label: str, n: int, step: Callable[[], Awaitable[Any]]) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        await step()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<44} {wall / n * 1e6:8.1f} µs wall {cpu / n * 1e6:8.1f} µs CPU per statement")


async def main(n: int, directory: Path) -> None:
    bare = sqlite3.connect(directory / "bare.db")

    async def direct() -> None:
        _one_trip(bare)

    await timed("sqlite3, no thread", n, direct)
    async with aiosqlite.connect(directory / "a.db") as conn:

        async def four_trips() -> None:
            cursor = await conn.cursor()
            await cursor.execute(QUERY)
            await cursor.fetchall()
            await cursor.close()

        async def one_trip() -> None:
            await conn._execute(_one_trip, conn._conn)

        await timed("aiosqlite, four trips (stock adapter)", n, four_trips)
        await timed("aiosqlite, one trip", n, one_trip)
    for label, kwargs in (
        ("SQLAlchemy session, stock aiosqlite adapter", {}),
        ("SQLAlchemy session, dialogue.adapters.sqlite_driver", {"module": one_trip_dbapi()}),
    ):
        engine = create_async_engine(f"sqlite+aiosqlite:///{directory / 'sa.db'}", **kwargs)
        async with async_sessionmaker(engine)() as session:

            async def through_session() -> None:
                await session.execute(text(QUERY))

            await timed(label, n, through_session)
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--statements", type=int, default=3000)
    args = parser.parse_args()
    run_in_workdir("hops", lambda directory: main(args.statements, directory))
