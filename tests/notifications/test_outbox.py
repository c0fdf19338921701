"""The outbox and its sender, against a real SMTP server that goes away and comes back."""

from __future__ import annotations

import asyncio
import base64
import subprocess
from pathlib import Path

import dkim  # type: ignore[import-untyped]
import pytest
from fastapi import FastAPI
from sqlmodel import col, select

from dialogue.app import create_app
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.events.publish import commit
from dialogue.leases import WorkState
from dialogue.notifications import outbox
from dialogue.notifications.commands import run_sender
from dialogue.notifications.models import OutboxAttempt, OutboxMessage
from dialogue.notifications.sender import MailSender, retry_delay
from dialogue.state import app_state
from tests.notifications.smtp_sink import SmtpSink


async def queue(
    app: FastAPI, n: int = 1, *, to: str = "ana@example.org", headers: dict[str, str] | None = None
) -> None:
    async with app_state(app).database.writing() as session:
        session.info["broker"] = app_state(app).broker  # as a request's session has
        for i in range(n):
            await outbox.enqueue(
                session,
                to=to,
                subject=f"Message {i}",
                text=f"Plain {i}",
                html=f"<p>Rich {i}</p>",
                kind="theme_opened",
                headers=headers,
            )
        await commit(session)


async def rows(app: FastAPI) -> list[OutboxMessage]:
    async with app_state(app).database.session() as session:
        return list((await session.exec(select(OutboxMessage))).all())


