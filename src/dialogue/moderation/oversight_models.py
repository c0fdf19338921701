"""Confidential tables of how a dialogue is looked after: concerns, moderators' notes, visits.

None of them is in the event log, an archive, a report or the transparency figures: a
concern is read by organizers, advisors and the person who raised it; a note by moderators
and organizers; a visit only says when a moderator last caught up (`moderation.handover`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dialogue.db import utcnow
from dialogue.policy import ConcernStatus


class Concern(SQLModel, table=True):
    """A member's confidential concern about someone's conduct, not only about one post."""

    __table_args__ = (Index("ix_concern_dialogue_status", "dialogue_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", ondelete="CASCADE")
    # Null once the raiser's account is gone: the concern itself stays to be handled.
    raised_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    about_user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    body: str = Field(sa_type=Text)
    status: str = Field(default=ConcernStatus.OPEN.value, sa_type=String(16))
    outcome: str = Field(default="", sa_type=Text)
    handled_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None


class ModeratorNote(SQLModel, table=True):
    """A private note on a member or a thread, for the dialogue's moderators and organizers."""

    __tablename__ = "moderator_note"
    __table_args__ = (
        CheckConstraint("(about_user_id IS NULL) <> (thread_id IS NULL)", name="one_subject"),
        Index("ix_moderator_note_dialogue", "dialogue_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    # A note about a person goes with their account: nothing is kept about someone gone.
    about_user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="CASCADE")
    thread_id: int | None = Field(default=None, foreign_key="thread.id", ondelete="CASCADE")
    body: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)


class ModeratorVisit(SQLModel, table=True):
    """When a moderator last marked the handover view as read, per dialogue."""

    __tablename__ = "moderator_visit"
    __table_args__ = (UniqueConstraint("dialogue_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    seen_at: datetime = Field(default_factory=utcnow)
