"""Export, import into another server, export again: the same bytes, and a working dialogue."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from dialogue.archive.records import KINDS
from dialogue.archive.service import read_archive
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.dialogues.models import Dialogue
from dialogue.events.models import Event
from dialogue.threads.models import Post, Thread
from tests.archive.scene import export_to, quiet, rich_archives


def records(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


async def restore_into(settings: Settings, path: Path, **options: Any) -> None:
    merge, slug = options.get("merge", False), options.get("slug")
    await read_archive(settings, path=path, slug=slug, merge=merge, progress=quiet)


class TestRoundTrip:
    async def test_export_import_export_gives_identical_bytes(
        self,
        settings: Settings,
        tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory,
        sqlite_template: Path,
    ) -> None:
        """From SQLite into SQLite, and into PostgreSQL: the restored dialogue exports the same."""
        rich = await rich_archives(tmp_path_factory, sqlite_template)
        for original in (rich.named, rich.pseudonymous):
            kinds = {record.get("type") for record in records(original)[1:]}
            skipped = set() if original == rich.named else {"report_snapshot"}
            assert kinds == {kind.name for kind in KINDS} - skipped, "every kind must be there"
        await restore_into(settings, rich.named)
        second = await export_to(settings, tmp_path / "second.jsonl.gz", identities=True)
        assert second.read_bytes() == rich.named.read_bytes()
        await _check_restored(settings, rich.facts.slug)

    async def test_an_export_is_reproducible(
        self, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
    ) -> None:
        rich = await rich_archives(tmp_path_factory, sqlite_template)
        again = await export_to(rich.source, tmp_path / "again.jsonl.gz")
        assert again.read_bytes() == rich.pseudonymous.read_bytes()
        gzip_header = again.read_bytes()[:10]
        assert gzip_header[3] == 0, "no file name stored"
        assert gzip_header[4:8] == bytes(4), "mtime 0, not the clock"


def rewrite(path: Path, out: Path, change: Any) -> Path:
    """A copy of an archive with each record passed through `change`."""
    with gzip.open(out, "wt", encoding="utf-8") as handle:
        for record in records(path):
            handle.write(json.dumps(change(record)) + "\n")
    return out


def as_version_1(record: dict[str, Any]) -> dict[str, Any]:
    """A record as version 1 of the format wrote it: posts had no `lang`."""
    if "format" in record:
        return {**record, "version": 1}
    return {k: v for k, v in record.items() if not (record["type"] == "post" and k == "lang")}


async def post_languages(settings: Settings) -> dict[tuple[str, str], str | None]:
    """Each post's language, by what the post is (thread title and time), not by id."""
    database = Database(settings)
    try:
        async with database.session() as session:
            query = select(Thread.title, Post.created_at, Post.lang).join(
                Thread, Thread.id == Post.thread_id
            )
            rows = (await session.exec(query)).all()
    finally:
        await database.dispose()
    return {(title, created.isoformat()): lang for title, created, lang in rows}


class TestFormatVersions:
    async def test_posts_keep_their_language(
        self, settings: Settings, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
    ) -> None:
        rich = await rich_archives(tmp_path_factory, sqlite_template)
        assert records(rich.named)[0]["version"] == 2
        written = {r["lang"] for r in records(rich.named) if r.get("type") == "post"}
        assert written == {"en", "fr", "pt-BR"}
        source = await post_languages(rich.source)
        await restore_into(settings, rich.named)
        assert await post_languages(settings) == source

    async def test_a_version_1_archive_without_languages_still_imports(
        self,
        settings: Settings,
        tmp_path: Path,
        tmp_path_factory: pytest.TempPathFactory,
        sqlite_template: Path,
    ) -> None:
        rich = await rich_archives(tmp_path_factory, sqlite_template)
        old = rewrite(rich.named, tmp_path / "v1.jsonl.gz", as_version_1)
        await restore_into(settings, old)
        languages = await post_languages(settings)
        assert languages.keys() == (await post_languages(rich.source)).keys()
        assert set(languages.values()) == {None}, "an old archive has no languages to restore"


async def _check_restored(settings: Settings, slug: str) -> None:
    """The copy works like a dialogue made here: a fresh event log, counters, search."""
    database = Database(settings)
    try:
        async with database.session() as session:
            dialogue = (await session.exec(select(Dialogue).where(Dialogue.slug == slug))).one()
            events = (await session.exec(select(Event.seq, Event.kind))).all()
            assert events == [(1, "dialogue.created")]
            assert dialogue.last_seq == 1
            anonymous = (await session.exec(select(Post).where(Post.anonymous))).all()
            assert anonymous and all(post.author_id is None for post in anonymous)
            threads = (await session.exec(select(Thread))).all()
            published = (await session.exec(select(Post).where(Post.status == "published"))).all()
            assert sum(thread.post_count for thread in threads) == len(published)
            if database.is_sqlite:
                fts = text("SELECT count(*) FROM post_fts")
                indexed = await session.exec(fts)  # type: ignore[call-overload]
                live = (await session.exec(select(Post).where(Post.status != "deleted"))).all()
                assert indexed.scalar_one() == len(live)
    finally:
        await database.dispose()
