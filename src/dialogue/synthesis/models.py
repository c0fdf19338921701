"""Report tables: the report's state and narrative, review comments, approvals, frozen snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dialogue.db import utcnow

# The report's states and audiences are the policy's values; named here beside the tables.
from dialogue.policy import ReportAudience as ReportAudience
from dialogue.policy import ReportState as ReportState


class Report(SQLModel, table=True):
    """One per dialogue, created on first use; the narrative parts people write live here."""

    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", unique=True, ondelete="CASCADE")
    state: str = Field(default=ReportState.DRAFT.value, sa_type=String(16))
    # Approvals count only within one review round; sending back to draft starts a new one.
    review_round: int = 1
    audience: str = Field(default=ReportAudience.REVIEWERS.value, sa_type=String(16))
    executive_summary: str = Field(default="", sa_type=Text)
    recommendations: str = Field(default="", sa_type=Text)
    theme_summaries: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None


class ReportComment(SQLModel, table=True):
    __tablename__ = "report_comment"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    theme_id: int | None = Field(default=None, foreign_key="theme.id", ondelete="SET NULL")
    body: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)


class ReportApproval(SQLModel, table=True):
    __tablename__ = "report_approval"
    __table_args__ = (UniqueConstraint("report_id", "user_id", "review_round"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    role: str = Field(sa_type=String(16))
    review_round: int
    created_at: datetime = Field(default_factory=utcnow)


class ReportSnapshot(SQLModel, table=True):
    """The document as published, frozen: later edits or moderation never change it."""

    __tablename__ = "report_snapshot"
    __table_args__ = (UniqueConstraint("report_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True, ondelete="CASCADE")
    version: int
    document: str = Field(sa_type=Text)  # the JSON format's bytes, as text
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
