"""The command line, run as a real process: migrate, create the first admin, then sign in."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from dialogue.app import create_app
from dialogue.config import Settings

DIALOGUE = Path(sys.executable).with_name("dialogue")
ADMIN_PASSWORD = "a long admin passphrase"


def run(database: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIALOGUE_")}
    env["DIALOGUE_DATABASE_URL"] = f"sqlite:///{database}"
    return subprocess.run(
        [str(DIALOGUE), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=database.parent,
        timeout=120,
        check=False,
    )


def emails(database: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(database) as conn:
        return list(conn.execute('SELECT email, is_admin FROM "user" ORDER BY id'))


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    result = run(path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert path.exists()
    return path


@pytest.fixture
async def api(database: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app of a server on the same database file."""
    settings = Settings(environment="test", database_url=f"sqlite:///{database}")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


class TestAdminCreate:
    async def test_created_admin_signs_in(self, database: Path, api: httpx.AsyncClient) -> None:
        result = run(
            database,
            "admin",
            "create",
            "--email",
            "Root@Example.org",
            "--password-stdin",
            stdin=ADMIN_PASSWORD + "\n",
        )
        assert result.returncode == 0, result.stderr
        assert "created" in result.stdout
        assert ADMIN_PASSWORD not in result.stdout + result.stderr
        login = await api.post(
            "/api/v1/auth/login", json={"email": "root@example.org", "password": ADMIN_PASSWORD}
        )
        assert login.status_code == 200, login.text
        me = await api.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {login.json()['token']}"}
        )
        assert me.json()["is_admin"] is True
        assert me.json()["email"] == "root@example.org"
        # The admin may create dialogues, the first thing a new site needs.
        created = await api.post(
            "/api/v1/dialogues",
            json={"slug": "first", "title": "First dialogue"},
            headers={"Authorization": f"Bearer {login.json()['token']}"},
        )
        assert created.status_code == 201, created.text

    async def test_password_option(self, database: Path, api: httpx.AsyncClient) -> None:
        result = run(
            database, "admin", "create", "--email", "ops@example.org", "--password", ADMIN_PASSWORD
        )
        assert result.returncode == 0, result.stderr
        login = await api.post(
            "/api/v1/auth/login", json={"email": "ops@example.org", "password": ADMIN_PASSWORD}
        )
        assert login.status_code == 200

    def test_the_password_is_stored_hashed(self, database: Path) -> None:
        result = run(
            database,
            "admin",
            "create",
            "--email",
            "root@example.org",
            "--password-stdin",
            stdin=ADMIN_PASSWORD + "\n",
        )
        assert result.returncode == 0, result.stderr
        with sqlite3.connect(database) as conn:
            [(stored,)] = conn.execute('SELECT password_hash FROM "user"')
        assert stored.startswith("$argon2id$") and ADMIN_PASSWORD not in stored

    def test_a_common_password_is_refused(self, database: Path) -> None:
        result = run(
            database,
            "admin",
            "create",
            "--email",
            "root@example.org",
            "--password-stdin",
            stdin="Password1234\n",
        )
        assert result.returncode == 2
        assert "most common" in result.stderr
        assert emails(database) == []

    @pytest.mark.parametrize("password", ["", "short", "123456789"])
    def test_a_short_password_is_refused(self, database: Path, password: str) -> None:
        result = run(
            database,
            "admin",
            "create",
            "--email",
            "root@example.org",
            "--password-stdin",
            stdin=password + "\n",
        )
        assert result.returncode != 0
        assert "at least 10 characters" in result.stderr
        assert emails(database) == []

    def test_a_duplicate_email_is_refused_clearly(self, database: Path) -> None:
        first = run(
            database,
            "admin",
            "create",
            "--email",
            "root@example.org",
            "--password-stdin",
            stdin=ADMIN_PASSWORD + "\n",
        )
        assert first.returncode == 0, first.stderr
        again = run(
            database,
            "admin",
            "create",
            "--email",
            "ROOT@example.org",
            "--password-stdin",
            stdin="another long passphrase\n",
        )
        assert again.returncode != 0
        assert "already exists" in again.stderr
        assert "Traceback" not in again.stderr
        assert emails(database) == [("root@example.org", 1)]

    async def test_the_duplicate_keeps_the_first_password(
        self, database: Path, api: httpx.AsyncClient
    ) -> None:
        for password in (ADMIN_PASSWORD, "another long passphrase"):
            run(
                database,
                "admin",
                "create",
                "--email",
                "root@example.org",
                "--password-stdin",
                stdin=password + "\n",
            )
        ok = await api.post(
            "/api/v1/auth/login", json={"email": "root@example.org", "password": ADMIN_PASSWORD}
        )
        assert ok.status_code == 200
        refused = await api.post(
            "/api/v1/auth/login",
            json={"email": "root@example.org", "password": "another long passphrase"},
        )
        assert refused.status_code == 401


