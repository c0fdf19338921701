"""Thread, post, revision and reaction tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dialogue.db import utcnow


class PostStatus(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    HIDDEN = "hidden"
    DELETED = "deleted"


class ReactionKind(StrEnum):
    AGREE = "agree"
    DISAGREE = "disagree"
    PASS = "pass"  # noqa: S105 - a reaction, not a password


class Thread(SQLModel, table=True):
    __table_args__ = (Index("ix_thread_theme_activity", "theme_id", "last_activity_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", index=True, ondelete="CASCADE")
    theme_id: int = Field(foreign_key="theme.id", ondelete="CASCADE")
    title: str = Field(max_length=200)
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    # Follows the opening post: a thread whose first post waits in the queue waits with it.
    status: str = Field(default=PostStatus.PUBLISHED.value, sa_type=String(16))
    locked: bool = False
    pinned: bool = False
    post_count: int = 0  # published posts, kept by the service
    created_at: datetime = Field(default_factory=utcnow)
    last_activity_at: datetime = Field(default_factory=utcnow)


class Post(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("author_id", "client_id"),
        Index("ix_post_thread_id", "thread_id", "id"),
        Index("ix_post_dialogue_status", "dialogue_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", ondelete="CASCADE")
    thread_id: int = Field(foreign_key="thread.id", ondelete="CASCADE")
    parent_id: int | None = Field(default=None, foreign_key="post.id", ondelete="SET NULL")
    depth: int = 0
    # Kept even for anonymous posts, so moderators can act on the author without seeing
    # who it is; no read path returns it for an anonymous post.
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    anonymous: bool = False
    quote_consent: str | None = Field(default=None, sa_type=String(16))
    body: str = Field(sa_type=Text)
    body_html: str = Field(sa_type=Text)
    # The language it is written in (a BCP 47 tag): the author's choice, else a guess.
    lang: str | None = Field(default=None, sa_type=String(16))
    status: str = Field(default=PostStatus.PUBLISHED.value, sa_type=String(16))
    client_id: str | None = Field(default=None, max_length=64)
    reply_count: int = 0
    highlighted: bool = False
    # Shown collapsed behind this text, wherever the post is shown.
    content_warning: str | None = Field(default=None, max_length=200)
    # Why the disclosure detector held the post (`safety.disclosure.Reason` as dicts):
    # shown to its author and to staff only.
    hold_reasons: list[dict[str, Any]] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    moderated_at: datetime | None = None


class PostRevision(SQLModel, table=True):
    """A post's body before each edit; moderators read the history."""

    __tablename__ = "post_revision"

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    body: str = Field(sa_type=Text)
    editor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    note: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)


class Reaction(SQLModel, table=True):
    post_id: int = Field(foreign_key="post.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(sa_type=String(8))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
