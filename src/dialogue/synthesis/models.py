"""Report tables: state and narrative, review comments, approvals, frozen snapshots, jobs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, LargeBinary, String, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from dialogue.db import utcnow
from dialogue.leases import Leased

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
    introduction: str = Field(default="", sa_type=Text)
    recommendations: str = Field(default="", sa_type=Text)
    theme_summaries: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    updated_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None


class ReportSection(StrEnum):
    """The parts of the report a review comment may be about."""

    GENERAL = "general"
    EXECUTIVE_SUMMARY = "executive_summary"
    INTRODUCTION = "introduction"
    THEME = "theme"  # a theme's key messages: the comment names the theme
    RECOMMENDATIONS = "recommendations"


class ReportComment(SQLModel, table=True):
    __tablename__ = "report_comment"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    theme_id: int | None = Field(default=None, foreign_key="theme.id", ondelete="SET NULL")
    # Which part the comment is about (`ReportSection`); a theme's key messages carry theme_id.
    section: str = Field(default="general", sa_type=String(32))
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


class ReportRevision(SQLModel, table=True):
    """The narrative as one save left it: reviewers compare versions and see who wrote what."""

    __tablename__ = "report_revision"
    __table_args__ = (UniqueConstraint("report_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True, ondelete="CASCADE")
    version: int
    review_round: int
    executive_summary: str = Field(default="", sa_type=Text)
    introduction: str = Field(default="", sa_type=Text)
    recommendations: str = Field(default="", sa_type=Text)
    theme_summaries: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
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


_UNFINISHED = text("state IN ('queued', 'running')")


class ReportJob(Leased, table=True):
    """One report being generated in one format, or generated a moment ago.

    It lives in the database, not in a process, so that any instance can run it and any
    other can answer for its progress and serve its file. Only the database is surely
    shared by every instance, hence the file in a column rather than on a disk.
    """

    __tablename__ = "report_job"
    __table_args__ = (
        # At most one unfinished job per key: a second request, on any instance, joins it.
        Index(
            "uq_report_job_unfinished_key",
            "key",
            unique=True,
            sqlite_where=_UNFINISHED,
            postgresql_where=_UNFINISHED,
        ),
    )

    dialogue_id: int = Field(foreign_key="dialogue.id", index=True, ondelete="CASCADE")
    format: str = Field(max_length=8)
    report_state: str = Field(max_length=16)  # the live report's state, when rendered
    # Set when the job renders the frozen snapshot of a published report.
    snapshot_id: int | None = Field(
        default=None, foreign_key="report_snapshot.id", ondelete="CASCADE"
    )
    key: str = Field(max_length=128)
    progress: float = 0.0
    stage: str = Field(default="queued", sa_type=Text)
    result: bytes | None = Field(default=None, sa_type=LargeBinary)


class ConsentChange(SQLModel, table=True):
    """One change of a person's consent to be quoted: the person reads their own trail.

    Organizers read the same changes in each dialogue's audit log, without the person's
    name: a named change next to a quote vanishing from the report would tell them who
    wrote an anonymous post.
    """

    __tablename__ = "consent_change"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    before: str | None = Field(default=None, sa_type=String(16))
    after: str | None = Field(default=None, sa_type=String(16))
    via: str = Field(default="profile", sa_type=String(16))  # profile or invitation
    # Published reports rebuilt without the withdrawn words, at this change.
    reports_regenerated: int = 0
    created_at: datetime = Field(default_factory=utcnow)