class TestAdminResetPassword:
    def _create(self, database: Path) -> None:
        result = run(
            database,
            "admin",
            "create",
            "--email",
            "root@example.org",
            "--password-stdin",
            stdin=ADMIN_PASSWORD + "\n",
        )
        assert result.returncode == 0, result.stderr

    async def test_prints_a_one_time_link_that_sets_the_password(
        self, database: Path, api: httpx.AsyncClient
    ) -> None:
        self._create(database)
        result = run(database, "admin", "reset-password", "ROOT@example.org")
        assert result.returncode == 0, result.stderr
        [link] = [w for w in result.stdout.split() if "/password/reset/" in w]
        token = link.rsplit("/", 1)[1]
        with sqlite3.connect(database) as conn:
            [(stored,)] = conn.execute("SELECT token_hash FROM password_reset")
        assert stored != token  # kept only as its digest
        body = {"token": token, "password": "a fresh passphrase"}
        assert (await api.post("/api/v1/auth/password/reset", json=body)).status_code == 204
        assert (await api.post("/api/v1/auth/password/reset", json=body)).status_code == 409
        login = await api.post(
            "/api/v1/auth/login",
            json={"email": "root@example.org", "password": "a fresh passphrase"},
        )
        assert login.status_code == 200

    async def test_password_stdin_sets_it_and_ends_the_sessions(
        self, database: Path, api: httpx.AsyncClient
    ) -> None:
        self._create(database)
        login = await api.post(
            "/api/v1/auth/login", json={"email": "root@example.org", "password": ADMIN_PASSWORD}
        )
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        result = run(
            database,
            "admin",
            "reset-password",
            "root@example.org",
            "--password-stdin",
            stdin="the replacement passphrase\n",
        )
        assert result.returncode == 0, result.stderr
        assert "the replacement passphrase" not in result.stdout
        assert (await api.get("/api/v1/me", headers=headers)).status_code == 401
        again = await api.post(
            "/api/v1/auth/login",
            json={"email": "root@example.org", "password": "the replacement passphrase"},
        )
        assert again.status_code == 200

    def test_an_unknown_email_or_a_short_password_is_refused(self, database: Path) -> None:
        unknown = run(database, "admin", "reset-password", "nobody@example.org")
        assert unknown.returncode == 1 and "no account" in unknown.stderr
        assert "Traceback" not in unknown.stderr
        self._create(database)
        short = run(
            database,
            "admin",
            "reset-password",
            "root@example.org",
            "--password-stdin",
            stdin="short\n",
        )
        assert short.returncode == 2 and "at least 10 characters" in short.stderr


class TestDbUpgrade:
    def test_upgrade_reports_and_is_repeatable(self, database: Path) -> None:
        again = run(database, "db", "upgrade")
        assert again.returncode == 0, again.stderr
        assert "head" in again.stdout
        with sqlite3.connect(database) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert {"user", "dialogue", "auth_token", "alembic_version"} <= tables
