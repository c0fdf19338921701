"""The sender: claims due outbox rows, hands them to SMTP, logs each attempt, retries.

Any number of instances may run one. A row is claimed under a lease (`dialogue.leases`:
`FOR UPDATE SKIP LOCKED` on PostgreSQL, the single writer on SQLite), so two senders never
hold the same message; a failed try puts it back with an exponentially growing delay, and
the last allowed failure makes it a dead letter that an operator retries from `/admin`.
A message the server refuses for good (a 5xx answer) is a dead letter at once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import aiosmtplib
from sqlalchemy import func
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue import leases
from dialogue.config import Settings
from dialogue.db import Database, as_utc, utcnow
from dialogue.leases import WorkState
from dialogue.notifications.mailer import Mailer
from dialogue.notifications.models import OutboxAttempt, OutboxMessage
from dialogue.notifications.outbox import MAIL_RING
from dialogue.wakeup import woken

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # far longer than one SMTP exchange may take (mailer's timeout)
POLL_SECONDS = 5.0  # for retries coming due and rows queued by other instances
MAX_DELAY = timedelta(hours=6)
KEEP_SENT = timedelta(days=30)  # the attempt log of sent mail, for an operator's questions
DRAIN_SECONDS = 10.0  # on shutdown, how long to keep sending what is due
# Messages claimed (and their outcomes recorded) per transaction: two commits a message made
# the database the bottleneck. A sender that dies mid-batch leaves at most this many sent
# but unrecorded, to be sent again once their lease runs out.
CLAIM_BATCH = 20
CONNECTIONS = 4


Outcomes = dict[str, tuple[OutboxMessage, BaseException | None]]


def retry_delay(settings: Settings, attempts: int) -> timedelta:
    """After the n-th failed attempt: base, 2 x base, 4 x base, ... capped at six hours."""
    seconds = settings.mail_retry_seconds * 2 ** max(attempts - 1, 0)
    return min(timedelta(seconds=seconds), MAX_DELAY)


def is_permanent(exc: BaseException) -> bool:
    """The server refused this message for good: trying again cannot help."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(500 <= refusal.code < 600 for refusal in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return 500 <= exc.code < 600
    return False


