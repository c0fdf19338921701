"""The post writer: new replies from every socket and API client, several per transaction.

Each reply alone is cheap; what made one post cost milliseconds was everything around it,
once per post: queuing for the write lock, BEGIN, COMMIT, the broker's ring and the hub's
read of the new event. One task takes the replies in arrival order and writes all those
waiting into one transaction; nobody is answered before the commit that holds their post
(group commit, as databases do for their own log). A refused reply writes nothing, so it
undoes nothing; one the database fails takes the transaction with it, and the others are
written again without it. Under light load a batch is one reply and nothing waits
longer than it did; under heavy load the fixed costs are shared by the whole batch.

Rights are read inside the batch's transaction, so a mute or a ban committed before it
applies to every reply in it. A reply's own data (its ids, its text) is checked alone before
it joins a batch, and a batch whose shared reads fail is written again one reply at a time,
so one client's bad reply can never fail another's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, replace

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.bounds import MAX_ID, refuse_control
from dialogue.db import Database
from dialogue.dialogues.standing import standing_of
from dialogue.errors import DialogueError, Forbidden, NotFound, is_busy
from dialogue.events.broker import Broker
from dialogue.events.publish import commit
from dialogue.i18n import current_language, translating
from dialogue.i18n import gettext as _
from dialogue.logs import error_summary
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
    content_warning: str | None = None
    lang: str | None = None  # None: guessed from the body
    dialogue_id: int | None = None  # a socket's dialogue: its replies may go nowhere else
    # The caller's language: the writer's task has the lifespan's, and a refusal must read
    # in the language of whoever sent the reply. Set by `PostWriter.write`.
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Written:
    post: PostFields
    author: User
    viewer: Viewer
    created: bool  # False: the same `client_id` was written before, this is that post


# Which reply of a batch the database failed on (None: the transaction itself; SHARED: the
# reads all its replies share), and how.
Failure = tuple[int | None, Exception]
SHARED = -1


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
        check_reply(reply)  # alone, before it joins a batch: its data can fail only itself
        future: asyncio.Future[Written] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((replace(reply, language=current_language()), future))
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
        pending = batch
        while pending:
            outcomes, failed = await self._attempt(pending)
            if failed is None:
                for future, outcome in outcomes:
                    if future.done():
                        continue
                    if isinstance(outcome, DialogueError):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
                return
            index, exc = failed
            if index == SHARED and len(pending) > 1 and not is_busy(exc):
                # Nothing says whose data failed the reads the replies share: each is
                # written alone, so it can fail only its own.
                for item in pending:
                    await self._write_batch([item])
                return
            if index is None or index == SHARED:  # nothing was committed: all are told so
                log.warning("post batch of %d failed: %s", len(pending), error_summary(exc))
                for _reply, future in pending:
                    if not future.done():
                        future.set_exception(exc)
                return
            # One reply failed in the database: the transaction is gone, so the others are
            # written again without it (refusals never get here: they write nothing).
            future = pending[index][1]
            if not future.done():
                future.set_exception(exc)
            pending = pending[:index] + pending[index + 1 :]

    async def _attempt(
        self, batch: list[tuple[NewReply, asyncio.Future[Written]]]
    ) -> tuple[list[tuple[asyncio.Future[Written], Written | DialogueError]], Failure | None]:
        """One transaction for the batch; which reply failed in the database, if one did."""
        outcomes: list[tuple[asyncio.Future[Written], Written | DialogueError]] = []
        try:
            async with self.database.writing() as session:
                session.info["broker"] = self.broker
                try:
                    contexts = await queries.posting_contexts(
                        session=session, pairs=[(r.user_id, r.thread_id) for r, _f in batch]
                    )
                except Exception as exc:  # leaving the block rolls the batch back
                    return [], (SHARED, exc)
                for index, (reply, future) in enumerate(batch):
                    context = contexts.get((reply.user_id, reply.thread_id))
                    try:
                        with translating(reply.language or current_language()):
                            outcome: Written | DialogueError = await write_reply(
                                session, reply, context
                            )
                    except DialogueError as exc:  # refused before writing anything
                        outcome = exc
                    except Exception as exc:  # leaving the block rolls the batch back
                        return [], (index, exc)
                    outcomes.append((future, outcome))
                await commit(session)
        except Exception as exc:
            return [], (None, exc)
        return outcomes, None


def check_reply(reply: NewReply) -> None:
    """What a reply's own data must meet before anything reads the database for it."""
    ids = (reply.user_id, reply.thread_id, reply.parent_id, reply.dialogue_id)
    if any(key is not None and not 1 <= key <= MAX_ID for key in ids):
        raise NotFound(_("Not found."))
    service.validate_body(reply.body)
    if reply.client_id is not None:
        refuse_control(reply.client_id, "client_id", single_line=True)


async def write_reply(
    session: AsyncSession, reply: NewReply, found: queries.PostingContext | None
) -> Written:
    """Check the author's rights as they stand in this transaction, then add the post."""
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
        restricted=found.restricted,
        anonymous=reply.anonymous,
        quote_consent=reply.quote_consent,
        content_warning=reply.content_warning,
        lang=reply.lang,
    )
    return Written(post=post, author=user, viewer=viewer, created=created)
