"""Thread and post API shapes (inputs; outputs are the dicts of `presenters`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from dialogue.accounts.models import QuoteConsent
from dialogue.bounds import DbId, SafeLine, SafeText
from dialogue.threads.models import ReactionKind

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


class PostCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: Body
    parent_id: DbId | None = None
    client_id: ClientId | None = None
    anonymous: bool = False
    quote_consent: QuoteConsent | None = None


class PostUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: Body
    note: Annotated[SafeText, Field(max_length=1000)] = ""


class ReactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: ReactionKind


class Page(BaseModel):
    items: list[dict[str, Any]]
    next: str | None = None
