"""The post writer: many replies per transaction, each refused or written on its own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import text
from sqlmodel import col, select

from dialogue.db import utcnow
from dialogue.dialogues import service as dialogues
from dialogue.errors import Conflict, Forbidden, NotFound
from dialogue.events.models import Event
from dialogue.state import app_state
from dialogue.threads.models import Post, Thread
from dialogue.threads.writer import NewReply, PostWriter, Written
from tests.dialogues.cast import Cast, db, make_cast, new_thread, rows
from tests.factories import Factory
from tests.helpers import listening

HUGE = 2**63


def writer_of(app: FastAPI) -> PostWriter:
    writer: PostWriter = app_state(app).post_writer
    return writer


def reply(cast: Cast, who: str, thread_id: int, **fields: Any) -> NewReply:
    values: dict[str, Any] = {"body": f"A reply by {who}.", "client_id": str(uuid.uuid4())}
    return NewReply(user_id=cast.uid(who), thread_id=thread_id, **(values | fields))


@contextmanager
def counted_commits(app: FastAPI) -> Iterator[list[int]]:
    commits: list[int] = []

    def count(_connection: Any) -> None:
        commits.append(1)

    with listening(app, "commit", count):
        yield commits


async def post_created_seqs(app: FastAPI, dialogue_id: int) -> list[int]:
    async with db(app).session() as session:
        found = await session.exec(
            select(Event.seq)
            .where(Event.dialogue_id == dialogue_id, Event.kind == "post.created")
            .order_by(col(Event.seq))
        )
        return list(found.all())


class TestGroupCommit:
    async def test_concurrent_replies_share_transactions_and_all_commit(
        self, app: FastAPI, factory: Factory, client: AsyncClient
    ) -> None:
        cast = await make_cast(factory, roles=("participant",), extra_participants=10)
        thread_id = int((await new_thread(client, cast, "participant"))["id"])
        people = ["participant", "participant2", *(f"participant{n + 3}" for n in range(10))]
        replies = [reply(cast, people[n % len(people)], thread_id) for n in range(40)]
        before = await post_created_seqs(app, cast.dialogue.id or 0)
        with counted_commits(app) as commits:
            written = await asyncio.gather(*(writer_of(app).write(r) for r in replies))
        assert all(w.created for w in written)
        assert len({w.post.id for w in written}) == 40
        assert len(commits) < 40 / 2, "the replies were not written in shared transactions"
        seqs = (await post_created_seqs(app, cast.dialogue.id or 0))[len(before) :]
        assert seqs == list(range(seqs[0], seqs[0] + 40))  # one event each, no gap
        async with db(app).session() as session:
            thread = await session.get(Thread, thread_id)
            assert thread is not None and thread.post_count == 41

    async def test_a_refused_reply_leaves_the_others_of_its_batch_written(
        self, app: FastAPI, factory: Factory, client: AsyncClient
    ) -> None:
        cast = await make_cast(factory, roles=("participant",), extra_participants=4)
        thread_id = int((await new_thread(client, cast, "participant"))["id"])
        async with factory.session() as session:
            membership = await dialogues.get_membership(
                session=session, dialogue_id=cast.dialogue.id or 0, user_id=cast.uid("participant3")
            )
            assert membership is not None
            membership.muted_until = utcnow() + timedelta(hours=1)
            session.add(membership)
            await session.commit()
        batch = [
            reply(cast, "participant", thread_id),
            reply(cast, "participant3", thread_id),  # muted
            reply(cast, "outsider", thread_id, body="Not a member."),
            reply(cast, "participant4", thread_id, body="   "),  # empty
            reply(cast, "participant5", thread_id, parent_id=10**6),  # no such parent
            reply(cast, "participant6", thread_id + 1000),  # no such thread
            reply(cast, "participant2", thread_id),
        ]
        posts_before, events_before = await rows(app, Post), await rows(app, Event)
        outcomes = await asyncio.gather(
            *(writer_of(app).write(r) for r in batch), return_exceptions=True
        )
        assert isinstance(outcomes[0], Written) and isinstance(outcomes[6], Written)
        assert await rows(app, Event) == events_before + 2  # refusals leave no trace
        assert isinstance(outcomes[1], Forbidden) and outcomes[1].code == "muted"
        assert isinstance(outcomes[2], Forbidden)
        assert [type(o).__name__ for o in outcomes[3:6]] == ["Invalid", "Invalid", "NotFound"]
        assert await rows(app, Post) == posts_before + 2
        async with db(app).session() as session:
            thread = await session.get(Thread, thread_id)
            assert thread is not None and thread.post_count == 3

    async def test_a_refusal_reads_in_each_callers_language(
        self, app: FastAPI, factory: Factory, client: AsyncClient
    ) -> None:
        """The writer's task runs in the lifespan's language; each refusal is the caller's."""
        cast = await make_cast(factory, roles=("participant",), extra_participants=1)
        thread_id = int((await new_thread(client, cast, "participant"))["id"])
        async with factory.session() as session:
            membership = await dialogues.get_membership(
                session=session, dialogue_id=cast.dialogue.id or 0, user_id=cast.uid("participant2")
            )
            assert membership is not None
            membership.muted_until = utcnow() + timedelta(hours=1)
            session.add(membership)
            await session.commit()
        headers = await factory.auth(cast.users["participant2"])
        answers = {}
        for language in ("fr", "es", "en"):  # the profile's language governs the answers
            changed = await client.patch("/api/v1/me", json={"language": language}, headers=headers)
            assert changed.status_code == 200, changed.text
            response = await client.post(
                f"/api/v1/threads/{thread_id}/posts", json={"body": "Encore."}, headers=headers
            )
            assert response.status_code == 403, response.text
            answers[language] = response.json()["error"]["message"]
        assert answers == {
            "fr": "Votre participation à ce dialogue est suspendue pour le moment.",
            "es": answers["es"],
            "en": "You are muted in this dialogue for now.",
        }
        assert answers["es"] not in (answers["en"], answers["fr"])

    @pytest.mark.sqlite_only  # a trigger makes the database itself refuse one row
    async def test_a_reply_the_database_refuses_fails_alone(
        self, app: FastAPI, factory: Factory, client: AsyncClient
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = int((await new_thread(client, cast, "participant"))["id"])
        async with factory.session() as session:
            await session.exec(  # type: ignore[call-overload]
                text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON post WHEN NEW.body = 'refused' "
                    "BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END"
                )
            )
            await session.commit()
        batch = [
            reply(cast, "participant", thread_id),
            reply(cast, "participant2", thread_id, body="refused"),
            reply(cast, "participant2", thread_id),
        ]
        posts_before = await rows(app, Post)
        outcomes = await asyncio.gather(
            *(writer_of(app).write(r) for r in batch), return_exceptions=True
        )
        assert isinstance(outcomes[0], Written) and isinstance(outcomes[2], Written)
        assert "refused by trigger" in str(outcomes[1])
        assert await rows(app, Post) == posts_before + 2
        assert await rows(app, Post, col(Post.body) == "refused") == 0


