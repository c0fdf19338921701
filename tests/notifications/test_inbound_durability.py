"""A reply answered 250 is never lost: it is stored first, and a receiver that dies before
posting it leaves it for the next start, which posts it exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from email.message import EmailMessage

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlmodel import col, select, update

from dialogue.config import Settings
from dialogue.db import as_utc, utcnow
from dialogue.notifications.inbound import stored
from dialogue.notifications.models import InboundMessage
from dialogue.notifications.reply_tokens import reply_address
from tests.dialogues.cast import Cast, db, make_cast, new_thread
from tests.factories import Factory
from tests.notifications.mail_replies import DOMAIN, deliver, posts_in, reply_mail, reply_server
from tests.notifications.smtp_sink import SmtpSink

TAKE = "dialogue.notifications.inbound.server.take_reply"


class Died(BaseException):
    """The receiver's process ending mid-way: nothing after it runs, no handler catches it."""


@pytest.fixture
def settings(database_url: str, smtp: SmtpSink) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret",
        base_url="http://testserver",
        smtp_url=smtp.url,
        mail_from="Dialogue <noreply@dialogue.example>",
        mail_reply_domain=DOMAIN,
    )


async def a_reply(client: AsyncClient, factory: Factory, settings: Settings) -> tuple[Cast, int]:
    cast = await make_cast(factory, roles=("participant",))
    thread_id = int((await new_thread(client, cast, "participant"))["id"])
    return cast, thread_id


def mail_for(settings: Settings, cast: Cast, thread_id: int, text: str) -> EmailMessage:
    to = reply_address(settings, user_id=cast.uid("participant2"), thread_id=thread_id)
    assert to is not None
    return reply_mail(sender=cast.users["participant2"].email, to=to, text=text)


async def rows(app: FastAPI) -> list[InboundMessage]:
    async with db(app).session() as session:
        found = await session.exec(select(InboundMessage).order_by(col(InboundMessage.created_at)))
        return list(found.all())


async def taken(app: FastAPI) -> None:
    for _wait in range(500):
        if [row.state for row in await rows(app)] == ["running"]:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no receiver took the message")


async def bodies(app: FastAPI, thread_id: int) -> list[str]:
    return [p.body for p in await posts_in(app, thread_id)][1:]


class TestInterrupted:
    async def test_a_receiver_dying_after_the_250_loses_nothing_and_posts_once(
        self,
        app: FastAPI,
        factory: Factory,
        client: AsyncClient,
        settings: Settings,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        cast, thread_id = await a_reply(client, factory, settings)
        mail = mail_for(settings, cast, thread_id, "Kept through a crash.")

        async def dies(*_args: object, **_kwargs: object) -> str:
            raise Died

        with monkeypatch.context() as patched:
            patched.setattr(TAKE, dies)
            async with reply_server(app) as server:
                errors, answer = await deliver(server.port, mail)
                assert errors == {} and answer.startswith("2.0.0")
                await taken(app)  # by a worker, which dies on it
        assert await bodies(app, thread_id) == []
        [row] = await rows(app)
        assert row.state == "running" and row.raw and row.recipients  # as it was left
        async with db(app).session() as session:  # its dead receiver's lease runs out
            await session.exec(
                update(InboundMessage).values(lease_until=utcnow() - timedelta(seconds=1))
            )
            await session.commit()
        for _start in range(2):  # the next start posts it; the one after finds nothing to do
            async with reply_server(app) as server:
                await server.handler.drain()
            assert await bodies(app, thread_id) == ["Kept through a crash."]
        [row] = await rows(app)
        assert (row.state, row.outcome, row.raw, row.recipients) == ("done", "posted", None, [])

    async def test_a_message_stored_and_never_taken_is_posted_on_start(
        self, app: FastAPI, factory: Factory, client: AsyncClient, settings: Settings
    ) -> None:
        cast, thread_id = await a_reply(client, factory, settings)
        mail = mail_for(settings, cast, thread_id, "Stored, then the power went.")
        assert await stored.store(
            db(app),
            sender=cast.users["participant2"].email,
            recipients=[str(mail["To"])],
            raw=mail.as_bytes(),
        )
        async with reply_server(app) as server:
            await server.handler.drain()
        assert await bodies(app, thread_id) == ["Stored, then the power went."]


class TestFailing:
    async def test_a_failure_is_tried_again_then_given_up_with_its_reason_and_no_body(
        self,
        app: FastAPI,
        factory: Factory,
        client: AsyncClient,
        settings: Settings,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        cast, thread_id = await a_reply(client, factory, settings)

        async def breaks(*_args: object, **_kwargs: object) -> str:
            raise RuntimeError("the parser broke")

        monkeypatch.setattr(TAKE, breaks)
        async with reply_server(app) as server:
            await deliver(server.port, mail_for(settings, cast, thread_id, "Unlucky."))
            await server.handler.drain()
            [row] = await rows(app)
            assert (row.state, row.attempts, row.error) == (
                "queued",
                1,
                "RuntimeError: the parser broke",
            )
            assert as_utc(row.next_attempt_at) > utcnow() and row.raw
            async with db(app).session() as session:  # the retry is due, and the last one
                await session.exec(
                    update(InboundMessage).values(
                        attempts=stored.MAX_ATTEMPTS - 1, next_attempt_at=utcnow()
                    )
                )
                await session.commit()
            await server.handler.drain()
        [row] = await rows(app)
        assert (row.state, row.error, row.raw, row.recipients) == (
            "failed",
            "RuntimeError: the parser broke",
            None,
            [],
        )
        assert await bodies(app, thread_id) == []


class TestRetention:
    async def test_given_up_rows_lose_their_body_and_old_rows_go(self, app: FastAPI) -> None:
        database = db(app)
        async with database.session() as session:
            session.add_all(
                [
                    InboundMessage(  # abandoned by `leases.claim`: its receivers kept dying
                        sender="a@example.org",
                        recipients=["reply+x@" + DOMAIN],
                        raw=b"personal text",
                        state="failed",
                        error="abandoned",
                        finished_at=utcnow(),
                    ),
                    InboundMessage(
                        sender="b@example.org",
                        state="done",
                        outcome="posted",
                        finished_at=utcnow() - stored.KEEP - timedelta(minutes=1),
                    ),
                    InboundMessage(sender="c@example.org", recipients=["r"], raw=b"waiting"),
                ]
            )
            await session.commit()
        await stored.tidy(database)
        kept = {row.sender: row for row in await rows(app)}
        assert set(kept) == {"a@example.org", "c@example.org"}
        assert (kept["a@example.org"].raw, kept["a@example.org"].recipients) == (None, [])
        assert kept["c@example.org"].raw == b"waiting"  # not done yet: kept whole
