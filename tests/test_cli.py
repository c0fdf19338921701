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
from dialogue.cli import command_language
from dialogue.config import Settings
from dialogue.i18n import gettext, translating

DIALOGUE = Path(sys.executable).with_name("dialogue")
ADMIN_PASSWORD = "a long admin passphrase"


LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")


def run(
    database: Path, *args: str, stdin: str | None = None, locale: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`dialogue ARGS` on `database`, in English unless `locale` names other variables."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("DIALOGUE_") and k not in LOCALE_VARIABLES
    }
    env["DIALOGUE_DATABASE_URL"] = f"sqlite:///{database}"
    env["LANG"] = "C.UTF-8"
    env.update(locale or {})
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


def said(language: str, message: str, **values: object) -> str:
    """`message` as the catalogue of `language` words it."""
    with translating(language):
        return gettext(message) % values


class TestLanguage:
    """A command speaks DIALOGUE_CLI_LANGUAGE, else LC_ALL, LC_MESSAGES, LANG (POSIX), else
    the site's default language; what it does not have falls back to that default.

    The whole order is checked in-process (`command_language`); these run the command."""

    def test_the_language_a_command_speaks(self, database: Path) -> None:
        english = "database is at head"
        for locale, language in [
            ({"LANG": "fr_FR.UTF-8"}, "fr"),
            ({"LC_ALL": "es_ES.UTF-8", "LANG": "fr_FR.UTF-8"}, "es"),
            ({"DIALOGUE_CLI_LANGUAGE": "pt", "LC_ALL": "fr_FR.UTF-8"}, "pt"),
            ({"LANG": "C"}, "en"),
            ({"LANG": "de_DE.UTF-8"}, "en"),  # a language the site lacks
        ]:
            result = run(database, "db", "upgrade", locale=locale)
            assert result.returncode == 0, result.stderr
            expected = said(language, "database is at %(revision)s", revision="head")
            assert (expected == english) == (language == "en")
            assert result.stdout == expected + "\n", locale

    def test_errors_and_the_messages_they_carry(self, database: Path) -> None:
        locale = {"LC_ALL": "es_ES.UTF-8", "LANG": "fr_FR.UTF-8"}
        unknown = run(database, "admin", "reset-password", "nobody@example.org", locale=locale)
        reason = said("es", "no account with the email %(email)s", email="nobody@example.org")
        assert unknown.returncode == 1
        assert unknown.stderr == f"error: {reason}\n"
        assert reason.startswith("ninguna cuenta")
        weak = run(
            database,
            *("admin", "create", "--email", "root@example.org", "--password-stdin"),
            stdin="short\n",
            locale={"LANG": "fr_FR.UTF-8"},
        )
        assert weak.returncode == 2
        assert weak.stderr.startswith("erreur : ")
        assert "at least 10 characters" not in weak.stderr  # the password rule's own words
        assert emails(database) == []

    def test_confirmations_and_plurals(self, database: Path) -> None:
        locale = {"DIALOGUE_CLI_LANGUAGE": "pt", "LANG": "fr_FR.UTF-8"}
        created = run(
            database,
            *("admin", "create", "--email", "root@example.org", "--password-stdin"),
            stdin=ADMIN_PASSWORD + "\n",
            locale=locale,
        )
        assert created.returncode == 0, created.stderr
        assert created.stdout == "administrador/a root@example.org criado/a\n"
        detected = run(database, "detect-languages", locale=locale)
        assert detected.returncode == 0, detected.stderr
        assert detected.stdout == "0 mensagem sem idioma recebeu um\n"  # pt: 0 is singular

    def test_the_help_follows(self, database: Path) -> None:
        locale = {"LANG": "fr_FR.UTF-8", "COLUMNS": "250"}
        top = run(database, "--help", locale=locale)
        assert top.returncode == 0, top.stderr
        assert "E-dialogues facilités : servir, migrer, administrer." in top.stdout
        assert said("fr", "Site administrators.") in top.stdout
        create = run(database, "admin", "create", "--help", locale=locale)
        assert "Lire le mot de passe sur l'entrée standard." in create.stdout
        assert "Read the password" not in create.stdout


class TestCommandLanguage:
    """The order of the variables, the names a locale takes, and the fallbacks."""

    @pytest.mark.parametrize(
        ("variables", "language"),
        [
            ({"LANG": "fr_FR.UTF-8"}, "fr"),
            ({"LANG": "pt_BR"}, "pt"),
            ({"LANG": "fr_CA.ISO8859-1@euro"}, "fr"),
            ({"LC_ALL": "es_ES.UTF-8", "LANG": "fr_FR.UTF-8"}, "es"),
            ({"LC_MESSAGES": "pt_PT.UTF-8", "LANG": "fr_FR.UTF-8"}, "pt"),
            ({"LC_ALL": "es", "LC_MESSAGES": "pt", "LANG": "fr"}, "es"),
            ({"LC_ALL": "", "LANG": "es_MX"}, "es"),  # empty counts as unset (POSIX)
            ({"DIALOGUE_CLI_LANGUAGE": "pt", "LC_ALL": "fr_FR.UTF-8"}, "pt"),
            ({"DIALOGUE_CLI_LANGUAGE": "xx", "LANG": "fr_FR.UTF-8"}, "en"),
            ({"LANG": "C"}, "en"),
            ({"LANG": "C.UTF-8"}, "en"),
            ({"LC_ALL": "POSIX", "LANG": "fr_FR.UTF-8"}, "en"),
            ({"LANG": "de_DE.UTF-8"}, "en"),  # a language the site lacks
            ({}, "en"),
            ({"DIALOGUE_DEFAULT_LANGUAGE": "fr", "LANG": "C"}, "fr"),
            ({"DIALOGUE_DEFAULT_LANGUAGE": "es", "LANG": "de_DE"}, "es"),
        ],
    )
    def test_command_language(
        self, monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], language: str
    ) -> None:
        for name in (*LOCALE_VARIABLES, "DIALOGUE_CLI_LANGUAGE", "DIALOGUE_DEFAULT_LANGUAGE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        assert command_language() == (language, Settings().translations_dir)

    def test_settings_that_do_not_validate_leave_the_help_in_english(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("LANG", "fr_FR.UTF-8")
        monkeypatch.setenv("DIALOGUE_ENVIRONMENT", "production")
        monkeypatch.delenv("DIALOGUE_SECRET_KEY", raising=False)
        assert command_language()[0] == "en"
