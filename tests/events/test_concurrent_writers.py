"""Concurrent writers: the per-dialogue `seq` stays gap-free and unique however commits interleave.

Each writer has its own connection and commits after every change, as separate requests or
separate app instances do; `asyncio.gather` runs them at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlmodel import col, select

from dialogue.accounts.models import User
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue, Theme
from dialogue.events.kinds import EventKind
from dialogue.events.models import Event
from dialogue.events.publish import commit
from dialogue.events.service import append_event
from dialogue.state import app_state
from dialogue.threads import service as threads
from dialogue.threads.models import Post, ReactionKind, Thread
from tests.dialogues.cast import db, make_cast, new_thread
from tests.factories import Factory

WRITERS = 8
EACH = 25
KINDS = list(ReactionKind)


@dataclass(frozen=True)
class Scene:
    dialogue_id: int
    theme_id: int
    thread_id: int
    post_id: int
    writer_ids: list[int]


async def scene(factory: Factory, client: AsyncClient) -> Scene:
    """A thread in an open theme, and WRITERS participants who have accepted the code."""
    cast = await make_cast(factory, roles=("participant",), extra_participants=WRITERS - 2)
    thread = await new_thread(client, cast, "participant")
    writers = [cast.uid("participant"), cast.uid("participant2")]
    writers += [cast.uid(f"participant{n + 3}") for n in range(WRITERS - 2)]
    return Scene(
        dialogue_id=cast.dialogue.id or 0,
        theme_id=cast.theme.id or 0,
        thread_id=thread["id"],
        post_id=thread["post"]["id"],
        writer_ids=writers,
    )


async def write(database: Database, at: Scene, writer: int) -> None:
    """EACH changes through the services, one transaction each: posts, or reaction changes."""
    user_id = at.writer_ids[writer]
    async with database.session() as session:
        dialogue = await session.get(Dialogue, at.dialogue_id)
        theme = await session.get(Theme, at.theme_id)
        thread = await session.get(Thread, at.thread_id)
        user = await session.get(User, user_id)
        post = await session.get(Post, at.post_id)
        membership = await dialogues.get_membership(
            session=session, dialogue_id=at.dialogue_id, user_id=user_id
        )
        assert dialogue and theme and thread and user and post and membership
        for n in range(EACH):
            if writer % 2:
                await threads.set_reaction(
                    session=session, post=post, user=user, kind=KINDS[n % len(KINDS)]
                )
            else:
                await threads.create_post(
                    session=session,
                    dialogue=dialogue,
                    theme=theme,
                    thread=thread,
                    user=user,
                    membership=membership,
                    body=f"Writer {writer}, contribution {n}.",
                    parent_id=at.post_id,
                    client_id=f"w{writer}-{n}",
                    restricted=False,
                )
            await commit(session)


async def assert_gap_free(app: FastAPI, at: Scene, expected_events: int) -> None:
    async with db(app).session() as session:
        seqs = list(
            (
                await session.exec(
                    select(Event.seq)
                    .where(Event.dialogue_id == at.dialogue_id)
                    .order_by(col(Event.seq))
                )
            ).all()
        )
        dialogue = await session.get(Dialogue, at.dialogue_id)
        thread = await session.get(Thread, at.thread_id)
        opening = await session.get(Post, at.post_id)
        assert dialogue and thread and opening
        assert len(seqs) == expected_events
        assert seqs == list(range(1, expected_events + 1)), "duplicate or missing seq"
        assert dialogue.last_seq == expected_events
        posts = 1 + (WRITERS // 2) * EACH
        assert thread.post_count == posts, "a concurrent post was lost from the count"
        assert opening.reply_count == posts - 1


async def events_before(app: FastAPI, at: Scene) -> int:
    async with db(app).session() as session:
        dialogue = await session.get(Dialogue, at.dialogue_id)
        assert dialogue is not None
        return dialogue.last_seq


class TestConcurrentWritersThroughThePool:
    async def test_eight_writers_at_once_leave_seq_gap_free(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        at = await scene(factory, client)
        start = await events_before(app, at)
        database: Database = app_state(app).database
        await asyncio.gather(*(write(database, at, w) for w in range(WRITERS)))
        await assert_gap_free(app, at, start + WRITERS * EACH)


@pytest.mark.postgres_only
class TestConcurrentInstancesOnPostgres:
    async def test_eight_engines_at_once_leave_seq_gap_free(
        self, client: AsyncClient, app: FastAPI, factory: Factory, settings: Settings, db_kind: str
    ) -> None:
        assert db_kind == "postgresql"
        at = await scene(factory, client)
        start = await events_before(app, at)
        # One engine per writer, as separate app instances would have.
        engines = [Database(settings) for _ in range(WRITERS)]
        try:
            await asyncio.gather(*(write(engines[w], at, w) for w in range(WRITERS)))
        finally:
            for engine in engines:
                await engine.dispose()
        await assert_gap_free(app, at, start + WRITERS * EACH)


class TestAFailedTransactionLeavesNoGap:
    async def test_a_rolled_back_event_gives_its_seq_to_the_next(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        at = await scene(factory, client)
        start = await events_before(app, at)
        async with db(app).session() as session:
            event = await append_event(
                session=session,
                dialogue_id=at.dialogue_id,
                kind=EventKind.REPORT_UPDATED,
                data={"state": "draft", "review_round": 1},
            )
            assert event.seq == start + 1
            await session.rollback()
        async with db(app).session() as session:
            event = await append_event(
                session=session,
                dialogue_id=at.dialogue_id,
                kind=EventKind.REPORT_COMMENTED,
                data={"comment_id": None, "theme_id": None},
            )
            await commit(session)
            assert event.seq == start + 1
        async with db(app).session() as session:
            kinds = (await session.exec(select(Event.kind).where(Event.seq > start))).all()
            assert list(kinds) == [EventKind.REPORT_COMMENTED]
