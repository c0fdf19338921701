"""Operators see the mail that was given up on /admin and send it again (audited)."""

from __future__ import annotations

from fastapi import FastAPI
from sqlmodel import select

from dialogue.leases import WorkState
from dialogue.moderation.models import AuditEntry
from dialogue.notifications import outbox
from dialogue.notifications.models import OutboxMessage
from dialogue.state import app_state
from tests.factories import Factory
from tests.notifications.smtp_sink import SmtpSink
from tests.notifications.test_outbox import _all_in, wait_until
from tests.web.clients import page_csrf, visitor


class TestAdminRetry:
    async def test_a_dead_letter_is_listed_and_sent_again(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        smtp.refuse.add("later@example.org")
        async with app_state(app).database.writing() as session:
            session.info["broker"] = app_state(app).broker
            await outbox.enqueue(
                session, to="later@example.org", subject="Lost invitation", text="t", kind="x"
            )
            from dialogue.events.publish import commit

            await commit(session)
        await wait_until(lambda: _all_in(app, WorkState.FAILED))
        admin = await factory.user(is_admin=True)
        participant = await factory.user()
        async with visitor(app, participant) as client:
            assert (await client.get("/admin")).status_code in (403, 404)
        async with visitor(app, admin) as client:
            page = await client.get("/admin")
            assert "Lost invitation" in page.text and "550" in page.text
            async with app_state(app).database.session() as session:
                [row] = (await session.exec(select(OutboxMessage))).all()
            smtp.refuse.clear()
            answer = await client.post(
                f"/admin/mail/{row.id}/retry", data={"csrf_token": page_csrf(page.text)}
            )
            assert answer.status_code == 303
            again = await client.post(
                f"/admin/mail/{row.id}/retry", data={"csrf_token": page_csrf(page.text)}
            )
            assert again.status_code == 303  # nothing left to retry: no change, no error
        [got] = await smtp.wait_for(1)
        assert got.recipients == ["later@example.org"]
        async with app_state(app).database.session() as session:
            entries = (
                await session.exec(select(AuditEntry).where(AuditEntry.action == "mail.retry"))
            ).all()
        assert len(entries) == 1 and entries[0].actor_id == admin.id
        assert entries[0].after and entries[0].after["message"] == row.id
