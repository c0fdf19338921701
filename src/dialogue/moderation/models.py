"""Moderation tables: codebook, audit log, flags, notices, appeals, unmask requests, sanctions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from dialogue.db import utcnow


class Code(SQLModel, table=True):
    """One entry of a dialogue's codebook, applied to posts and fed to the synthesis report."""

    __table_args__ = (UniqueConstraint("dialogue_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    description: str = Field(default="", sa_type=Text)
    colour: str = Field(default="#888888", sa_type=String(7))
    created_at: datetime = Field(default_factory=utcnow)


class PostCode(SQLModel, table=True):
    __tablename__ = "post_code"

    post_id: int = Field(foreign_key="post.id", primary_key=True, ondelete="CASCADE")
    code_id: int = Field(foreign_key="code.id", primary_key=True, index=True, ondelete="CASCADE")


class AuditEntry(SQLModel, table=True):
    """One moderation, role, membership or report action. Rows are only ever inserted."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_dialogue_created", "dialogue_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    # No foreign keys with ON DELETE: the log must outlive what it speaks of, and a cascade
    # would be an UPDATE or DELETE the trigger refuses.
    dialogue_id: int | None = None
    actor_id: int | None = None
    action: str = Field(max_length=40)
    target_type: str = Field(max_length=20)
    target_id: int | None = None
    reason: str = Field(default="", sa_type=Text)
    clause: str | None = Field(default=None, max_length=20)
    clause_version: int | None = None
    before: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSON)
    created_at: datetime = Field(default_factory=utcnow)


class FlagStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class Flag(SQLModel, table=True):
    __table_args__ = (
        # One open flag per person and post; once resolved the person may flag again.
        Index(
            "uq_flag_open_per_user",
            "post_id",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_flag_dialogue_status", "dialogue_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", ondelete="CASCADE")
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    reason: str = Field(max_length=20)  # a code-of-conduct clause number, or "other"
    note: str = Field(default="", sa_type=Text)
    status: str = Field(default=FlagStatus.OPEN.value, sa_type=String(16))
    outcome_note: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
    resolved_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class NoticeKind(StrEnum):
    REJECTED = "rejected"
    HIDDEN = "hidden"
    MUTED = "muted"
    BANNED = "banned"
    # The steps of a concern the person raised: news, not decisions about them to appeal.
    CONCERN_ACKNOWLEDGED = "concern_seen"
    CONCERN_RESOLVED = "concern_resolved"
    QUESTION = "question"  # an advisor's question to the organizers
    EDIT_REQUESTED = "edit_requested"  # a held post waits for its author's edit: no appeal
    # To organizers: the published report was rebuilt after someone withdrew consent.
    REPORT_REGENERATED = "report_updated"
    # News of others' posts: a reply to the person's post, a post naming them (`@Name`).
    REPLY = "reply"
    MENTION = "mention"


class Notice(SQLModel, table=True):
    """What an author is told about an action on their post or membership, once per action."""

    __table_args__ = (Index("ix_notice_user", "user_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    kind: str = Field(sa_type=String(16))
    post_id: int | None = Field(default=None, foreign_key="post.id", ondelete="SET NULL")
    audit_entry_id: int | None = None
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    clause: str | None = Field(default=None, max_length=20)
    clause_version: int | None = None
    reason: str = Field(default="", sa_type=Text)
    until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None


class AppealStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the original decision stands
    OVERTURNED = "overturned"


class Appeal(SQLModel, table=True):
    """An author's one appeal against one notice, decided by someone else than the actor."""

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", index=True, ondelete="CASCADE")
    notice_id: int = Field(foreign_key="notice.id", unique=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    note: str = Field(sa_type=Text)
    status: str = Field(default=AppealStatus.OPEN.value, sa_type=String(16))
    decision_note: str = Field(default="", sa_type=Text)
    decided_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None


class UnmaskStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class UnmaskRequest(SQLModel, table=True):
    """The two-person rule for revealing an anonymous post's author."""

    __tablename__ = "unmask_request"

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", index=True, ondelete="CASCADE")
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    requested_by: int = Field(foreign_key="user.id", ondelete="CASCADE")
    reason: str = Field(sa_type=Text)
    status: str = Field(default=UnmaskStatus.PENDING.value, sa_type=String(16))
    decided_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    decision_note: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None


class AuthorSanction(SQLModel, table=True):
    """A mute or posting ban on an anonymous post's hidden author, recorded against the post.

    It is never written onto the author's membership: staff read memberships, and a change
    there that follows an action on an anonymous post would name its author. `user_id`
    exists only so that posting can be refused; nothing shows it to anyone.
    """

    __tablename__ = "author_sanction"
    __table_args__ = (Index("ix_author_sanction_user", "user_id", "dialogue_id"),)

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", ondelete="CASCADE")
    post_id: int = Field(foreign_key="post.id", unique=True, ondelete="CASCADE")
    # Null once the author's account is gone: the post's sanction still answers as before.
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    muted_until: datetime | None = None
    barred: bool = False  # a ban through the post: no more posting, reading unchanged
    created_at: datetime = Field(default_factory=utcnow)


class InvitationBatch(SQLModel, table=True):
    """One bulk invitation's outcome, kept so its result page can be reloaded without resending.

    `rows` holds each line's outcome; a sent line's link is not stored but re-derived from
    its `seed` and the server's secret (`moderation.invitation_batches`), so this table
    opens no invitation without the secret key either.
    """

    __tablename__ = "invitation_batch"

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", index=True, ondelete="CASCADE")
    created_by: int = Field(foreign_key="user.id", ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    rows: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
