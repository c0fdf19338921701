"""Account tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from dialogue.db import utcnow


class QuoteConsent(StrEnum):
    NAMED = "named"
    ANONYMOUS = "anonymous"
    NONE = "none"


class Digest(StrEnum):
    """How often a person wants a summary of what changed by e-mail."""

    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


class TokenKind(StrEnum):
    SESSION = "session"  # a browser's cookie
    API = "api"  # a script's bearer token


class UserBase(SQLModel):
    display_name: str = Field(max_length=120)
    organization: str = Field(default="", max_length=200)
    country: str | None = Field(default=None, max_length=2)
    language: str = Field(default="en", max_length=8)
    timezone: str = Field(default="UTC", max_length=64)
    quote_consent: QuoteConsent | None = Field(default=None, sa_type=String(16))
    constituency: str | None = Field(default=None, max_length=64)
    # New accounts get a daily digest (of open dialogues only: a closed one sends none);
    # accounts older than mail keep `off` (the column's server default) until they choose.
    digest: Digest = Field(default=Digest.DAILY, sa_type=String(8))
    # "Don't show me as online": left out of every presence list and count, and typing
    # notices go out without the name.
    hide_presence: bool = False


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # Stored lower-cased by the service, which makes the unique index case-insensitive.
    email: str = Field(max_length=254, unique=True)
    password_hash: str | None = Field(default=None, max_length=255)
    is_admin: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    # Set by a site admin: a disabled account cannot sign in and holds no live token.
    disabled_at: datetime | None = None


class AuthToken(SQLModel, table=True):
    """A session cookie or API token, stored only as its SHA-256 so a leaked table opens nothing."""

    __tablename__ = "auth_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    kind: TokenKind = Field(sa_type=String(16))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dialogue_id: int = Field(foreign_key="dialogue.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=254)
    role: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    invited_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    accepted_at: datetime | None = None
    accepted_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    # The name an organizer's list gave, offered to a new invitee (who may change it).
    display_name: str | None = Field(default=None, max_length=120)


class PasswordReset(SQLModel, table=True):
    """A one-time link to set a new password: stored as its digest, expiring, used once."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
