"""Moderation API inputs (outputs are the dicts the services and presenters build)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dialogue.bounds import ClauseRef, Reason, SafeDatetime
from dialogue.moderation.actions import PostAction
from dialogue.policy import Role

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PostModerationIn(Strict):
    action: PostAction
    reason: Reason = ""
    clause: ClauseRef | None = None


class BulkApproveIn(Strict):
    post_ids: Annotated[list[Id], Field(min_length=1, max_length=200)]


class ModeratorEditIn(Strict):
    body: Annotated[str, Field(max_length=200_000)]
    note: Annotated[str, Field(min_length=1, max_length=1000)]


class FlagIn(Strict):
    reason: ClauseRef
    note: Reason = ""


class FlagSettleIn(Strict):
    outcome: Literal["upheld", "dismissed"]
    note: Reason = ""


class CodeIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    description: Reason = ""
    colour: Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")] = "#888888"


class PostCodesIn(Strict):
    codes: Annotated[list[Id], Field(max_length=50)]


class ThreadModerationIn(Strict):
    action: Literal["lock", "unlock", "pin", "unpin", "move"]
    theme_id: Id | None = None
    reason: Reason = ""


class MemberModerationIn(Strict):
    action: Literal["mute", "unmute", "ban", "unban", "trust", "untrust", "role"]
    until: SafeDatetime | None = None
    role: Role | None = None
    reason: Reason = ""
    clause: ClauseRef | None = None


class AuthorModerationIn(Strict):
    """Acting on an (anonymous) post's author without learning who it is."""

    action: Literal["mute", "unmute", "ban", "unban"]
    until: SafeDatetime | None = None
    reason: Reason = ""
    clause: ClauseRef | None = None


class BulkInviteIn(Strict):
    emails: Annotated[str, Field(min_length=3, max_length=50_000)]
    role: Role


class ModeIn(Strict):
    mode: Literal["pre", "post"]
    reason: Reason = ""


class AppealIn(Strict):
    note: Annotated[str, Field(min_length=1, max_length=2000)]


class AppealDecisionIn(Strict):
    outcome: Literal["upheld", "overturned"]
    note: Reason = ""


class UnmaskIn(Strict):
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class UnmaskDecisionIn(Strict):
    approve: bool
    note: Reason = ""
