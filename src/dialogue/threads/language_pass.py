"""Posts with no language get one: a pass in batches, at each start and by command.

Posts written before posts recorded their language, and posts restored from a version 1
archive or imported from Pol.is, have none: they show no "Translate" (an engine needs the
source language) and no `lang` attribute until then. The pass gives each the language a new
post gets (a guess from its text, else its author's interface language, else "und", BCP
47's "undetermined", so that no post is looked at twice). It reads a batch, guesses in a
worker thread, and writes in a short transaction of its own, so requests and other writers
go on between batches. Two instances running it at once only repeat a guess: a post that
has a language is never changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from sqlalchemy import bindparam, func, update
from sqlmodel import col, select

from dialogue.accounts.models import User
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.threads.languages import UNDETERMINED, detect_language
from dialogue.threads.models import Post

log = logging.getLogger(__name__)

BATCH = 500  # about 35 ms of guessing (70 µs a post)
PAUSE_SECONDS = 0.05  # between batches: SQLite's single write lock is free for others
# A starting server serves first; tests, which start an app per test, never meet the pass.
START_DELAY_SECONDS = 5.0

_POSTS = Post.__table__  # type: ignore[attr-defined]
_SET_LANG = (
    update(_POSTS)
    .where(_POSTS.c.id == bindparam("post_id"), _POSTS.c.lang.is_(None))
    .values(lang=bindparam("guess"))
)


def guesses(rows: Sequence[tuple[int, str, str | None]]) -> list[dict[str, object]]:
    """Each post's language, as the writers guess a new post's (CPU only: run in a thread)."""
    return [
        {"post_id": post_id, "guess": detect_language(body, fallback=language or UNDETERMINED)}
        for post_id, body, language in rows
    ]


async def last_post_id(database: Database) -> int:
    """The newest post's id: a pass covers the posts up to it, written before it began."""
    async with database.session() as session:
        newest = (await session.exec(select(func.max(Post.id)))).one()
    return newest or 0


async def detect_batch(
    database: Database, *, after_id: int, up_to: int, limit: int
) -> tuple[int, int] | None:
    """Give up to `limit` posts with no language, after `after_id` and up to `up_to`, one;
    how many and the last one's id, or None when there were none left."""
    query = (
        select(Post.id, Post.body, User.language)
        .outerjoin(User, col(User.id) == Post.author_id)
        .where(col(Post.lang).is_(None), col(Post.id) > after_id, col(Post.id) <= up_to)
        .order_by(col(Post.id))
        .limit(limit)
    )
    async with database.session() as session:
        rows = [
            (post_id or 0, body, language) for post_id, body, language in await session.exec(query)
        ]
    if not rows:
        return None
    found = await asyncio.to_thread(guesses, rows)
    async with database.writing() as session:
        await session.exec(_SET_LANG, params=found)
        await session.commit()
    return len(rows), rows[-1][0]


async def detect_missing_languages(
    database: Database,
    *,
    up_to: int | None = None,
    batch: int = BATCH,
    pause: float = PAUSE_SECONDS,
) -> int:
    """Give every post with no language (up to id `up_to`, else the newest) one, batch by
    batch; how many posts were looked at."""
    if up_to is None:
        up_to = await last_post_id(database)
    done, after_id = 0, 0
    while found := await detect_batch(database, after_id=after_id, up_to=up_to, limit=batch):
        count, after_id = found
        done += count
        await asyncio.sleep(pause)
    return done


async def run_once(settings: Settings) -> int:
    """The command's pass: every post with no language now, in this process."""
    database = Database(settings)
    try:
        return await detect_missing_languages(database)
    finally:
        await database.dispose()


class LanguagePass:
    """The pass an app runs in the background once it has started."""

    def __init__(self, database: Database, *, delay: float | None = None) -> None:
        self.database = database
        self.delay = START_DELAY_SECONDS if delay is None else delay
        self.task: asyncio.Task[int] | None = None

    async def start(self) -> None:
        """Note the newest post now, before any request: posts written from here on get
        their language from their writer."""
        up_to = await last_post_id(self.database)
        if up_to:
            self.task = asyncio.create_task(self._run(up_to))

    async def _run(self, up_to: int) -> int:
        await asyncio.sleep(self.delay)
        try:
            done = await detect_missing_languages(self.database, up_to=up_to)
        except Exception:  # a failed pass costs translations, not the server; next start retries
            log.exception("the pass giving old posts a language stopped")
            return 0
        if done:
            log.info("gave %d posts without a language one", done)
        return done

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
