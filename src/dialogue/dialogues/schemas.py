"""Dialogue API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dialogue.bounds import ClauseRef, DbId, DbInt, Reason, SafeDatetime, SafeLine, SafeText
from dialogue.dialogues.models import DialogueStatus, ModerationMode, PresenceMode
from dialogue.policy import Role, Visibility
from dialogue.responses import IsoTime, Public

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
Title = Annotated[SafeLine, Field(min_length=1, max_length=200)]
LongText = Annotated[SafeText, Field(max_length=50_000)]
# Client times in UTC at the edge, so naive and aware times compare and store alike.
UtcTime = SafeDatetime


class DialogueCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: Slug
    title: Title
    summary: LongText = ""
    visibility: Visibility = Visibility.INVITE
    moderation: ModerationMode = ModerationMode.POST
    allow_anonymous: bool = False
    code_of_conduct: LongText = ""
    presence: PresenceMode = PresenceMode.NAMES


# The organizers' lists for disclosure holding: one entry a line.
SafetyList = Annotated[SafeText, Field(max_length=20_000)]


class DialogueUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: Slug | None = None
    title: Title | None = None
    summary: LongText | None = None
    visibility: Visibility | None = None
    moderation: ModerationMode | None = None
    allow_anonymous: bool | None = None
    code_of_conduct: LongText | None = None
    status: DialogueStatus | None = None
    flag_threshold: Annotated[DbInt, Field(ge=1, le=100)] | None = None
    presence: PresenceMode | None = None
    watch_list: SafetyList | None = None
    hold_phrases: SafetyList | None = None
    support_text: LongText | None = None
    # Why: kept in the audit log with the change (a switch of moderation mode asks for one).
    reason: Reason | None = None

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: object) -> object:
        """Leaving a field out keeps it; none of them can be emptied with null."""
        if value is None:
            raise ValueError("cannot be null")
        return value


class ClauseOut(BaseModel):
    number: str
    text: str


class ThemeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title
    guiding_questions: LongText = ""
    opens_at: UtcTime
    closes_at: UtcTime
    summary: LongText = ""
    facilitators: list[DbId] = []


class ThemeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title | None = None
    guiding_questions: LongText | None = None
    opens_at: UtcTime | None = None
    closes_at: UtcTime | None = None
    summary: LongText | None = None
    position: DbInt | None = None
    facilitators: list[DbId] | None = None


class ThemeOut(BaseModel):
    id: int
    dialogue_id: int
    position: int
    title: str
    guiding_questions: str
    guiding_questions_html: str
    opens_at: datetime
    closes_at: datetime
    summary: str
    summary_html: str
    is_open: bool
    facilitators: list[int]


class DialogueOut(BaseModel):
    id: int
    slug: str
    title: str
    summary: str
    visibility: str
    moderation: str
    status: str
    allow_anonymous: bool
    conduct_version: int
    code_of_conduct: str
    clauses: list[ClauseOut]
    flag_threshold: int = 3
    presence: str = PresenceMode.NAMES.value
    support_text: str = ""
    watch_list: str | None = Field(default=None, description="Organizers only.")
    hold_phrases: str | None = Field(default=None, description="Organizers only.")
    last_seq: int
    created_at: datetime
    role: Role | None = None
    conduct_accepted: bool = False
    themes: list[ThemeOut] = []


class ConductAcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Annotated[DbInt, Field(ge=1)]


class InvitationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: Annotated[SafeLine, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
    role: Role


class InvitationOut(BaseModel):
    id: int
    token: str
    url: str
    expires_at: datetime


class MemberOut(BaseModel):
    user_id: int
    display_name: str
    organization: str
    country: str | None
    role: Role
    muted_until: datetime | None
    banned: bool
    trusted: bool
    conduct_version: int
    joined_at: datetime


class MemberUpdate(BaseModel):
    """`muted_until` is a mute like the moderation route's: a future time needs a `reason`."""

    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    muted_until: UtcTime | None = None
    trusted: bool | None = None
    reason: Reason = ""
    clause: ClauseRef | None = None

    @field_validator("trusted")
    @classmethod
    def _trusted_not_null(cls, value: bool | None) -> bool:
        """Null unmutes for `muted_until`; for `trusted` it means nothing."""
        if value is None:
            raise ValueError("cannot be null")
        return value


class MemberState(Public):
    """What staff see of a membership after a change (`dialogues.service.member_data`)."""

    user_id: int
    role: str
    muted_until: IsoTime | None
    banned: bool
    trusted: bool


class DialogueSummary(Public):
    """What every reader may know of a dialogue, as carried in events."""

    slug: str
    title: str
    status: str
    visibility: str
    moderation: str
    allow_anonymous: bool
    conduct_version: int
    presence: str = PresenceMode.NAMES.value


class ThemeSummary(Public):
    id: int | None
    title: str
    position: int
    opens_at: IsoTime
    closes_at: IsoTime
