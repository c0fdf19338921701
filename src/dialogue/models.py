"""Every table, imported so that `SQLModel.metadata` is complete for Alembic and the tests."""

from dialogue.accounts.models import AuthToken, Invitation, User
from dialogue.dialogues.models import ConductVersion, Dialogue, Membership, Theme, ThemeFacilitator
from dialogue.events.models import Event
from dialogue.threads.models import Post, PostRevision, Reaction, Thread

__all__ = [
    "AuthToken",
    "ConductVersion",
    "Dialogue",
    "Event",
    "Invitation",
    "Membership",
    "Post",
    "PostRevision",
    "Reaction",
    "Theme",
    "ThemeFacilitator",
    "Thread",
    "User",
]
