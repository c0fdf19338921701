"""The same archive twice: refused by default, merged without duplicates, or imported as a copy."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import col, select

from dialogue.archive.service import read_archive
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.errors import Conflict, NotFound
from dialogue.threads.models import Post
from tests.archive.scene import Rich, export_to, quiet, rich_archives, row_counts, settings_for
from tests.archive.test_archive_roundtrip import records


@pytest.fixture
async def rich(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Rich:
    return await rich_archives(tmp_path_factory, sqlite_template)


async def restore(
    settings: Settings, path: Path, *, slug: str | None = None, merge: bool = False
) -> dict[str, int]:
    restored = await read_archive(settings, path=path, slug=slug, merge=merge, progress=quiet)
    return restored.added


async def add_reply(settings: Settings, body: str) -> None:
    """One more post in the source dialogue, written after its first archive."""
    database = Database(settings)
    try:
        async with database.writing() as session:
            parent = (await session.exec(select(Post).order_by(col(Post.id)))).first()
            assert parent is not None
            reply = Post(
                dialogue_id=parent.dialogue_id,
                thread_id=parent.thread_id,
                parent_id=parent.id,
                depth=1,
                author_id=parent.author_id,
                body=body,
                body_html=f"<p>{body}</p>",
            )
            session.add(reply)
            await session.commit()
    finally:
        await database.dispose()


class TestTwice:
    async def test_a_second_import_is_refused(self, settings: Settings, rich: Rich) -> None:
        await restore(settings, rich.pseudonymous)
        before = await row_counts(settings)
        with pytest.raises(Conflict) as caught:
            await restore(settings, rich.pseudonymous)
        assert caught.value.code == "slug_taken"
        assert "--merge" in caught.value.message
        assert await row_counts(settings) == before

    async def test_merging_the_same_archive_adds_nothing(
        self, settings: Settings, rich: Rich
    ) -> None:
        first = await restore(settings, rich.pseudonymous)
        before = await row_counts(settings)
        again = await restore(settings, rich.pseudonymous, merge=True)
        assert sum(again.values()) == 0 and first["post"] > 100
        assert await row_counts(settings) == before

    async def test_merging_a_later_archive_adds_only_the_new_records(
        self, settings: Settings, rich: Rich, tmp_path: Path
    ) -> None:
        await restore(settings, rich.pseudonymous)
        before = await row_counts(settings)
        shutil.copy(Path(rich.source.database_url.split("///")[1]), tmp_path / "later.db")
        later = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'later.db'}")
        await add_reply(later, "A LATER REPLY")
        archive = await export_to(later, tmp_path / "later.jsonl.gz")
        added = await restore(settings, archive, merge=True)
        assert added["post"] == 1 and sum(added.values()) == 1
        after = await row_counts(settings)
        assert after["Post"] == before["Post"] + 1
        assert after["Event"] == before["Event"] + 1  # the merge is announced
        assert sum((await restore(settings, archive, merge=True)).values()) == 0

    async def test_a_copy_under_another_slug(
        self, settings: Settings, rich: Rich, tmp_path: Path
    ) -> None:
        await restore(settings, rich.pseudonymous)
        users = (await row_counts(settings))["User"]
        added = await restore(settings, rich.pseudonymous, slug="a-copy")
        assert added["person"] == 0, "the same people, found again"
        assert (await row_counts(settings))["User"] == users
        copy = records(await export_to(settings, tmp_path / "copy.jsonl.gz", slug="a-copy"))
        original = records(rich.pseudonymous)
        assert copy[2:] == original[2:]  # all but the header and the dialogue's slug
        assert copy[1] == {**original[1], "slug": "a-copy"}


class TestRefusedMerges:
    async def test_nothing_to_merge_into(self, settings: Settings, rich: Rich) -> None:
        with pytest.raises(NotFound):
            await restore(settings, rich.pseudonymous, merge=True)
        assert (await row_counts(settings))["Dialogue"] == 0

    async def test_another_dialogue_with_that_slug(
        self, settings: Settings, rich: Rich, tmp_path: Path
    ) -> None:
        await restore(settings, rich.pseudonymous)
        before = await row_counts(settings)
        with gzip.open(rich.pseudonymous, "rt", encoding="utf-8") as handle:
            lines = [json.loads(text) for text in handle]
        lines[1]["created_at"] = "2020-01-01T00:00:00+00:00"
        other = tmp_path / "other.jsonl.gz"
        with gzip.open(other, "wt", encoding="utf-8") as handle:
            handle.writelines(json.dumps(line) + "\n" for line in lines)
        with pytest.raises(Conflict) as caught:
            await restore(settings, other, merge=True)
        assert caught.value.code == "other_dialogue"
        assert await row_counts(settings) == before
