"""Dialogue tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dialogue.db import utcnow


class DialogueStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    ARCHIVED = "archived"


class ModerationMode(StrEnum):
    PRE = "pre"
    POST = "post"


class PresenceMode(StrEnum):
    """Who is online, as others see it: by name, or only how many (nobody named)."""

    NAMES = "names"
    COUNT = "count"


class Dialogue(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=63, unique=True)
    title: str = Field(max_length=200)
    summary: str = Field(default="", sa_type=Text)
    visibility: str = Field(default="invite", sa_type=String(16))
    moderation: str = Field(default=ModerationMode.POST.value, sa_type=String(8))
    status: str = Field(default=DialogueStatus.DRAFT.value, sa_type=String(16))
    allow_anonymous: bool = False
    conduct_version: int = 0
    # The per-dialogue event counter: bumped in the writer's transaction, so on PostgreSQL
    # the row lock orders commits, and `seq` is gap-free and in commit order.
    last_seq: int = 0
    flag_threshold: int = 3
    presence: str = Field(default=PresenceMode.NAMES.value, sa_type=String(8))
    # Disclosure holding (`dialogue.safety.disclosure`): names and phrases, one a line, that
    # hold a post for review; seen and edited by organizers only.
    watch_list: str = Field(default="", sa_type=Text)
    hold_phrases: str = Field(default="", sa_type=Text)
    # Markdown by the organizers (helplines, the safeguarding contact), shown to an author
    # whose post is held and on the thread pages.
    support_text: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ConductVersion(SQLModel, table=True):
    __tablename__ = "conduct_version"
    __table_args__ = (UniqueConstraint("dialogue_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", index=True, ondelete="CASCADE")
    version: int
    text: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)


class Membership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("dialogue_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    role: str = Field(sa_type=String(16))
    conduct_version: int = 0
    conduct_accepted_at: datetime | None = None
    muted_until: datetime | None = None
    banned_at: datetime | None = None
    trusted: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Theme(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", index=True, ondelete="CASCADE")
    position: int = 0
    title: str = Field(max_length=200)
    guiding_questions: str = Field(default="", sa_type=Text)
    opens_at: datetime
    closes_at: datetime
    summary: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)


class ThemeFacilitator(SQLModel, table=True):
    __tablename__ = "theme_facilitator"

    theme_id: int = Field(foreign_key="theme.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
