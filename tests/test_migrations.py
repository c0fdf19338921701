"""The migrations build exactly the schema the models describe, up and down, on both databases."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

import dialogue.models  # noqa: F401 - every table on the metadata
from dialogue.app import create_app
from dialogue.config import Settings
from dialogue.db import SQLITE_BUSY_TIMEOUT_MS, metadata
from dialogue.migrations import alembic_config, include_object, upgrade
from dialogue.state import app_state
from tests.services import WORKER, PostgresServer

_names = itertools.count()


@pytest.fixture
def empty_database(
    db_kind: str, tmp_path: Path, postgres: PostgresServer | None
) -> Iterator[Settings]:
    """Settings for a database with nothing in it, not even the migrations table."""
    if db_kind == "sqlite":
        yield Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'empty.db'}")
        return
    if postgres is None:
        pytest.skip("PostgreSQL is not available here")
    admin = postgres.url.replace("postgresql+psycopg://", "postgresql://")
    name = f"m_{WORKER}_{next(_names)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield Settings(environment="test", database_url=f"{postgres.url.rsplit('/', 1)[0]}/{name}")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def schema_differences(settings: Settings) -> list[Any]:
    """What autogenerate would write for this database: nothing when models and migrations agree."""
    engine = create_engine(settings.sync_database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "compare_server_default": False,
                    "include_object": include_object,
                    "render_as_batch": settings.is_sqlite,
                },
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def table_names(settings: Settings) -> set[str]:
    engine = create_engine(settings.sync_database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def current_revision(settings: Settings) -> str | None:
    engine = create_engine(settings.sync_database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision(settings: Settings) -> str:
    head = ScriptDirectory.from_config(alembic_config(settings)).get_current_head()
    assert head is not None, "the revisions have several heads: merge them"
    return head


class TestNoDrift:
    def test_head_matches_the_models(self, empty_database: Settings) -> None:
        upgrade(empty_database)
        assert current_revision(empty_database) == head_revision(empty_database)
        differences = schema_differences(empty_database)
        assert differences == [], "models and migrations differ:\n" + "\n".join(
            map(repr, differences)
        )

    def test_every_model_table_is_migrated(self, empty_database: Settings) -> None:
        upgrade(empty_database)
        assert set(metadata.tables) <= table_names(empty_database)

    def test_the_revisions_form_one_line(self, empty_database: Settings) -> None:
        script = ScriptDirectory.from_config(alembic_config(empty_database))
        assert len(script.get_heads()) == 1
        assert len(script.get_bases()) == 1


class TestUpAndDown:
    def test_upgrade_downgrade_upgrade(self, empty_database: Settings) -> None:
        config = alembic_config(empty_database)
        upgrade(empty_database)
        migrated = table_names(empty_database)
        assert {"user", "dialogue", "membership", "auth_token"} <= migrated

        command.downgrade(config, "base")
        assert table_names(empty_database) <= {"alembic_version"}
        assert current_revision(empty_database) is None

        upgrade(empty_database)
        assert table_names(empty_database) == migrated
        assert schema_differences(empty_database) == []

    def test_each_revision_steps_down_and_up(self, empty_database: Settings) -> None:
        config = alembic_config(empty_database)
        script = ScriptDirectory.from_config(config)
        revisions = [r.revision for r in script.walk_revisions("base", "heads")]
        upgrade(empty_database)
        for revision in revisions:  # newest first
            command.downgrade(config, "-1")
            assert current_revision(empty_database) != revision
        assert current_revision(empty_database) is None
        for revision in reversed(revisions):
            command.upgrade(config, "+1")
            assert current_revision(empty_database) == revision

    def test_upgrading_twice_changes_nothing(self, empty_database: Settings) -> None:
        upgrade(empty_database)
        before = table_names(empty_database)
        upgrade(empty_database)
        assert table_names(empty_database) == before


class TestSqliteConnections:
    @pytest.fixture
    async def sqlite_app(self, tmp_path: Path) -> Any:
        settings = Settings(environment="test", database_url=f"sqlite:///{tmp_path / 'app.db'}")
        upgrade(settings)
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            yield app

    async def pragma(self, app: Any, name: str) -> Any:
        async with app_state(app).database.engine.connect() as connection:
            return (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()

    async def test_wal(self, sqlite_app: Any) -> None:
        assert str(await self.pragma(sqlite_app, "journal_mode")).lower() == "wal"

    async def test_foreign_keys(self, sqlite_app: Any) -> None:
        assert await self.pragma(sqlite_app, "foreign_keys") == 1

    async def test_busy_timeout(self, sqlite_app: Any) -> None:
        timeout = await self.pragma(sqlite_app, "busy_timeout")
        assert timeout == SQLITE_BUSY_TIMEOUT_MS
        assert timeout >= 1000

    async def test_every_new_connection_gets_them(self, sqlite_app: Any) -> None:
        engine = app_state(sqlite_app).database.engine
        seen: list[Any] = []  # kept alive, so identity means the same connection
        for _ in range(2):
            async with engine.connect() as connection:
                raw = await connection.get_raw_connection()
                seen.append(raw.driver_connection)
                fk = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
                busy = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
                assert (fk, busy) == (1, SQLITE_BUSY_TIMEOUT_MS)
            await engine.dispose()  # the next loop opens a brand-new connection
        assert seen[0] is not seen[1]

    async def test_foreign_keys_are_enforced(self, sqlite_app: Any) -> None:
        from sqlalchemy.exc import IntegrityError

        async with app_state(sqlite_app).database.session() as session:
            with pytest.raises(IntegrityError):
                await session.exec(  # type: ignore[call-overload]
                    text(
                        "INSERT INTO membership (dialogue_id, user_id, role, conduct_version,"
                        " trusted, created_at) VALUES (4242, 4242, 'observer', 0, 0,"
                        " '2026-01-01 00:00:00')"
                    )
                )


def insert_row(connection: Any, table: str, **values: Any) -> None:
    """A row with `values`, every other required column filled by its type."""
    for column in inspect(connection).get_columns(table):
        name = column["name"]
        if name in values or column["nullable"] or column.get("default") is not None:
            continue
        kind = str(column["type"]).upper()
        if "INT" in kind:
            values[name] = 1
        elif "BOOL" in kind:
            values[name] = False
        elif "DATE" in kind or "TIME" in kind:
            values[name] = datetime(2026, 12, 1, tzinfo=UTC)
        elif "JSON" in kind:
            values[name] = "{}"
        else:
            values[name] = "x"
    names = ", ".join(f'"{n}"' for n in values)
    marks = ", ".join(f":{n}" for n in values)
    insert = f'INSERT INTO "{table}" ({names}) VALUES ({marks})'  # noqa: S608 - our names
    connection.execute(text(insert), values)


class TestPostConsentCopies:
    def test_per_post_copies_of_the_profile_are_cleared_real_choices_stay(
        self, empty_database: Settings
    ) -> None:
        upgrade(empty_database)
        config = alembic_config(empty_database)
        command.downgrade(config, "7a3c9e51b2d4")  # just before the consent migration
        engine = create_engine(empty_database.sync_database_url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                insert_row(connection, "user", id=1, email="a@x.org", quote_consent="named")
                insert_row(connection, "dialogue", id=1, slug="d")
                insert_row(connection, "theme", id=1, dialogue_id=1)
                insert_row(connection, "thread", id=1, dialogue_id=1, theme_id=1, author_id=1)
                for post_id, consent in ((1, "named"), (2, "none"), (3, None)):
                    insert_row(
                        connection, "post", id=post_id, dialogue_id=1, thread_id=1,
                        author_id=1, quote_consent=consent, client_id=f"c{post_id}",
                    )  # fmt: skip
            command.upgrade(config, "+1")
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT id, quote_consent FROM post ORDER BY id"))
                assert [tuple(r) for r in rows] == [(1, None), (2, "none"), (3, None)]
        finally:
            engine.dispose()
