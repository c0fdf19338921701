"""Posts embedded in the background as they are published, so a first report finds them cached.

Embedding is most of a first report's time (about 4 ms of CPU per post, docs/performance.md):
79 s for a 20,000-post dialogue if the report pays it. So each instance runs a warmer, off
every request's path. A ring from the broker (some dialogue has a new event: a post written,
edited, approved or shown again) wakes it; after a moment's settling it reads the
published posts created, edited or moderated since its last look and embeds their texts in
a worker thread, in small batches with a pause between them so that requests and report
jobs keep their share of the CPU. On start it looks at every published post once: what the
disk cache already holds costs a lookup.

The cache (`embeddings`) is keyed by the model and the text, so an edited post is simply a
new text, embedded again at its next look, and a post read by every instance is computed by
each at most once. The texts are the ones the report reads (`loader.plain`), so the report
finds exactly these keys.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlalchemy import select as select_columns
from sqlmodel import col

from dialogue.db import Database, utcnow
from dialogue.synthesis import embeddings
from dialogue.synthesis.loader import plain
from dialogue.threads.models import Post, PostStatus
from dialogue.wakeup import woken

log = logging.getLogger(__name__)

TICK_SECONDS = 300.0  # a look even without a ring: a ring lost with a Redis blip is caught up
SETTLE_SECONDS = 2.0  # after a ring, wait for its neighbours: one look for a burst of posts
CHUNK = 2000  # posts read per query
BATCH = 64  # texts embedded per step in the worker thread (about a quarter of a second)
PAUSE_SECONDS = 0.05  # between steps: the event loop and the report jobs get the CPU back
# Each look starts this far before the last one began: a post stamped before that moment but
# committed after it is still seen. Posts looked at twice cost a lookup in memory.
OVERLAP = timedelta(minutes=5)


async def warm(database: Database, *, since: datetime | None = None) -> int:
    """Embed the published posts created, edited or moderated since `since` (every one when
    None); how many texts the cache did not hold yet."""
    new = 0
    after = 0
    while True:
        async with database.reader() as session:
            query = (
                select_columns(col(Post.id), col(Post.body_html))
                .where(col(Post.status) == PostStatus.PUBLISHED, col(Post.id) > after)
                .order_by(col(Post.id))
                .limit(CHUNK)
            )
            if since is not None:
                query = query.where(
                    or_(
                        col(Post.created_at) >= since,
                        col(Post.edited_at) >= since,
                        col(Post.moderated_at) >= since,
                    )
                )
            rows = list((await session.exec(query)).all())  # type: ignore[call-overload]
        if not rows:
            return new
        after = rows[-1][0]
        texts = [plain(body) for _id, body in rows]
        for start in range(0, len(texts), BATCH):
            new += await asyncio.to_thread(embeddings.warm, texts[start : start + BATCH])
            await asyncio.sleep(PAUSE_SECONDS)


class EmbeddingWarmer:
    """One instance's background embedding: woken by the broker, at most one look at a time."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.embedded = 0  # texts embedded since start (the rest were cached already)
        self._since: datetime | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if embeddings.available():  # without the package the report uses TF-IDF: nothing to warm
            self._wake.set()  # the first look covers every published post
            self._task = asyncio.create_task(self._forever())

    def ring(self, _channel: int, message: dict[str, Any]) -> None:
        """A broker listener: some dialogue has new events (presence and typing are not)."""
        if message.get("type", "ring") == "ring":
            self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _forever(self) -> None:
        while True:
            if await woken(self._wake, TICK_SECONDS):
                await asyncio.sleep(SETTLE_SECONDS)
            self._wake.clear()
            try:
                await self.look()
            except Exception:  # a database blip: the next ring or tick looks again
                log.exception("embedding posts in the background failed")

    async def look(self) -> int:
        """Embed what changed since the last look began; how many texts were new."""
        began = utcnow()
        new = await warm(self.database, since=self._since)
        self._since = began - OVERLAP
        self.embedded += new
        return new