class TestIdempotency:
    async def test_the_same_client_id_twice_in_one_batch_is_one_post(
        self, app: FastAPI, factory: Factory, client: AsyncClient
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = int((await new_thread(client, cast, "participant"))["id"])
        same = reply(cast, "participant", thread_id, client_id="retry-1")
        first, again = await asyncio.gather(writer_of(app).write(same), writer_of(app).write(same))
        assert (first.created, again.created) == (True, False)
        assert first.post.id == again.post.id
        assert await rows(app, Post, col(Post.client_id) == "retry-1") == 1

    @pytest.mark.sqlite_only  # holds SQLite's writer queue to line the replies up
    async def test_a_caller_that_gave_up_is_not_written(
        self, app: FastAPI, factory: Factory, client: AsyncClient
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = int((await new_thread(client, cast, "participant"))["id"])
        lock: asyncio.Lock = app_state(app).database.write_lock
        kept = reply(cast, "participant", thread_id)
        dropped = reply(cast, "participant2", thread_id)
        async with lock:
            first = asyncio.create_task(writer_of(app).write(kept))
            await asyncio.sleep(0.05)  # the writer has taken it and waits for the lock
            gone = asyncio.create_task(writer_of(app).write(dropped))
            await asyncio.sleep(0.01)
            gone.cancel()
        assert (await first).created
        with pytest.raises(asyncio.CancelledError):
            await gone
        await writer_of(app).write(reply(cast, "participant", thread_id))  # the queue moved on
        assert await rows(app, Post, col(Post.client_id) == dropped.client_id) == 0


class TestOneRepliesDataFailsOnlyItself:
    """Issue item 6: an id of 2**63 in one reply failed the rights read of its whole batch."""

    async def test_an_oversized_id_is_refused_alone(
        self, app: FastAPI, factory: Factory, client: AsyncClient
    ) -> None:
        cast = await make_cast(factory, roles=("participant",), extra_participants=4)
        thread_id = int((await new_thread(client, cast, "participant"))["id"])
        batch = [
            reply(cast, "outsider", HUGE),
            reply(cast, "participant", thread_id, parent_id=HUGE),
            *(reply(cast, f"participant{n + 3}", thread_id) for n in range(4)),
        ]
        outcomes = await asyncio.gather(
            *(writer_of(app).write(r) for r in batch), return_exceptions=True
        )
        assert [type(o).__name__ for o in outcomes[:2]] == ["NotFound", "NotFound"]
        assert all(isinstance(o, Written) and o.created for o in outcomes[2:]), outcomes

    async def test_a_batch_that_fails_as_a_whole_is_written_reply_by_reply(
        self, app: FastAPI, factory: Factory, client: AsyncClient
    ) -> None:
        """Defence in depth: a bad reply that reached a batch (past `check_reply`) still
        fails nobody else's."""
        cast = await make_cast(factory, roles=("participant",), extra_participants=4)
        thread_id = int((await new_thread(client, cast, "participant"))["id"])
        writer = writer_of(app)
        loop = asyncio.get_running_loop()
        batch = [
            reply(cast, "outsider", HUGE),
            *(reply(cast, f"participant{n + 3}", thread_id) for n in range(4)),
        ]
        futures: list[asyncio.Future[Written]] = []
        for item in batch:  # queued together, so the writer takes them as one batch
            futures.append(loop.create_future())
            writer._queue.put_nowait((item, futures[-1]))
        outcomes = await asyncio.gather(*futures, return_exceptions=True)
        assert isinstance(outcomes[0], Exception) and not isinstance(outcomes[0], Written)
        assert all(isinstance(o, Written) and o.created for o in outcomes[1:]), outcomes


class TestOverHttp:
    async def test_more_concurrent_posts_than_connections_all_succeed(
        self, app: FastAPI, factory: Factory, client: AsyncClient
    ) -> None:
        """A request waiting for the writer holds no database connection meanwhile."""
        cast = await make_cast(factory, roles=("participant",), extra_participants=40)
        thread_id = int((await new_thread(client, cast, "participant"))["id"])
        responses = await asyncio.gather(
            *(
                client.post(
                    f"/api/v1/threads/{thread_id}/posts",
                    json={"body": f"Reply {n}"},
                    headers=cast.h(f"participant{n + 3}"),
                )
                for n in range(40)
            )
        )
        assert [r.status_code for r in responses] == [201] * 40
        assert {r.json()["body"] for r in responses} == {f"Reply {n}" for n in range(40)}

    async def test_a_non_member_learns_nothing_from_the_writer(
        self, app: FastAPI, factory: Factory, client: AsyncClient
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread_id = int((await new_thread(client, cast, "participant"))["id"])
        with pytest.raises(NotFound):
            await writer_of(app).write(
                reply(cast, "participant", thread_id, dialogue_id=(cast.dialogue.id or 0) + 1)
            )
        with pytest.raises((Forbidden, Conflict)):
            await writer_of(app).write(
                NewReply(user_id=cast.uid("outsider"), thread_id=thread_id, body="Hello")
            )
