"""Loading the demo for tests through `dialogue demo`, and reading it back through the API."""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import select
from typer.testing import CliRunner

from dialogue import cli
from dialogue.demo.content import read_content
from dialogue.dialogues.models import Dialogue, Membership, Theme
from dialogue.events.models import Event
from dialogue.moderation.models import Code, Flag, PostCode
from dialogue.state import app_state
from dialogue.threads.models import Post, Reaction, Thread
from tests.services import WORKER, PostgresServer

ADMIN = "admin@example.org"
API = "/api/v1"
CONTENT_DATA = read_content()
SLUG = CONTENT_DATA.dialogue["slug"]
PUBLISHED = sum(len(thread.posts) for thread in CONTENT_DATA.threads)


@dataclass(frozen=True)
class Loaded:
    source: str  # a SQLite file or a PostgreSQL database name, loaded by `dialogue demo`
    password: str
    output: str


def run_demo_command(url: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.app, ["demo"], env={"DIALOGUE_DATABASE_URL": url})
    return result.exit_code, result.output


def pg_admin(postgres: PostgresServer) -> str:
    return postgres.url.replace("postgresql+psycopg://", "postgresql://")


def pg_url(postgres: PostgresServer, name: str) -> str:
    return postgres.url.rsplit("/", 1)[0] + "/" + name


def pg_copy(postgres: PostgresServer, template: str, name: str) -> None:
    """CREATE DATABASE ... TEMPLATE, retried while the loader's connections wind down."""
    with psycopg.connect(pg_admin(postgres), autocommit=True) as conn:
        for attempt in range(50):
            try:
                conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
                return
            except psycopg.errors.ObjectInUse:
                if attempt == 49:
                    raise
                time.sleep(0.1)


def load_template(
    kind: str, *, workdir: Path, plain: str, postgres: PostgresServer | None
) -> Loaded:
    if kind == "sqlite":
        path = workdir / "demo.db"
        shutil.copy(plain, path)
        code, output = run_demo_command(f"sqlite+aiosqlite:///{path}")
        source = str(path)
    else:
        assert postgres is not None
        source = f"demo_template_{WORKER}"
        with psycopg.connect(pg_admin(postgres), autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {source}")
        pg_copy(postgres, plain, source)
        code, output = run_demo_command(pg_url(postgres, source))
    assert code == 0, output
    found = re.search(r"Password:\s+(\S+)", output)
    assert found, output
    return Loaded(source=source, password=found.group(1), output=output)


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> dict[str, str]:
    response = await client.post(f"{API}/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def email_of(key: str) -> str:
    return CONTENT_DATA.person(key).email


async def dialogue_of(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.get(f"{API}/dialogues/{SLUG}", headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


async def threads_and_posts(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Every thread the caller sees, oldest first, with all its posts in order."""
    result = []
    for theme in (await dialogue_of(client, headers))["themes"]:
        page = await client.get(f"{API}/themes/{theme['id']}/threads?limit=100", headers=headers)
        assert page.status_code == 200, page.text
        for thread in sorted(page.json()["items"], key=lambda t: t["id"]):
            posts = await client.get(
                f"{API}/threads/{thread['id']}/posts?limit=200", headers=headers
            )
            assert posts.status_code == 200, posts.text
            result.append((thread, posts.json()["items"]))
    return result


async def all_posts(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    return [post for _thread, posts in await threads_and_posts(client, headers) for post in posts]


def at(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


async def row_counts(app: FastAPI) -> dict[str, int]:
    models = (Dialogue, Membership, Theme, Thread, Post, Reaction, Event, Flag, Code, PostCode)
    async with app_state(app).database.session() as session:
        return {
            model.__name__: int((await session.exec(select(func.count()).select_from(model))).one())
            for model in models
        }


async def read_log(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = await client.get(
            f"{API}/dialogues/{SLUG}/events",
            params={"after": after, "limit": 1000},
            headers=headers,
        )
        assert page.status_code == 200, page.text
        if not page.json()["events"]:
            return events
        events.extend(page.json()["events"])
        after = page.json()["last_seq"]
