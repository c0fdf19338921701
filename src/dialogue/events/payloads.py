"""The model of each event kind's data, and the envelopes `GET .../events` answers with.

The services build event data as plain dicts (the presenters' output, shared with the API),
so the log's hot path pays for no model. Where `Settings.check_events` is on (the tests),
`append_event` checks every appended event's data against its kind's model, so a payload
and its model cannot drift apart unnoticed. Each envelope names its kinds once: the table
`EVENT_DATA` of kind to model is read from them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import Field

from dialogue.dialogues.schemas import DialogueSummary, MemberState, ThemeSummary
from dialogue.events.kinds import EventKind
from dialogue.responses import IsoTime, Public
from dialogue.threads.schemas import PostPublic, ThreadPublic

K = EventKind


class PostEventData(PostPublic):
    """A post as every reader may see it (as staff see it, for a post readers cannot)."""

    html: str | None = Field(
        default=None, description="The post's fragment, rendered for the caller; not stored."
    )


class ReactionChanged(Public):
    post_id: int | None
    thread_id: int
    reactions: dict[str, int]


class DialogueImported(Public):
    source: str
    thread_id: int | None
    statements: int
    participants: int
    votes: int


class FlagCreated(Public):
    flag_id: int | None
    post_id: int | None
    thread_id: int
    reason: str
    open_flags: int


class AuthorModerated(Public):
    """An anonymous post's author's sanction: nothing in it says who the author is."""

    post_id: int | None
    muted_until: IsoTime | None
    banned: bool


class ConductAccepted(Public):
    user_id: int
    version: int


class ReportCommented(Public):
    comment_id: int | None
    theme_id: int | None
    section: str | None = None  # which part of the report (`ReportSection`)


class ReportUpdated(Public):
    state: str
    review_round: int


class EventBase(Public):
    seq: int


class PostEvent(EventBase):
    kind: Literal[K.POST_CREATED, K.POST_UPDATED, K.POST_STATUS]
    data: PostEventData


class ThreadEvent(EventBase):
    kind: Literal[K.THREAD_CREATED, K.THREAD_UPDATED]
    data: ThreadPublic


class ReactionEvent(EventBase):
    kind: Literal[K.REACTION_CHANGED]
    data: ReactionChanged


class ThemeEvent(EventBase):
    kind: Literal[K.THEME_CREATED, K.THEME_UPDATED, K.THEME_DELETED]
    data: ThemeSummary


class DialogueEvent(EventBase):
    kind: Literal[K.DIALOGUE_CREATED, K.DIALOGUE_UPDATED]
    data: DialogueSummary


class ImportEvent(EventBase):
    kind: Literal[K.DIALOGUE_IMPORTED]
    data: DialogueImported


class FlagEvent(EventBase):
    kind: Literal[K.FLAG_CREATED]
    data: FlagCreated


class MemberEvent(EventBase):
    kind: Literal[K.MEMBER_UPDATED]
    data: MemberState


class AuthorEvent(EventBase):
    kind: Literal[K.AUTHOR_MODERATED]
    data: AuthorModerated


class ConductEvent(EventBase):
    kind: Literal[K.CONDUCT_ACCEPTED]
    data: ConductAccepted


class CommentEvent(EventBase):
    kind: Literal[K.REPORT_COMMENTED]
    data: ReportCommented


class ReportEvent(EventBase):
    kind: Literal[K.REPORT_UPDATED]
    data: ReportUpdated


AnyEvent = Annotated[
    PostEvent
    | ThreadEvent
    | ReactionEvent
    | ThemeEvent
    | DialogueEvent
    | ImportEvent
    | FlagEvent
    | MemberEvent
    | AuthorEvent
    | ConductEvent
    | CommentEvent
    | ReportEvent,
    Field(discriminator="kind"),
]
ENVELOPES: tuple[type[EventBase], ...] = get_args(get_args(AnyEvent)[0])
EVENT_DATA: dict[EventKind, type[Public]] = {
    kind: envelope.model_fields["data"].annotation  # type: ignore[misc]
    for envelope in ENVELOPES
    for kind in get_args(envelope.model_fields["kind"].annotation)
}


class EventPage(Public):
    """The caller's view of the log after `after`; `last_seq` is where to resume from."""

    events: list[AnyEvent]
    last_seq: int


def check_data(kind: EventKind, data: dict[str, Any]) -> None:
    """Raise pydantic's `ValidationError` where `data` is not what `kind` carries."""
    EVENT_DATA[kind].model_validate(data)
