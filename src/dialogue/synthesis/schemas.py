"""Report API bodies, and the models of what the report routes answer."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from dialogue.bounds import DbId, SafeText
from dialogue.responses import IsoTime, Public
from dialogue.synthesis.models import ReportAudience, ReportSection, ReportState
from dialogue.synthesis.render.registry import Format as Format  # the API's names of formats

MAX_MARKDOWN = 100_000


class NarrativeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    executive_summary: SafeText | None = Field(default=None, max_length=MAX_MARKDOWN)
    introduction: SafeText | None = Field(default=None, max_length=MAX_MARKDOWN)
    recommendations: SafeText | None = Field(default=None, max_length=MAX_MARKDOWN)
    # Theme id -> Markdown; an empty text removes that theme's summary.
    theme_summaries: dict[DbId, Annotated[SafeText, Field(max_length=MAX_MARKDOWN)]] | None = None


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: SafeText = Field(min_length=1, max_length=20_000)
    theme_id: DbId | None = None
    # Left out: `theme` when a theme is named, else `general`.
    section: ReportSection | None = None


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: ReportState
    note: SafeText = Field(default="", max_length=5000)


class AudienceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    audience: ReportAudience


class JobIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Format


class JobPublic(Public):
    id: str
    format: str
    state: str
    progress: float
    stage: str
    error: str | None
    seconds: float


class RedactionPublic(Public):
    kind: str  # the rule that found it (`safety.disclosure.Rule`): member_name, place, ...
    placeholder: str  # what the report prints instead, e.g. "[name]"
    reason: str  # why, in the report's language
    text: str  # the words replaced: shown to reviewers only, never published


class QuoteReviewRow(Public):
    post_id: int
    thread_id: int
    quote: str  # as the report prints it
    attribution: str
    origin: str  # how precise the origin is: country, region, none, anonymous post, named
    redactions: list[RedactionPublic]


class QuoteReviewPublic(JobPublic):
    """A review list's job; `quotes` once it is done (null while it runs or if it failed)."""

    quotes: list[QuoteReviewRow] | None


class Approval(Public):
    user_id: int | None
    role: str
    created_at: IsoTime


class ReviewPublic(Public):
    state: str
    review_round: int
    audience: str
    has_advisors: bool
    approvals: list[Approval]
    published_at: IsoTime | None
    updated_at: IsoTime


class NarrativePublic(Public):
    executive_summary: str
    introduction: str
    recommendations: str
    theme_summaries: dict[str, str] = Field(description="Theme id -> Markdown.")
    state: str
    updated_at: IsoTime


class CommentAuthor(Public):
    id: int | None
    display_name: str


class CommentPublic(Public):
    id: int | None
    body: str
    theme_id: int | None
    section: str
    author: CommentAuthor | None
    created_at: IsoTime


class CommentList(Public):
    items: list[CommentPublic]


class VersionPublic(Public):
    version: int
    review_round: int
    executive_summary: str
    introduction: str
    recommendations: str
    theme_summaries: dict[str, str] = Field(description="Theme id -> Markdown.")
    author: CommentAuthor | None
    created_at: IsoTime


class VersionList(Public):
    items: list[VersionPublic]


class TimelineStep(Public):
    at: IsoTime
    action: str = Field(description="submit, approve, return, publish, audience or edit.")
    actor: str | None = Field(description="Display name; null once the account is gone.")
    note: str
    detail: dict[str, Any]


class TimelineList(Public):
    items: list[TimelineStep]
