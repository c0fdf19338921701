"""`dialogue backup FILE` and `dialogue restore FILE`: a consistent copy of a live database.

Small organisations run this server without an operations team, and what it holds is
testimony that must not be lost. A copy of `dialogue.db` taken with `cp` while the server
writes can be torn (the write-ahead log holds what the file does not yet), so SQLite is
copied with its online backup API, a few pages at a time so that writers keep going, into a
temporary file that is checked (`PRAGMA integrity_check`) before it takes the backup's name:
a backup is whole or absent, never half-written. PostgreSQL is copied by `pg_dump` (custom
format, which `pg_restore` reads), since nothing else knows its files.

A restore goes only into an empty database (restoring over a dialogue that is running would
mix two histories) and then runs the migrations, so a backup made by an older release opens
in this one.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from dialogue.config import Settings
from dialogue.i18n import gettext as _
from dialogue.migrations import upgrade

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
PAGES_PER_STEP = 256  # between steps SQLite lets the server's writers in
STEP_PAUSE_SECONDS = 0.002


class BackupError(Exception):
    """Why a backup or a restore was refused, in the command's language; the command
    prints it and exits 1."""


@dataclass(frozen=True)
class Copied:
    """What a backup or restore did, for the command to say."""

    engine: str  # "sqlite" or "postgresql"
    path: Path
    posts: int | None  # counted in the copy (SQLite); None where pg_dump's file is opaque
    revision: str | None


def backup(settings: Settings, target: Path, *, force: bool = False) -> Copied:
    if target.exists() and not force:
        raise BackupError(
            _("%(path)s exists; choose a new name or pass --force") % {"path": target}
        )
    if settings.is_sqlite:
        return _backup_sqlite(_sqlite_path(settings), target)
    return _backup_postgres(settings, target)


def restore(settings: Settings, source: Path) -> Copied:
    if not source.is_file():
        raise BackupError(_("%(path)s is not a file") % {"path": source})
    with source.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        if not settings.is_sqlite:
            raise BackupError(
                _(
                    "%(path)s is a SQLite backup; restore it with DIALOGUE_DATABASE_URL naming"
                    " a SQLite file (an archive export moves a dialogue between databases)"
                )
                % {"path": source}
            )
        copied = _restore_sqlite(source, _sqlite_path(settings))
    elif head.startswith(PG_DUMP_MAGIC):
        if settings.is_sqlite:
            raise BackupError(
                _(
                    "%(path)s is a PostgreSQL backup (pg_dump); restore it with "
                    "DIALOGUE_DATABASE_URL naming an empty PostgreSQL database"
                )
                % {"path": source}
            )
        copied = _restore_postgres(settings, source)
    else:
        raise BackupError(
            _("%(path)s is not a backup made by `dialogue backup`") % {"path": source}
        )
    upgrade(settings)
    return copied


def _sqlite_path(settings: Settings) -> Path:
    database = make_url(settings.sync_database_url).database
    if not database or database == ":memory:":
        raise BackupError(_("an in-memory database cannot be backed up or restored"))
    return Path(database)


def _partner(path: Path) -> Path:
    """The temporary file beside `path` that becomes it once complete."""
    return path.with_name(f".{path.name}.partial")


def _sqlite_copy(source: sqlite3.Connection, target: Path) -> None:
    partial = _partner(target)
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(partial)) as copy:
            source.backup(copy, pages=PAGES_PER_STEP, sleep=STEP_PAUSE_SECONDS)
            status = copy.execute("PRAGMA integrity_check").fetchone()
            if status is None or status[0] != "ok":
                raise BackupError(
                    _("the copy failed its integrity check: %(status)s") % {"status": status}
                )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _read_only(path: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True))


def _facts(path: Path) -> tuple[int | None, str | None]:
    """The copy's post count and schema revision (None: not a dialogue database)."""
    with _read_only(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        posts = conn.execute("SELECT count(*) FROM post").fetchone() if "post" in tables else None
        revision = (
            conn.execute("SELECT version_num FROM alembic_version").fetchone()
            if "alembic_version" in tables
            else None
        )
    return (posts[0] if posts else None), (revision[0] if revision else None)


def _backup_sqlite(database: Path, target: Path) -> Copied:
    if not database.is_file():
        raise BackupError(_("there is no database at %(path)s") % {"path": database})
    with _read_only(database) as source:
        _sqlite_copy(source, target)
    posts, revision = _facts(target)
    return Copied("sqlite", target, posts, revision)


def _restore_sqlite(source_path: Path, database: Path) -> Copied:
    if database.exists() and database.stat().st_size > 0:
        with _read_only(database) as conn:
            tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables:
            raise BackupError(
                _("%(path)s is not empty; restore into a new database") % {"path": database}
            )
    posts, revision = _facts(source_path)
    if revision is None:
        raise BackupError(
            _("%(path)s is a SQLite file but not a dialogue database") % {"path": source_path}
        )
    with _read_only(source_path) as source:
        _sqlite_copy(source, database)
    return Copied("sqlite", database, posts, revision)


def _libpq_url(settings: Settings) -> str:
    url = make_url(settings.sync_database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            _("%(tool)s is not installed (Debian: apt-get install postgresql-client)")
            % {"tool": name}
        )
    return found


def _run(argv: list[str]) -> None:
    # The program is found by `_tool`, the arguments are ours: no shell, no user text.
    done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(reason)s")
            % {"tool": Path(argv[0]).name, "reason": done.stderr.strip()}
        )


def _backup_postgres(settings: Settings, target: Path) -> Copied:
    partial = _partner(target)
    partial.unlink(missing_ok=True)
    try:
        # --dbname takes the URI; the password stays out of the process list only if the
        # operator uses ~/.pgpass or PGPASSWORD instead of a URL with one (docs/operators.md).
        dump = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial)]
        _run([*dump, "--dbname", _libpq_url(settings)])
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return Copied("postgresql", target, None, None)


def _restore_postgres(settings: Settings, source: Path) -> Copied:
    url = _libpq_url(settings)
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    if row and row[0]:
        raise BackupError(_("the database is not empty; restore into a new, empty database"))
    _run([_tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", url, str(source)])
    with psycopg.connect(url) as conn:
        posts = conn.execute("SELECT count(*) FROM post").fetchone()
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return Copied(
        "postgresql", source, posts[0] if posts else None, revision[0] if revision else None
    )
