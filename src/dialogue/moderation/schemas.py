"""Moderation API inputs, and the models of the dicts the services and presenters build."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dialogue.bounds import ClauseRef, Reason, SafeDatetime
from dialogue.moderation.actions import PostAction
from dialogue.moderation.transparency import Figures
from dialogue.policy import Role
from dialogue.responses import IsoTime, Public
from dialogue.threads.schemas import PostPublic

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
    clause: ClauseRef | None = None


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


class ModeratedPost(PostPublic):
    action: PostAction


class QueueThread(Public):
    id: int | None
    title: str
    theme_id: int
    status: str
    locked: bool


class QueueFlag(Public):
    id: int | None
    reason: str
    note: str
    created_at: IsoTime | None


class HeldSpan(Public):
    """What the disclosure detector found, in its context (`span` is what it points at)."""

    rule: str
    before: str
    span: str
    after: str


class QueueItem(Public):
    """A post waiting for a moderator, shown as staff see it, with its thread and context."""

    kind: Literal["post", "flags"]
    queued_at: IsoTime | None
    post: PostPublic
    thread: QueueThread
    parent: PostPublic | None
    opening: PostPublic | None
    flags: list[QueueFlag]
    held: list[HeldSpan] = Field(default_factory=list)


class QueuePage(Public):
    items: list[QueueItem]


class BulkApproveResult(Public):
    approved: list[int]
    already_handled: list[int]
    not_found: list[int]


class FlagPublic(Public):
    """A flag as its flagger sees it: the outcome, never who decided."""

    id: int | None
    post_id: int
    dialogue_id: int
    reason: str
    note: str
    status: str
    outcome_note: str
    created_at: IsoTime
    resolved_at: IsoTime | None


class FlagList(Public):
    items: list[FlagPublic]


class FlagsSettled(Public):
    closed: int
    outcome: str


class CodePublic(Public):
    id: int | None
    dialogue_id: int
    name: str
    description: str
    colour: str
    created_at: IsoTime


class CodeList(Public):
    items: list[CodePublic]


class PostCodes(Public):
    post_id: int | None
    codes: list[CodePublic]


class ThreadModerated(Public):
    id: int | None
    theme_id: int
    locked: bool
    pinned: bool
    status: str
    last_activity_at: IsoTime | None


class AuthorState(Public):
    """A post author's state after a sanction: a named author's membership, or an anonymous
    author's sanction through the post, which carries nothing that tells who they are."""

    post_id: int | None
    muted_until: IsoTime | None
    banned: bool
    role: str | None = Field(default=None, description="Only for a named author.")
    trusted: bool | None = Field(default=None, description="Only for a named author.")


class AuditEntryPublic(Public):
    id: int | None
    dialogue_id: int | None
    actor_id: int | None
    action: str
    target_type: str
    target_id: int | None
    reason: str
    clause: str | None
    clause_version: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    created_at: IsoTime


class AuditTrail(Public):
    items: list[AuditEntryPublic]


class AuditPage(AuditTrail):
    next: int | None = Field(description="The `before_id` of the next page, if there may be one.")


class InvitationLink(Public):
    email: str
    id: int | None
    url: str
    expires_at: IsoTime


class BulkInviteResult(Public):
    batch_id: int
    invited: list[InvitationLink]
    invalid: list[str]
    already_members: list[str]


class ModeResult(Public):
    slug: str
    moderation: str


class TransparencyFigures(Figures):
    slug: str


class NoticeAppeal(Public):
    id: int | None
    status: str
    decision_note: str
    decided_at: IsoTime | None


class NoticePublic(Public):
    """What the author sees: never who acted, always what and why."""

    id: int | None
    dialogue_id: int
    kind: str
    post_id: int | None
    message: str
    clause: str | None
    clause_version: int | None
    reason: str
    until: IsoTime | None
    created_at: IsoTime
    read: bool
    appealable: bool  # a decision about the person, not news (a concern's step, a question)
    appeal: NoticeAppeal | None


class NoticeList(Public):
    items: list[NoticePublic]


class AppealCreated(Public):
    id: int | None
    notice_id: int
    status: str


class AppealPublic(Public):
    id: int | None
    notice_id: int | None
    kind: str
    post_id: int | None
    clause: str | None
    clause_version: int | None
    reason: str
    note: str
    status: str
    decision_note: str
    decided_by: int | None
    created_at: IsoTime
    decided_at: IsoTime | None


class AppealList(Public):
    items: list[AppealPublic]


class AppealDecided(Public):
    id: int | None
    status: str
    decision_note: str


class UnmaskedAuthor(Public):
    id: int | None
    display_name: str
    email: str
    organization: str


class UnmaskRequestPublic(Public):
    """A request as staff see it; the author only for its two deciders, once approved."""

    id: int | None
    post_id: int
    requested_by: int | None
    reason: str
    status: str
    decided_by: int | None
    decision_note: str
    created_at: IsoTime
    decided_at: IsoTime | None
    author: UnmaskedAuthor | None


class UnmaskList(Public):
    items: list[UnmaskRequestPublic]


class ConcernIn(Strict):
    body: Annotated[str, Field(min_length=1, max_length=5000)]
    about_user_id: Id | None = None


class ConcernUpdateIn(Strict):
    status: Literal["acknowledged", "resolved"]
    outcome: Annotated[str, Field(max_length=5000)] = ""


class ConcernPublic(Public):
    """A concern; `raised_by` only for those who handle concerns, `mine` for its raiser."""

    id: int
    dialogue_id: int
    body: str
    about_user_id: int | None
    about_name: str | None
    raised_by: int | None
    raised_by_name: str | None
    mine: bool
    status: Literal["open", "acknowledged", "resolved"]
    outcome: str
    created_at: IsoTime
    acknowledged_at: IsoTime | None
    resolved_at: IsoTime | None


class ConcernList(Public):
    items: list[ConcernPublic]
