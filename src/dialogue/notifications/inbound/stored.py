"""Received replies kept in the database from the moment the SMTP server answers 250.

A message is stored before the answer, so a receiver that dies afterwards loses nothing:
the row waits, queued (or running under a lease that runs out), for whichever receiver
starts or looks next (`dialogue.leases`: rows are claimed, never taken twice at once).
Posting the same message again is harmless: its Message-ID is the post's `client_id`.

Once a row is done or failed, its raw message and reply addresses are cleared: the message
may hold more personal text than the reply (the quoted thread, a signature, attachments),
and an address posts as its owner. The row's outcome stays `KEEP` for the operator.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select, update

from dialogue import leases
from dialogue.db import Database, utcnow
from dialogue.leases import WorkState
from dialogue.notifications.models import InboundMessage

LEASE = timedelta(minutes=5)  # far longer than posting one reply takes
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=1)  # times the attempts so far
KEEP = timedelta(days=7)
MAX_WAITING = 1000  # stored and not yet posted: past it, senders are asked to come back
MAX_ERROR = 500


async def store(database: Database, *, sender: str, recipients: list[str], raw: bytes) -> bool:
    """Keep one received message (committed when this returns); False when too many wait."""
    async with database.writing() as session:
        waiting = await session.exec(
            select(func.count())
            .select_from(InboundMessage)
            .where(col(InboundMessage.state) == WorkState.QUEUED)
        )
        if int(waiting.one()) >= MAX_WAITING:
            return False
        session.add(InboundMessage(sender=sender, recipients=recipients, raw=raw))
        await session.commit()
    return True


async def take(database: Database, *, owner: str) -> InboundMessage | None:
    """Claim the oldest message due for posting, or None."""
    async with database.writing() as session:
        row = await leases.claim(
            session=session,
            model=InboundMessage,
            owner=owner,
            lease=LEASE,
            max_attempts=MAX_ATTEMPTS,
            ready=col(InboundMessage.next_attempt_at) <= utcnow(),
        )
        await session.commit()
        return row


async def done(database: Database, *, row: InboundMessage, owner: str, outcome: str) -> None:
    async with database.writing() as session:
        await leases.finish(
            session=session,
            model=InboundMessage,
            row_id=row.id,
            owner=owner,
            state=WorkState.DONE,
            outcome=outcome,
            raw=None,
            recipients=[],
        )
        await session.commit()


async def failed(database: Database, *, row: InboundMessage, owner: str, error: str) -> None:
    """Try again a little later, or give up after the last attempt (the reason is kept)."""
    reason = error[:MAX_ERROR]
    async with database.writing() as session:
        if row.attempts >= MAX_ATTEMPTS:
            await leases.finish(
                session=session,
                model=InboundMessage,
                row_id=row.id,
                owner=owner,
                state=WorkState.FAILED,
                error=reason,
                raw=None,
                recipients=[],
            )
        else:
            await leases.release(
                session=session,
                model=InboundMessage,
                row_id=row.id,
                owner=owner,
                error=reason,
                next_attempt_at=utcnow() + RETRY_AFTER * row.attempts,
            )
        await session.commit()


async def tidy(database: Database) -> None:
    """Clear what a row given up by `leases.claim` still holds; forget rows past `KEEP`."""
    async with database.writing() as session:
        await session.exec(
            update(InboundMessage)
            .where(col(InboundMessage.state) == WorkState.FAILED)
            .where(col(InboundMessage.raw).is_not(None))
            .values(raw=None, recipients=[])
            .execution_options(synchronize_session=False)
        )
        await leases.forget_finished(session=session, model=InboundMessage, before=utcnow() - KEEP)
        await session.commit()


async def hand_back(database: Database, *, row: InboundMessage, owner: str) -> None:
    """Queue a row again at once (its receiver is stopping mid-way)."""
    async with database.writing() as session:
        await leases.release(session=session, model=InboundMessage, row_id=row.id, owner=owner)
        await session.commit()
