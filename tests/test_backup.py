"""`dialogue backup` and `dialogue restore`: every acknowledged post survives, on both databases.

The round trip runs against `dialogue serve` in its own process, posting all the while: a
backup taken while the server writes must hold every post acknowledged before it began,
and the restored database must serve them.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from dialogue.config import Settings
from dialogue.policy import Role
from tests.conftest import _pg_admin_url
from tests.factories import Factory
from tests.servers import ProcessServer
from tests.services import PostgresServer
from tests.web.scenes import start_thread

DIALOGUE = Path(sys.executable).with_name("dialogue")


def command(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALOGUE_")}
    env["DIALOGUE_DATABASE_URL"] = database_url
    return subprocess.run(
        [str(DIALOGUE), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


class Poster(threading.Thread):
    """Replies through the API until stopped; remembers when each was acknowledged."""

    def __init__(self, base_url: str, thread_id: int, token: str) -> None:
        super().__init__(daemon=True)
        self.base_url, self.thread_id, self.token = base_url, thread_id, token
        self.acknowledged: list[tuple[float, int]] = []
        self.failure = ""
        self.stopping = threading.Event()

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=10) as client:
            n = 0
            while not self.stopping.is_set():
                n += 1
                answer = client.post(
                    f"/api/v1/threads/{self.thread_id}/posts",
                    json={"body": f"Testimony {n}", "client_id": f"backup-{n}"},
                )
                if answer.status_code != 201:
                    self.failure = f"{answer.status_code} {answer.text}"
                    return
                self.acknowledged.append((time.monotonic(), answer.json()["id"]))

    def wait_for(self, count: int) -> None:
        """Until `count` posts were acknowledged; a refused post or 30 s fail the test."""
        deadline = time.monotonic() + 30
        while len(self.acknowledged) < count:
            assert not self.failure, self.failure
            assert time.monotonic() < deadline, f"{len(self.acknowledged)} of {count} posts"
            time.sleep(0.05)

    def before(self, moment: float) -> set[int]:
        return {post_id for at, post_id in self.acknowledged if at < moment}


async def scene(app: FastAPI, factory: Factory) -> tuple[int, str]:
    dialogue = await factory.dialogue()
    theme = await factory.theme(dialogue)
    author = await factory.member(dialogue, Role.PARTICIPANT)
    thread, _ = await start_thread(app, dialogue, theme, author, title="Kept safe")
    assert thread.id is not None
    return thread.id, await factory.token(author)


def post_ids_sqlite(path: Path) -> set[int]:
    with sqlite3.connect(path) as conn:
        ids = {row[0] for row in conn.execute("SELECT id FROM post")}
    conn.close()
    return ids


@pytest.mark.sqlite_only
async def test_a_backup_under_writes_restores_every_acknowledged_post(
    app: FastAPI, factory: Factory, settings: Settings, tmp_path: Path
) -> None:
    thread_id, token = await scene(app, factory)
    server = ProcessServer(
        {
            "DIALOGUE_DATABASE_URL": settings.database_url,
            "DIALOGUE_POSTS_PER_MINUTE": "100000",
            "DIALOGUE_POSTS_PER_MINUTE_PER_ADDRESS": "100000",
        }
    ).start()
    poster = Poster(server.url, thread_id, token)
    try:
        poster.start()
        poster.wait_for(20)
        began = time.monotonic()
        made = command(settings.database_url, "backup", str(tmp_path / "daily.db"))
        poster.wait_for(len(poster.before(began)) + 10)  # writes go on during and after it
    finally:
        poster.stopping.set()
        poster.join(15)
        server.stop()
    assert made.returncode == 0, made.stderr
    assert "SQLite backup written to" in made.stdout
    assert not (tmp_path / ".daily.db.partial").exists()

    restored = tmp_path / "restored.db"
    done = command(f"sqlite:///{restored}", "restore", str(tmp_path / "daily.db"))
    assert done.returncode == 0, done.stderr
    kept = post_ids_sqlite(restored)
    assert poster.before(began) <= kept
    assert len(kept) == int(made.stdout.split(": ")[1].split(" posts")[0])

    # The restored database is a working server's.
    again = ProcessServer({"DIALOGUE_DATABASE_URL": f"sqlite:///{restored}"}).start()
    try:
        async with httpx.AsyncClient(base_url=again.url) as client:
            shown = await client.get(
                f"/api/v1/threads/{thread_id}", headers={"Authorization": f"Bearer {token}"}
            )
    finally:
        again.stop()
    assert shown.status_code == 200, shown.text


@pytest.mark.postgres_only
async def test_postgresql_goes_through_pg_dump_and_back(
    app: FastAPI, factory: Factory, settings: Settings, tmp_path: Path, postgres: PostgresServer
) -> None:
    thread_id, _token = await scene(app, factory)
    made = command(settings.database_url, "backup", str(tmp_path / "pg.dump"))
    assert made.returncode == 0, made.stderr
    assert "pg_dump" in made.stdout
    admin = _pg_admin_url(postgres)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE DATABASE restored_here")
    try:
        target = postgres.url.rsplit("/", 1)[0] + "/restored_here"
        done = command(target, "restore", str(tmp_path / "pg.dump"))
        assert done.returncode == 0, done.stderr
        libpq = target.replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(libpq) as conn:
            titles = [row[0] for row in conn.execute("SELECT title FROM thread")]
        assert titles == ["Kept safe"], thread_id
        # Into a database that is no longer empty: refused, nothing changed.
        twice = command(target, "restore", str(tmp_path / "pg.dump"))
        assert twice.returncode == 1
        assert "not empty" in twice.stderr
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS restored_here WITH (FORCE)")


@pytest.mark.sqlite_only
async def test_refusals_say_why_and_change_nothing(
    app: FastAPI, factory: Factory, settings: Settings, tmp_path: Path
) -> None:
    await scene(app, factory)
    first = command(settings.database_url, "backup", str(tmp_path / "a.db"))
    assert first.returncode == 0, first.stderr
    before = (tmp_path / "a.db").read_bytes()

    again = command(settings.database_url, "backup", str(tmp_path / "a.db"))
    assert (again.returncode, "exists" in again.stderr) == (1, True)
    assert (tmp_path / "a.db").read_bytes() == before
    forced = command(settings.database_url, "backup", "--force", str(tmp_path / "a.db"))
    assert forced.returncode == 0, forced.stderr

    # Over a database with a dialogue in it.
    over = command(settings.database_url, "restore", str(tmp_path / "a.db"))
    assert (over.returncode, "not empty" in over.stderr) == (1, True)

    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a backup")
    odd = command(f"sqlite:///{tmp_path / 'new.db'}", "restore", str(garbage))
    assert (odd.returncode, "not a backup" in odd.stderr) == (1, True)
    assert not (tmp_path / "new.db").exists()

    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    foreign = command(f"sqlite:///{tmp_path / 'new.db'}", "restore", str(other))
    assert (foreign.returncode, "not a dialogue database" in foreign.stderr) == (1, True)

    missing = command(f"sqlite:///{tmp_path / 'absent.db'}", "backup", str(tmp_path / "b.db"))
    assert (missing.returncode, "no database" in missing.stderr) == (1, True)
    assert "Traceback" not in missing.stderr + foreign.stderr + odd.stderr + over.stderr
