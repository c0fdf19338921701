"""Mail tables: the outbox and its attempt log, opt-outs, the digests' cursors, and the
replies received but not yet posted."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dialogue.db import utcnow
from dialogue.leases import Leased


class MailKind(StrEnum):
    """Why a message is sent; each kind can be stopped on its own (one-click unsubscribe)."""

    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a kind of mail, not a secret
    THEME_OPENED = "theme_opened"
    REPLY = "reply"
    MENTION = "mention"
    DIGEST = "digest"
    MODERATION = "moderation"  # new queue items and flags, for moderators
    REVIEW = "review"  # reports waiting for review, for organizers and advisors
    CONCERN = "concern"  # a concern raised, for organizers and advisors
    QUESTION = "question"  # an advisor's question, for organizers
    REFUSAL = "refusal"  # a reply by e-mail that could not become a post


class OutboxMessage(Leased, table=True):
    """One message to send: written in its cause's transaction, claimed and sent by a worker.

    `state` is the lease's: queued (again, after a failed try: not before `next_attempt_at`),
    running, done (sent) or failed (the dead letter, after the last attempt).
    """

    __tablename__ = "outbox_message"

    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    text: str = Field(sa_type=Text)
    html: str | None = Field(default=None, sa_type=Text)
    kind: str = Field(sa_type=String(32), index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    headers: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    sent_at: datetime | None = None


class OutboxAttempt(SQLModel, table=True):
    """One try at sending one message, kept so an operator can see why mail is not leaving."""

    __tablename__ = "outbox_attempt"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(
        foreign_key="outbox_message.id", index=True, ondelete="CASCADE", max_length=32
    )
    at: datetime = Field(default_factory=utcnow)
    owner: str = Field(max_length=64)
    ok: bool
    error: str | None = Field(default=None, sa_type=Text)


class MailOptOut(SQLModel, table=True):
    """An address that asked for no more mail of one kind (by the footer's link or on /me).

    Keyed by address, not account: an invitation goes to people who have none yet.
    """

    __tablename__ = "mail_opt_out"
    __table_args__ = (UniqueConstraint("email", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    kind: str = Field(sa_type=String(32))
    created_at: datetime = Field(default_factory=utcnow)


class MailCursor(SQLModel, table=True):
    """Until when a person's batched mail of one kind (digest, moderation) has covered."""

    __tablename__ = "mail_cursor"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    kind: str = Field(sa_type=String(32))
    covered_until: datetime
    sent_at: datetime = Field(default_factory=utcnow)


class MailFeed(SQLModel, table=True):
    """How far into a dialogue's event log the mail of posts and reports has been written.

    The messages and the move of this cursor share a transaction: each event is mailed
    once, whichever instance gets there first.
    """

    __tablename__ = "mail_feed"

    dialogue_id: int = Field(foreign_key="dialogue.id", primary_key=True, ondelete="CASCADE")
    seq: int = 0


class MailOnce(SQLModel, table=True):
    """Something announced once only (`post:ID`, `theme:ID`), however often its event repeats
    (a post hidden and shown again is not news)."""

    __tablename__ = "mail_once"

    key: str = Field(primary_key=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


class InboundMessage(Leased, table=True):
    """A reply received by e-mail, stored before the SMTP server answers 250 and then worked
    like the outbox (`leases`): a receiver that dies before posting it leaves it queued, or
    running under a lease that runs out, and whichever receiver starts next posts it.

    `raw` is the message as received (it may hold personal text beyond the reply) and
    `recipients` its reply addresses (tokens that post as someone): both are cleared once
    the row is done or failed; the rest (sender, outcome, error) stays `KEEP_DAYS` for the
    operator, then the row goes.
    """

    __tablename__ = "inbound_message"

    sender: str = Field(max_length=320)
    recipients: list[str] = Field(default_factory=list, sa_type=JSON)
    raw: bytes | None = Field(default=None, sa_type=LargeBinary)
    outcome: str | None = Field(default=None, max_length=200)
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
