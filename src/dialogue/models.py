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
from dialogue.moderation.oversight_models import Concern, ModeratorNote, ModeratorVisit
from dialogue.notifications.models import (
    InboundMessage,
    MailCursor,
    MailFeed,
    MailOnce,
    MailOptOut,
    OutboxAttempt,
    OutboxMessage,
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
from dialogue.translation.models import PostTranslation

__all__ = [
    "Appeal",
    "AuditEntry",
    "AuthToken",
    "AuthorSanction",
    "Code",
    "Concern",
    "ConductVersion",
    "ConsentChange",
    "Dialogue",
    "Event",
    "Flag",
    "InboundMessage",
    "Invitation",
    "InvitationBatch",
    "MailCursor",
    "MailFeed",
    "MailOnce",
    "MailOptOut",
    "Membership",
    "ModeratorNote",
    "ModeratorVisit",
    "Notice",
    "OutboxAttempt",
    "OutboxMessage",
    "PasswordReset",
    "Post",
    "PostCode",
    "PostRevision",
    "PostTranslation",
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
