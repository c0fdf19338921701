"""Fixtures: a migrated database per test on SQLite and on PostgreSQL, the app, HTTP clients."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from dialogue.accounts import passwords
from dialogue.app import create_app
from dialogue.config import Settings
from dialogue.migrations import upgrade
from tests.factories import TEST_HASHER, Factory
from tests.services import WORKER, PostgresServer, in_ci, start_postgres

pytest_plugins = ["tests.browser"]

passwords._hasher = TEST_HASHER  # see tests/factories.py

_counter = itertools.count()
TEMPLATE = f"dialogue_template_{WORKER}"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--db", action="append", default=None, help="sqlite and/or postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_kind" in metafunc.fixturenames:
        kinds = metafunc.config.getoption("--db") or ["sqlite", "postgresql"]
        if metafunc.definition.get_closest_marker("postgres_only"):
            kinds = [k for k in kinds if k == "postgresql"]
        if metafunc.definition.get_closest_marker("sqlite_only"):
            kinds = [k for k in kinds if k == "sqlite"]
        metafunc.parametrize("db_kind", kinds, scope="function")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    try:
        server = start_postgres()
    except (RuntimeError, OSError, Exception) as exc:
        if in_ci():
            pytest.fail(f"PostgreSQL is required under CI=true: {exc}")
        yield None
        return
    yield server
    server.stop()


def _pg_admin_url(server: PostgresServer) -> str:
    return server.url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def pg_template(postgres: PostgresServer | None) -> str | None:
    """A migrated database that every PostgreSQL test copies (CREATE DATABASE ... TEMPLATE)."""
    if postgres is None:
        return None
    with psycopg.connect(_pg_admin_url(postgres), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
    base = postgres.url.rsplit("/", 1)[0]
    upgrade(Settings(database_url=f"{base}/{TEMPLATE}"))
    return TEMPLATE


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(Settings(database_url=f"sqlite:///{path}"))
    return path


@pytest.fixture
def database_url(
    db_kind: str,
    tmp_path: Path,
    sqlite_template: Path,
    postgres: PostgresServer | None,
    pg_template: str | None,
) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    if db_kind == "sqlite":
        path = tmp_path / "test.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    with migrated_postgres(postgres, pg_template) as url:
        yield url


@pytest.fixture(scope="module")
def module_postgres_url(postgres: PostgresServer | None, pg_template: str | None) -> Iterator[str]:
    """One migrated PostgreSQL database for a whole module: for tests that share servers
    which take seconds to start, each test keeping to a dialogue of its own."""
    with migrated_postgres(postgres, pg_template) as url:
        yield url


@contextmanager
def migrated_postgres(postgres: PostgresServer | None, pg_template: str | None) -> Iterator[str]:
    """A copy of the migrated template, dropped afterwards."""
    if postgres is None or pg_template is None:
        pytest.skip("PostgreSQL is not available here")
    name = f"t_{WORKER}_{next(_counter)}"
    admin = _pg_admin_url(postgres)
    with psycopg.connect(admin, autocommit=True) as conn:
        # FILE_COPY: half the time of the default WAL_LOG for a database this small.
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {pg_template} STRATEGY FILE_COPY")
    base = postgres.url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret",
        base_url="http://testserver",
        check_events=True,  # every event appended in a test is checked against its model
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def factory(app: FastAPI, client: httpx.AsyncClient) -> Factory:
    return Factory(app=app, client=client)


def error_of(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    error: dict[str, Any] = body["error"]
    return error
