"""Importing into a slug that exists: refused by default, or merged without duplicates."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlmodel import select
from typer.testing import CliRunner

from dialogue.accounts.models import User
from dialogue.archive.polis import ImportResult
from dialogue.archive.polis_read import NO_VOTES
from dialogue.cli import app as cli
from dialogue.config import Settings
from dialogue.errors import Conflict
from dialogue.state import app_state
from dialogue.threads.models import Reaction, Thread
from tests.archive.polis_support import (
    CONVERSATION,
    FIXTURE,
    SLUG,
    export_copy,
    run,
    snapshot,
    statement_posts,
)
from tests.factories import Factory

Keep = Callable[[dict[str, str]], bool]


def keep_rows(path: Path, keep: Keep) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = list(reader.fieldnames or []), [row for row in reader if keep(row)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def earlier_export(tmp_path: Path) -> Path:
    """The conversation as exported before statement 8, participant 23 and one changed vote."""
    export = export_copy(tmp_path)
    keep_rows(export / "comments.csv", lambda r: r["comment-id"] != "8")
    keep_rows(export / "participants-votes.csv", lambda r: r["participant"] != "23")
    keep_rows(
        export / "votes.csv",
        lambda r: (
            r["comment-id"] != "8"
            and r["voter-id"] != "23"
            # participant 5 had only disagreed with statement 0 so far
            and (r["comment-id"], r["voter-id"], r["vote"]) != ("0", "5", "1")
        ),
    )
    return export


class TestRefused:
    async def test_second_import_is_refused_and_changes_nothing(
        self, db_kind: str, app: FastAPI
    ) -> None:
        await run(app)
        before = await snapshot(app)
        with pytest.raises(Conflict) as refusal:
            await run(app)
        assert refusal.value.code == "slug_taken" and "--merge" in refusal.value.message
        assert await snapshot(app) == before

    async def test_no_merge_into_a_dialogue_that_was_not_imported(
        self, db_kind: str, app: FastAPI, factory: Factory
    ) -> None:
        await factory.dialogue(slug=SLUG)
        before = await snapshot(app)
        with pytest.raises(Conflict) as refusal:
            await run(app, on_duplicate="merge")
        assert refusal.value.code == "not_an_import"
        assert await snapshot(app) == before

    async def test_no_merge_of_another_conversation(
        self, db_kind: str, app: FastAPI, tmp_path: Path
    ) -> None:
        await run(app)
        other = export_copy(tmp_path)
        (other / "summary.csv").write_text(
            "topic,Another\nurl,https://pol.is/9other\n", encoding="utf-8"
        )
        before = await snapshot(app)
        with pytest.raises(Conflict) as refusal:
            await run(app, other, on_duplicate="merge")
        assert refusal.value.code == "other_conversation"
        assert await snapshot(app) == before


class TestMerged:
    async def test_merge_adds_only_what_is_missing(
        self, db_kind: str, app: FastAPI, tmp_path: Path
    ) -> None:
        first = await run(app, earlier_export(tmp_path))
        assert (first.statements, first.participants, first.votes_added) == (8, 23, 164)
        merged = await run(app, on_duplicate="merge")
        assert merged == ImportResult(
            slug=SLUG,
            merged=True,
            statements=1,
            hidden=0,
            participants=1,
            votes_added=195 - 164,
            votes_updated=1,
            notes=(),
        )
        posts = await statement_posts(app)
        assert sorted(posts) == list(range(9))
        async with app_state(app).database.session() as session:
            reactions = (await session.exec(select(Reaction))).all()
            user = (
                await session.exec(
                    select(User).where(User.email == f"polis-{CONVERSATION}-5@import.invalid")
                )
            ).one()
            (thread,) = (await session.exec(select(Thread))).all()
        assert len(reactions) == len({(r.post_id, r.user_id) for r in reactions}) == 195
        (changed,) = [r for r in reactions if (r.post_id, r.user_id) == (posts[0].id, user.id)]
        assert changed.kind == "agree"
        assert thread.post_count == 9  # the opening post and the 8 published statements
        again = await run(app, on_duplicate="merge")
        assert (again.statements, again.participants, again.votes_added) == (0, 0, 0)
        assert again.votes_updated == 0

    async def test_merge_keeps_what_moderators_did_since(self, db_kind: str, app: FastAPI) -> None:
        await run(app)
        posts = await statement_posts(app)
        async with app_state(app).database.session() as session:
            post = posts[6]
            post.status = "published"  # a moderator restored the statement Pol.is hid
            session.add(post)
            await session.commit()
        await run(app, on_duplicate="merge")
        assert (await statement_posts(app))[6].status == "published"


class TestCommand:
    async def test_import_refuse_merge_and_broken_input(
        self, db_kind: str, settings: Settings, tmp_path: Path
    ) -> None:
        env = {"DIALOGUE_DATABASE_URL": settings.database_url}
        args = ["import", "polis", str(FIXTURE), "--slug", SLUG]

        async def invoke(*extra: str) -> tuple[int, str]:
            result = await asyncio.to_thread(CliRunner().invoke, cli, [*args, *extra], env=env)
            return result.exit_code, result.output

        code, output = await invoke()
        assert code == 0, output
        assert f"imported as {SLUG}: 9 statements (1 hidden), 24 participants" in output
        code, output = await invoke()
        assert code == 1 and "error: A dialogue with the slug" in output
        code, output = await invoke("--merge")
        assert code == 0 and "0 votes added, 0 updated" in output
        broken = export_copy(tmp_path)
        (broken / "comments.csv").write_bytes(b"timestamp,comment-id\n")
        args = ["import", "polis", str(broken), "--slug", "other-slug"]
        code, output = await invoke()
        assert code == 1
        assert "error: comments.csv line 1: missing column 'author-id'" in output

    async def test_import_of_an_export_without_votes_says_so(
        self, db_kind: str, settings: Settings, tmp_path: Path
    ) -> None:
        export = export_copy(tmp_path)
        (export / "votes.csv").unlink()
        (export / "participants-votes.csv").unlink()
        env = {"DIALOGUE_DATABASE_URL": settings.database_url}
        args = ["import", "polis", str(export), "--slug", SLUG]
        result = await asyncio.to_thread(CliRunner().invoke, cli, args, env=env)
        assert result.exit_code == 0, result.output
        assert f"imported as {SLUG}: 9 statements (1 hidden)" in result.output
        assert "0 votes added" in result.output
        assert f"Note: {NO_VOTES}" in result.output