async def wait_until(condition: object, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():  # type: ignore[operator]
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


class TestSending:
    async def test_a_committed_message_goes_out_as_text_and_html(
        self, app: FastAPI, smtp: SmtpSink
    ) -> None:
        await queue(app, to="Ana <ana@example.org>", headers={"Reply-To": "reply@dialogue.example"})
        [got] = await smtp.wait_for(1)
        message = got.message
        assert got.recipients == ["ana@example.org"]
        assert got.envelope_from == "noreply@dialogue.example"
        assert message["From"] == "Dialogue <noreply@dialogue.example>"
        assert message["Subject"] == "Message 0"
        assert message["Reply-To"] == "reply@dialogue.example"
        assert message["Date"] and message["Message-ID"].endswith("@dialogue.example>")
        assert message.get_content_type() == "multipart/alternative"
        assert got.part("plain").strip() == "Plain 0"
        assert got.part("html").strip() == "<p>Rich 0</p>"
        await wait_until(lambda: _all_in(app, WorkState.DONE))
        [row] = await rows(app)
        assert row.sent_at is not None and row.text == "" and row.html is None

    async def test_a_rolled_back_message_is_never_sent(self, app: FastAPI, smtp: SmtpSink) -> None:
        async with app_state(app).database.writing() as session:
            await outbox.enqueue(session, to="a@example.org", subject="s", text="t", kind="x")
            await session.rollback()
        await queue(app, to="b@example.org")
        await smtp.wait_for(1)
        await asyncio.sleep(0.2)
        assert [r.recipients for r in smtp.received] == [["b@example.org"]]

    async def test_a_header_with_a_line_break_is_refused(self, app: FastAPI) -> None:
        async with app_state(app).database.writing() as session:
            with pytest.raises(outbox.BadHeader):
                await outbox.enqueue(
                    session,
                    to="a@example.org\r\nBcc: x@evil.example",
                    subject="s",
                    text="t",
                    kind="x",
                )
            message = await outbox.enqueue(
                session,
                to="a@example.org",
                subject="Hi\r\nBcc: x@evil.example",
                text="t",
                kind="x",
            )
            assert message.subject == "Hi Bcc: x@evil.example"

    async def test_shutting_down_sends_what_was_queued(
        self, settings: Settings, smtp: SmtpSink
    ) -> None:
        application = create_app(settings)
        async with application.router.lifespan_context(application):
            sender = app_state(application).mail_sender
            assert sender is not None
            sender._wake.clear()
            await queue(application, 3)
        assert len(smtp.received) == 3


async def _all_in(app: FastAPI, state: WorkState) -> bool:
    found = await rows(app)
    return bool(found) and all(row.state == state for row in found)


class TestOutage:
    async def test_nothing_is_lost_while_the_smtp_server_is_down(
        self, settings: Settings, smtp: SmtpSink
    ) -> None:
        patient = settings.model_copy(update={"mail_max_attempts": 1000})
        app = create_app(patient)
        async with app.router.lifespan_context(app):
            await self._outage(app, smtp)

    async def _outage(self, app: FastAPI, smtp: SmtpSink) -> None:
        smtp.stop()
        await queue(app, 5)

        async def tried() -> bool:
            async with app_state(app).database.session() as session:
                failed = await session.exec(
                    select(OutboxAttempt).where(col(OutboxAttempt.ok).is_(False))
                )
                return len(failed.all()) >= 5

        await wait_until(tried)
        assert all(row.state != WorkState.DONE for row in await rows(app))
        smtp.start()
        await smtp.wait_for(5)
        await wait_until(lambda: _all_in(app, WorkState.DONE))
        await asyncio.sleep(0.3)
        ids = [r.message["Message-ID"] for r in smtp.received]
        assert len(ids) == len(set(ids)) == 5  # each once
        async with app_state(app).database.session() as session:
            log = (await session.exec(select(OutboxAttempt))).all()
        assert any(a.ok for a in log) and any(a.error for a in log if not a.ok)

    async def test_the_last_failure_makes_a_dead_letter_that_can_be_retried(
        self, app: FastAPI, smtp: SmtpSink
    ) -> None:
        smtp.stop()
        await queue(app)
        await wait_until(lambda: _all_in(app, WorkState.FAILED))
        [row] = await rows(app)
        assert row.attempts == 3 and row.error
        async with app_state(app).database.session() as session:
            assert [m.id for m in await outbox.dead_letters(session=session)] == [row.id]
            assert len(await outbox.attempts_of(session=session, message_id=row.id)) == 3
        smtp.start()
        async with app_state(app).database.writing() as session:
            session.info["broker"] = app_state(app).broker
            assert await outbox.retry(session=session, message_id=row.id)
            assert not await outbox.retry(session=session, message_id="nope")
            await commit(session)
        await smtp.wait_for(1)
        await wait_until(lambda: _all_in(app, WorkState.DONE))

    async def test_a_refused_recipient_is_a_dead_letter_at_once(
        self, app: FastAPI, smtp: SmtpSink
    ) -> None:
        smtp.refuse.add("gone@example.org")
        await queue(app, to="gone@example.org")
        await wait_until(lambda: _all_in(app, WorkState.FAILED))
        [row] = await rows(app)
        assert row.attempts == 1 and "550" in (row.error or "")

    def test_the_delay_doubles_up_to_a_cap(self, settings: Settings) -> None:
        base = settings.model_copy(update={"mail_retry_seconds": 30.0})
        assert [retry_delay(base, n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
        assert retry_delay(base, 40).total_seconds() == 6 * 3600


@pytest.mark.postgres_only
class TestTwoSenders:
    async def test_two_senders_never_send_a_message_twice(
        self, settings: Settings, smtp: SmtpSink
    ) -> None:
        quiet = settings.model_copy(update={"smtp_url": smtp.url})
        databases = [Database(quiet), Database(quiet)]
        try:
            async with databases[0].writing() as session:
                for i in range(60):
                    await outbox.enqueue(
                        session, to=f"p{i}@example.org", subject=f"m{i}", text="t", kind="x"
                    )
                await session.commit()
            senders = [
                MailSender(database=db, settings=quiet, owner=f"instance-{n}")
                for n, db in enumerate(databases)
            ]
            tried = await asyncio.gather(*(s.send_due() for s in senders))
            for s in senders:
                await s.close()
            assert sum(tried) == 60 and all(tried)  # both took part
            recipients = [r.recipients[0] for r in smtp.received]
            assert len(recipients) == len(set(recipients)) == 60
        finally:
            for db in databases:
                await db.dispose()


@pytest.fixture(scope="module")
def dkim_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A fresh RSA key and the DNS TXT record that publishes its public half."""
    key = tmp_path_factory.mktemp("dkim") / "dkim.pem"
    subprocess.run(
        ["openssl", "genrsa", "-traditional", "-out", str(key), "1024"],
        check=True,
        capture_output=True,
    )
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return key, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


class TestDkim:
    async def test_a_configured_key_signs_every_message(
        self, settings: Settings, smtp: SmtpSink, dkim_key: tuple[Path, bytes]
    ) -> None:
        key, record = dkim_key
        signed = settings.model_copy(update={"dkim_key_file": key, "dkim_selector": "s1"})
        database = Database(signed)
        try:
            async with database.writing() as session:
                await outbox.enqueue(session, to="a@example.org", subject="s", text="t", kind="x")
                await session.commit()
            assert await run_sender(signed, once=True) == 1
        finally:
            await database.dispose()
        [got] = smtp.received
        assert got.message["DKIM-Signature"]
        assert "d=dialogue.example" in got.message["DKIM-Signature"].replace(" ", "")

        def dns(name: bytes, timeout: int = 5) -> bytes:
            assert name == b"s1._domainkey.dialogue.example."
            return record

        assert dkim.verify(got.raw, dnsfunc=dns)
