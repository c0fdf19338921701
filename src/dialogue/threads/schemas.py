"""Thread and post API shapes: inputs, and the models of what `presenters` build."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from dialogue.accounts.models import QuoteConsent
from dialogue.bounds import DbId, SafeLine, SafeText
from dialogue.responses import IsoTime, Public
from dialogue.threads.languages import LANG_TAG
from dialogue.threads.models import ReactionKind

# Stripped and checked by the service (`validate_warning`), as for the body.
Warning = Annotated[str | None, Field(max_length=1000)]
# A language tag (`en`, `pt-BR`); left out, the server guesses it from the body.
LangTag = Annotated[str, Field(max_length=16, pattern=LANG_TAG.pattern)]
ClientId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
# Length is checked by the service (20,000 characters) so that API, websocket and form
# answer the same; this cap only keeps absurd bodies out of the validator.
Body = Annotated[str, Field(max_length=200_000)]


class ThreadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Annotated[SafeLine, Field(min_length=1, max_length=200)]
    body: Body
    client_id: ClientId | None = None
    anonymous: bool = False
    quote_consent: QuoteConsent | None = None
    content_warning: Warning = None
    lang: LangTag | None = None


class PostCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: Body
    parent_id: DbId | None = None
    client_id: ClientId | None = None
    anonymous: bool = False
    quote_consent: QuoteConsent | None = None
    content_warning: Warning = None
    lang: LangTag | None = None


class PostUpdate(BaseModel):
    """Leaving `content_warning` out keeps it; null or "" removes it."""

    model_config = ConfigDict(extra="forbid")
    body: Body
    note: Annotated[SafeText, Field(max_length=1000)] = ""
    content_warning: Warning = None


class ReactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ReactionKind


class PostAuthor(Public):
    """A named post's author; an anonymous post has none (see `presenters.author_fields`)."""

    id: int | None
    display_name: str
    organization: str
    country: str | None


class HoldReason(Public):
    """Why the disclosure detector held a post: `body[start:end]` seemed to disclose it."""

    rule: Literal["email", "phone", "address", "watch_list", "member_detail", "phrase"]
    start: int
    end: int


class PostPublic(Public):
    """A post as its viewer may see it: `author` is null and `author_name` the anonymous
    label for an anonymous post, and both are null for content the viewer may not see."""

    id: int | None
    thread_id: int
    parent_id: int | None
    depth: int
    status: str
    anonymous: bool
    created_at: IsoTime | None
    edited_at: IsoTime | None
    moderated_at: IsoTime | None
    reply_count: int
    highlighted: bool
    reactions: dict[str, int]
    author: PostAuthor | None
    author_name: str | None
    body: str
    body_html: str
    # A default: events logged before posts had a language are read back without one.
    lang: str | None = Field(None, description="The language the post is written in, as a tag.")
    is_mine: bool | None = Field(default=None, description="Only for a signed-in viewer.")
    content_warning: str | None = Field(
        default=None, description="Shown before the post, which stays collapsed until opened."
    )
    hold_reasons: list[HoldReason] | None = Field(
        default=None,
        description="Why the post was held for review; only for its author and moderators.",
    )


class PostItem(PostPublic):
    my_reaction: str | None = Field(default=None, description="Only for a signed-in viewer.")


class PostPage(Public):
    items: list[PostItem]
    next: str | None


class ThreadAuthor(Public):
    id: int | None
    display_name: str


class ThreadPublic(Public):
    """A thread; like a post's, its author is masked when its opening post is anonymous."""

    id: int | None
    dialogue_id: int
    theme_id: int
    title: str
    status: str
    locked: bool
    pinned: bool
    post_count: int
    created_at: IsoTime | None
    last_activity_at: IsoTime | None
    author: ThreadAuthor | None
    author_name: str | None


class ThreadCreated(ThreadPublic):
    post: PostPublic


class ThreadPage(Public):
    items: list[ThreadPublic]
    next: str | None


class RevisionPublic(Public):
    id: int | None
    body: str
    editor_id: int | None = Field(
        description="Null for the author's own edits of an anonymous post."
    )
    note: str
    created_at: IsoTime


class ReactionResult(Public):
    post_id: int | None
    kind: ReactionKind
    reactions: dict[str, int]


class SearchHit(Public):
    post_id: int
    thread_id: int
    thread_title: str
    snippet_html: str


class SearchResults(Public):
    query: str
    items: list[SearchHit]


class MentionNames(Public):
    """Names to complete an @mention: only those the dialogue already shows its members."""

    query: str
    names: list[str]
