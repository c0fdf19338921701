"""The outbox: every message is a row written in the same transaction as its cause.

A change that rolls back sends nothing; one that commits is sent by a `MailSender` on some
instance, however long the SMTP server is away. The commit also rings the broker, so an
idle sender looks at once rather than at its next poll.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.db import utcnow
from dialogue.events.publish import PENDING_MESSAGES
from dialogue.leases import WorkState
from dialogue.moderation.audit import record_action
from dialogue.notifications.models import OutboxAttempt, OutboxMessage

MAIL_RING = {"type": "mail"}  # on the broker's channel 0: "the outbox has new rows"
MAX_SUBJECT = 300


class BadHeader(ValueError):
    """A header value with a line break: it would let text inject headers of its own."""


def _one_line(name: str, value: str) -> str:
    if "\r" in value or "\n" in value:
        raise BadHeader(f"the {name} header must be one line")
    return value


async def enqueue(
    session: AsyncSession,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    kind: str,
    user_id: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> OutboxMessage:
    """Queue one message in the caller's transaction (not committed here)."""
    message = OutboxMessage(
        to_address=_one_line("To", to.strip()),
        # A subject is made from people's words (a thread's title): folded to one line.
        subject=" ".join(subject.split())[:MAX_SUBJECT],
        text=text,
        html=html,
        kind=str(kind),
        user_id=user_id,
        headers={name: _one_line(name, value) for name, value in (headers or {}).items()},
    )
    session.add(message)
    await session.flush()
    rings = session.info.setdefault(PENDING_MESSAGES, [])
    if (0, MAIL_RING) not in rings:
        rings.append((0, MAIL_RING))
    return message


async def dead_letters(*, session: AsyncSession, limit: int = 100) -> Sequence[OutboxMessage]:
    """Messages given up after their last attempt, newest first (the operator's list)."""
    rows = await session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.state == WorkState.FAILED)
        .order_by(col(OutboxMessage.finished_at).desc())
        .limit(limit)
    )
    return rows.all()


async def count_by_state(*, session: AsyncSession) -> dict[str, int]:
    rows = await session.exec(
        select(OutboxMessage.state, func.count()).group_by(col(OutboxMessage.state))
    )
    return {state: int(n) for state, n in rows.all()}


async def attempts_of(*, session: AsyncSession, message_id: str) -> Sequence[OutboxAttempt]:
    rows = await session.exec(
        select(OutboxAttempt)
        .where(OutboxAttempt.message_id == message_id)
        .order_by(col(OutboxAttempt.id))
    )
    return rows.all()


async def retry(*, session: AsyncSession, message_id: str, actor_id: int | None = None) -> bool:
    """Queue a dead letter again with a fresh set of attempts (audited, site-wide, when an
    operator asks); False if it is not one."""
    message = await session.get(OutboxMessage, message_id)
    if message is None or message.state != WorkState.FAILED:
        return False
    result = await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.state) == WorkState.FAILED)
        .values(
            state=WorkState.QUEUED,
            attempts=0,
            next_attempt_at=utcnow(),
            finished_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    if actor_id is not None:
        await record_action(
            session=session,
            dialogue_id=None,
            actor_id=actor_id,
            action="mail.retry",
            target_type="outbox_message",
            target_id=None,  # the message's id is a string: it is in `after`
            before={"state": WorkState.FAILED.value, "error": message.error},
            after={"message": message_id, "kind": message.kind, "to": message.to_address},
        )
    session.info.setdefault(PENDING_MESSAGES, []).append((0, MAIL_RING))
    return True
