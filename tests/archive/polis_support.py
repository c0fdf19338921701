"""What the Pol.is import tests share: the fixture export, a copy to break, row counts."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlmodel import select

from dialogue.archive.polis import ImportResult, OnDuplicate, import_polis
from dialogue.dialogues.models import Dialogue
from dialogue.state import app_state
from dialogue.threads.models import Post, Reaction, Thread
from tests.helpers import TABLES, count

FIXTURE = Path(__file__).with_name("polis_fixture")
CONVERSATION = "3vawfixture"  # the id at the end of the fixture's summary URL
SLUG = "safer-streets"
IMPORT_TABLES: tuple[type[Any], ...] = (*TABLES, Thread, Post, Reaction)


def export_copy(tmp_path: Path) -> Path:
    """The fixture export in a directory of its own, for a test to change."""
    target = tmp_path / "export"
    shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("*.md"))
    return target


def append(path: Path, text: str) -> int:
    """Add lines at the end of a CSV file; the line number of the first one added."""
    lines = path.read_bytes().count(b"\n")
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return lines + 1


async def run(
    app: FastAPI,
    directory: Path = FIXTURE,
    *,
    slug: str = SLUG,
    on_duplicate: OnDuplicate = "refuse",
    actor_email: str | None = None,
) -> ImportResult:
    return await import_polis(
        database=app_state(app).database,
        directory=directory,
        slug=slug,
        actor_email=actor_email,
        on_duplicate=on_duplicate,
    )


async def snapshot(app: FastAPI) -> dict[str, int]:
    """The row count of every table an import writes to: a failed one leaves them as they were."""
    return {model.__name__: await count(app, model) for model in IMPORT_TABLES}


async def statement_posts(app: FastAPI, slug: str = SLUG) -> dict[int, Post]:
    """The imported posts of a dialogue by Pol.is comment id (the opening post left out)."""
    async with app_state(app).database.session() as session:
        dialogue = (await session.exec(select(Dialogue).where(Dialogue.slug == slug))).one()
        prefix = f"polis:{dialogue.id}:"
        posts = (await session.exec(select(Post).where(Post.dialogue_id == dialogue.id))).all()
        return {
            int(str(p.client_id).removeprefix(prefix)): p
            for p in posts
            if str(p.client_id).removeprefix(prefix).isdigit()
        }
