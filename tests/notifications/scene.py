"""Shared steps: a cast whose scheduled mail runs only when the test says so."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from sqlmodel import col, update

from dialogue.db import utcnow
from dialogue.notifications.models import MailCursor
from dialogue.state import app_state
from tests.notifications.smtp_sink import SmtpSink


async def hold_scheduler(app: FastAPI) -> None:
    """Stop the app's own scheduler: the test runs each round itself (`run_mail`)."""
    scheduler = app_state(app).mail_scheduler
    assert scheduler is not None
    await scheduler.stop()


async def run_mail(app: FastAPI, smtp: SmtpSink, *, expect: int) -> int:
    """One scheduling round, then wait until all the mail so far has arrived."""
    scheduler = app_state(app).mail_scheduler
    assert scheduler is not None
    before = len(smtp.received)
    queued = await scheduler.tick()
    assert queued == expect, (queued, expect)
    await smtp.wait_for(before + expect)
    return queued


async def age_cursors(app: FastAPI, kind: str, by: timedelta) -> None:
    """Pretend the last batch of `kind` was sent `by` ago."""
    async with app_state(app).database.session() as session:
        then = utcnow() - by
        await session.exec(
            update(MailCursor)
            .where(col(MailCursor.kind) == kind)
            .values(covered_until=then, sent_at=then)
        )
        await session.commit()
