"""The mail that no request writes: replies and mentions (from the event log), themes that
open, moderators' batches and digests. Every instance may run it; the database decides who
sends what (`MailFeed`, `MailOnce`, `MailCursor`), so nothing goes out twice.

It runs in every `serve` (and in `dialogue mail-send`). Without SMTP it runs only the event
feed, for the in-app notices of replies and mentions (their `notification` frames go out
through `broker`); the other parts are mail only. A ring from the broker (some dialogue has
new events) brings the event feed forward at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.config import Settings
from dialogue.db import Database, utcnow
from dialogue.events import publish
from dialogue.events.broker import Broker
from dialogue.notifications import digests, feed, staff_mail, theme_mail
from dialogue.wakeup import woken

log = logging.getLogger(__name__)

TICK_SECONDS = 30.0
SETTLE_SECONDS = 0.5  # after a ring, wait for its neighbours: one feed run for a burst
SLOW_EVERY = timedelta(minutes=1)  # how often the batches and digests are looked at
CHUNK = 50  # people per transaction in the batched kinds


class MailScheduler:
    def __init__(
        self, *, database: Database, settings: Settings, broker: Broker | None = None
    ) -> None:
        self.database = database
        self.settings = settings
        self.broker = broker
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_slow = utcnow() - SLOW_EVERY

    def start(self) -> None:
        self._task = asyncio.create_task(self._forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def ring(self, _channel: int, message: dict[str, object]) -> None:
        if message.get("type", "ring") == "ring":
            self._wake.set()

    async def _forever(self) -> None:
        while True:
            if await woken(self._wake, TICK_SECONDS):
                await asyncio.sleep(SETTLE_SECONDS)
            self._wake.clear()
            slow = utcnow() - self._last_slow >= SLOW_EVERY
            if slow:
                self._last_slow = utcnow()
            await self.tick(slow=slow)

    async def tick(self, *, slow: bool = True) -> int:
        """One round; how many messages it queued. Each part's failure is its own."""
        queued = 0
        parts: list[Callable[[], Awaitable[int]]] = [self.feed]
        if self.settings.smtp_url:
            parts += [self.themes]
            if slow:
                parts += [self.moderation, self.digests]
        for part in parts:
            try:
                queued += await part()
            except Exception:  # the next tick tries again; the other parts still run
                log.exception("scheduling mail (%s) failed", part.__name__)
        return queued

    async def feed(self) -> int:
        async with self.database.reader() as session:
            behind = await feed.dialogues_behind(session=session)
        queued = 0
        for dialogue_id in behind:
            queued += await feed.advance(
                database=self.database,
                settings=self.settings,
                dialogue_id=dialogue_id,
                broker=self.broker,
            )
        return queued

    async def themes(self) -> int:
        async with self.database.reader() as session:
            opening = await theme_mail.themes_opening(session=session)
        queued = 0
        for theme_id in opening:
            async with self._writing() as session:
                n = await theme_mail.announce(session, settings=self.settings, theme_id=theme_id)
                try:
                    await publish.commit(session)
                except IntegrityError:  # another instance announced it at the same moment
                    continue
                queued += n
        return queued

    async def moderation(self) -> int:
        async with self.database.reader() as session:
            people = await staff_mail.moderators(session=session)
        return await self._in_chunks(
            people,
            lambda session, user_id: staff_mail.mail_queue(
                session, settings=self.settings, user_id=user_id
            ),
        )

    async def digests(self) -> int:
        async with self.database.reader() as session:
            people = await digests.due_people(session=session)
        run = digests.DigestRun(settings=self.settings)
        return await self._in_chunks(
            people, lambda session, user_id: digests.mail_digest(session, run=run, user_id=user_id)
        )

    async def _in_chunks(self, people: list[int], mail: Callable[..., Awaitable[int]]) -> int:
        queued = 0
        for start in range(0, len(people), CHUNK):
            async with self._writing() as session:
                n = 0
                for user_id in people[start : start + CHUNK]:
                    n += await mail(session, user_id)
                try:
                    await publish.commit(session)
                except IntegrityError:  # a cursor made at once by another instance
                    continue
                queued += n
        return queued

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        """A writing session whose commit rings the broker: the outbox's senders (on any
        instance) send what it queued now rather than at their next poll, seconds later."""
        async with self.database.writing() as session:
            session.info["broker"] = self.broker
            yield session
