"""Every table, imported so that `SQLModel.metadata` is complete for Alembic and the tests."""

from dialogue.accounts.models import AuthToken, Invitation, PasswordReset, User
from dialogue.dialogues.models import ConductVersion, Dialogue, Membership, Theme, ThemeFacilitator
from dialogue.events.models import Event
from dialogue.moderation.models import (
    Appeal,
    AuditEntry,
    AuthorSanction,
    Code,
    Flag,
    InvitationBatch,
    Notice,
    PostCode,
    UnmaskRequest,
)
from dialogue.synthesis.models import (
    ConsentChange,
    Report,
    ReportApproval,
    ReportComment,
    ReportRevision,
    ReportSnapshot,
)
from dialogue.threads.models import Post, PostRevision, Reaction, Thread

__all__ = [
    "Appeal",
    "AuditEntry",
    "AuthToken",
    "AuthorSanction",
    "Code",
    "ConductVersion",
    "ConsentChange",
    "Dialogue",
    "Event",
    "Flag",
    "Invitation",
    "InvitationBatch",
    "Membership",
    "Notice",
    "PasswordReset",
    "Post",
    "PostCode",
    "PostRevision",
    "Reaction",
    "Report",
    "ReportApproval",
    "ReportComment",
    "ReportRevision",
    "ReportSnapshot",
    "Theme",
    "ThemeFacilitator",
    "Thread",
    "UnmaskRequest",
    "User",
]