class MailSender:
    def __init__(self, *, database: Database, settings: Settings, owner: str) -> None:
        self.database = database
        self.settings = settings
        self.owner = owner
        # A few SMTP connections used side by side: each exchange waits on the server's
        # answers, and one connection left the sender idle most of the time.
        self.mailers = [Mailer(settings) for _ in range(CONNECTIONS)]
        self._wake = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        self._last_sweep = utcnow()
        self._stopping = False

    def start(self) -> None:
        self._loop = asyncio.create_task(self._send_forever())

    def ring(self, _channel: int, message: dict[str, object]) -> None:
        """A broker listener: some instance queued mail."""
        if message == MAIL_RING:
            self._wake.set()

    def nudge(self) -> None:
        self._wake.set()

    async def stop(self, drain_seconds: float = DRAIN_SECONDS) -> None:
        """Stop looking for mail once what is due now is sent (for at most `drain_seconds`)."""
        self._stopping = True
        self._wake.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + drain_seconds
        try:
            if self._loop is not None:
                await asyncio.wait_for(asyncio.shield(self._loop), drain_seconds)
            # Whatever the loop's last look missed (committed a moment after it).
            await asyncio.wait_for(self.send_due(), max(deadline - loop.time(), 0.1))
        except TimeoutError:
            log.warning("mail was still being sent at shutdown; the rest is sent later")
            if self._loop is not None:
                self._loop.cancel()
                await asyncio.gather(self._loop, return_exceptions=True)
        await self.close()

    async def send_due(self) -> int:
        """Send every message that is due now, a few claims at a time; how many were tried."""
        tried = 0
        while rows := await self._claim():
            outcomes: Outcomes = {}
            lanes = [rows[n :: len(self.mailers)] for n in range(len(self.mailers))]
            try:
                await asyncio.gather(
                    *(
                        self._lane(mailer, part, outcomes)
                        for mailer, part in zip(self.mailers, lanes, strict=True)
                    )
                )
            except asyncio.CancelledError:
                untried = [row for row in rows if row.id not in outcomes]
                await asyncio.shield(self._hand_back(untried))
                await asyncio.shield(self._record(list(outcomes.values())))
                raise
            await self._record(list(outcomes.values()))
            tried += len(rows)
        return tried

    async def _lane(self, mailer: Mailer, rows: list[OutboxMessage], into: Outcomes) -> None:
        for row in rows:
            into[row.id] = (row, await self._try(mailer, row))

    async def close(self) -> None:
        """Close the SMTP connections (they open again on the next message)."""
        for mailer in self.mailers:
            await mailer.close()

    async def _send_forever(self) -> None:
        while True:
            try:
                if await self.send_due():
                    await self.close()  # the queue is empty: no idle connection held
                if utcnow() - self._last_sweep > timedelta(hours=1):
                    self._last_sweep = utcnow()
                    await self._forget_sent()
            except Exception:  # a database outage must not end the loop; the next poll retries
                log.exception("sending mail failed")
            if self._stopping:
                return
            idle = await self._idle_seconds()
            await woken(self._wake, idle)
            self._wake.clear()

    async def _idle_seconds(self) -> float:
        """Until the next retry comes due, or the next poll if that is sooner."""
        try:
            async with self.database.reader() as session:
                due = (
                    await session.exec(
                        select(func.min(OutboxMessage.next_attempt_at)).where(
                            OutboxMessage.state == WorkState.QUEUED
                        )
                    )
                ).one()
        except Exception:  # the database is away: poll as usual
            log.exception("reading the next retry's time failed")
            return POLL_SECONDS
        if due is None:
            return POLL_SECONDS
        return min(POLL_SECONDS, max((as_utc(due) - utcnow()).total_seconds(), 0.0))

    async def _claim(self) -> list[OutboxMessage]:
        now = utcnow()
        async with self.database.writing() as session:
            rows = await leases.claim_many(
                session=session,
                model=OutboxMessage,
                owner=self.owner,
                lease=LEASE,
                max_attempts=self.settings.mail_max_attempts,
                limit=CLAIM_BATCH,
                now=now,
                ready=col(OutboxMessage.next_attempt_at) <= now,
            )
            await session.commit()
        return rows

    async def _try(self, mailer: Mailer, row: OutboxMessage) -> BaseException | None:
        try:
            await mailer.send(row)
        except Exception as exc:  # whatever went wrong is logged with the attempt
            log.warning("mail %s to the SMTP server failed: %s", row.id, exc)
            return exc
        return None

    async def _record(self, outcomes: list[tuple[OutboxMessage, BaseException | None]]) -> None:
        async with self.database.writing() as session:
            for row, error in outcomes:
                await self._outcome(session, row, error)
            await session.commit()

    async def _outcome(
        self, session: AsyncSession, row: OutboxMessage, error: BaseException | None
    ) -> None:
        now = utcnow()
        session.add(
            OutboxAttempt(
                message_id=row.id,
                at=now,
                owner=self.owner,
                ok=error is None,
                error=None if error is None else f"{type(error).__name__}: {error}"[:2000],
            )
        )
        if error is None:
            # The body may hold a one-time link (an invitation, a reset): no copy is kept.
            await leases.finish(
                session=session,
                model=OutboxMessage,
                row_id=row.id,
                owner=self.owner,
                state=WorkState.DONE,
                sent_at=now,
                text="",
                html=None,
                error=None,
            )
        elif is_permanent(error) or row.attempts >= self.settings.mail_max_attempts:
            await leases.finish(
                session=session,
                model=OutboxMessage,
                row_id=row.id,
                owner=self.owner,
                state=WorkState.FAILED,
                error=str(error)[:2000],
            )
        else:
            await leases.release(
                session=session,
                model=OutboxMessage,
                row_id=row.id,
                owner=self.owner,
                error=str(error)[:2000],
                next_attempt_at=now + retry_delay(self.settings, row.attempts),
            )

    async def _hand_back(self, rows: list[OutboxMessage]) -> None:
        """Claimed but not tried (the sender is stopping): due again at once, elsewhere."""
        if not rows:
            return
        async with self.database.writing() as session:
            for row in rows:
                await leases.release(
                    session=session,
                    model=OutboxMessage,
                    row_id=row.id,
                    owner=self.owner,
                    attempts=row.attempts - 1,  # this claim made no attempt
                )
            await session.commit()

    async def _forget_sent(self) -> None:
        async with self.database.writing() as session:
            await session.exec(
                delete(OutboxMessage)
                .where(col(OutboxMessage.state) == WorkState.DONE)
                .where(col(OutboxMessage.finished_at) < utcnow() - KEEP_SENT)
                .execution_options(synchronize_session=False)
            )
            await session.commit()
