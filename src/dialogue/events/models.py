"""Event table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from dialogue.db import utcnow


class Audience(StrEnum):
    """Who may see an event; the author of the subject may always see their own."""

    READERS = "readers"  # everyone who may read the dialogue
    STAFF = "staff"  # moderators and organizers
    REVIEWERS = "reviewers"  # moderators, organizers and advisors
    SUBJECT = "subject"  # only the person the event is about (e.g. an anonymous author)


class Event(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("dialogue_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", ondelete="CASCADE")
    seq: int
    kind: str = Field(max_length=40)
    audience: str = Field(default=Audience.READERS.value, sa_type=String(16))
    subject_user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)
