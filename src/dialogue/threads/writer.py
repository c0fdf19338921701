"""The post writer: new replies from every socket and API client, several per transaction.

Each reply alone is cheap; what made one post cost milliseconds was everything around it,
once per post: queuing for the write lock, BEGIN, COMMIT, the broker's ring and the hub's
read of the new event. One task takes the replies in arrival order and writes all those
waiting into one transaction, each in its own savepoint, so one refused reply never undoes
the others; nobody is answered before the commit that holds their post (group commit, as
databases do for their own log). Under light load a batch is one reply and nothing waits
longer than it did; under heavy load the fixed costs are shared by the whole batch.

Rights are read inside the batch's transaction, so a mute or a ban committed before it
applies to every reply in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.access import standing_of
from dialogue.accounts.models import User
from dialogue.db import Database
from dialogue.errors import Forbidden, NotFound
from dialogue.events.broker import Broker
from dialogue.events.publish import commit
from dialogue.i18n import gettext as _
from dialogue.policy import Action, Viewer, can
from dialogue.threads import queries, service
from dialogue.threads.guards import visible_thread
from dialogue.threads.presenters import PostFields

log = logging.getLogger(__name__)

MAX_BATCH = 64  # bounds how long the first reply of a batch waits for the last one's work


@dataclass(frozen=True, slots=True)
class NewReply:
    """A reply as it arrives, before anything about its author or thread has been checked."""

    user_id: int
    thread_id: int
    body: str
    parent_id: int | None = None
    client_id: str | None = None
    anonymous: bool = False
    quote_consent: str | None = None
    dialogue_id: int | None = None  # a socket's dialogue: its replies may go nowhere else


@dataclass(frozen=True, slots=True)
class Written:
    post: PostFields
    author: User
    viewer: Viewer
    created: bool  # False: the same `client_id` was written before, this is that post


class PostWriter:
    """One per app instance, started and stopped by its lifespan."""

    def __init__(self, database: Database, broker: Broker) -> None:
        self.database = database
        self.broker = broker
        self._queue: asyncio.Queue[tuple[NewReply, asyncio.Future[Written]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="post-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        while not self._queue.empty():
            _reply, future = self._queue.get_nowait()
            if not future.done():
                future.cancel()

    async def write(self, reply: NewReply) -> Written:
        """Queue the reply and wait until it is committed, or refused with a `DialogueError`."""
        if self._task is None or self._task.done():
            raise RuntimeError("the post writer is not running")
        future: asyncio.Future[Written] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((reply, future))
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            # A caller that gave up (its client went away) is not written for: its client
            # retries with the same `client_id` when it comes back.
            batch = [(reply, future) for reply, future in batch if not future.done()]
            if batch:
                await self._write_batch(batch)

    async def _write_batch(self, batch: list[tuple[NewReply, asyncio.Future[Written]]]) -> None:
        outcomes: list[tuple[asyncio.Future[Written], Written | BaseException]] = []
        try:
            async with self.database.writing() as session:
                session.info["broker"] = self.broker
                connection = await session.connection()
                for reply, future in batch:
                    # A plain savepoint: the ORM's nested transaction cost a third of a post.
                    # The replies only read through the ORM, so it has nothing to undo.
                    await connection.exec_driver_sql("SAVEPOINT reply")
                    outcome: Written | BaseException
                    try:
                        outcome = await write_reply(session, reply)
                    except Exception as exc:  # refused or failed alone: its savepoint is undone
                        await connection.exec_driver_sql("ROLLBACK TO SAVEPOINT reply")
                        outcome = exc
                    await connection.exec_driver_sql("RELEASE SAVEPOINT reply")
                    outcomes.append((future, outcome))
                await commit(session)
        except Exception as exc:  # nothing of the batch was committed: everyone is told so
            log.warning("post batch of %d failed: %r", len(batch), exc)
            for _reply, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for future, outcome in outcomes:
            if future.done():
                continue
            if isinstance(outcome, BaseException):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


async def write_reply(session: AsyncSession, reply: NewReply) -> Written:
    """Check the author's rights as they stand in this transaction, then add the post."""
    found = await queries.posting_context(
        session=session, user_id=reply.user_id, thread_id=reply.thread_id
    )
    if found is None or (reply.dialogue_id is not None and found.dialogue.id != reply.dialogue_id):
        raise NotFound(_("Not found."))
    user, membership, dialogue = found.user, found.membership, found.dialogue
    standing = standing_of(user, membership, dialogue)
    if not can(Action.POST_CREATE, standing):
        raise Forbidden(_("You are not allowed to do this."))
    viewer = Viewer(user_id=user.id, role=standing.effective_role)
    thread = visible_thread(found.thread, viewer)
    post, created = await service.create_post(
        session=session,
        dialogue=dialogue,
        theme=found.theme,
        thread=thread,
        user=user,
        membership=membership,
        body=reply.body,
        parent_id=reply.parent_id,
        client_id=reply.client_id,
        anonymous=reply.anonymous,
        quote_consent=reply.quote_consent,
    )
    return Written(post=post, author=user, viewer=viewer, created=created)
