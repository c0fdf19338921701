"""A post event's `_post.html`, rendered once per kind of reader, for the live client to insert.

The page and the live update draw a post with the same template (DESIGN "One fragment").
What the fragment shows depends on the reader's role (reaction, reply and flag controls,
the unmask link, the moderators' tools), language and timezone, and on one per-person fact
the server can decide without naming anyone: whether the reader wrote the post (edit and
delete, no flag). That last one comes from the event's `subject_user_id`, which never leaves
the server, so the fragment every other reader gets carries nothing about an anonymous
author. What only the browser knows (the CSRF token, fresh client ids, the page's
`after_id`, "your reaction", whether the page lets this person post at all) the live client
fills in from the page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue import i18n
from dialogue.adapters.websocket_protocol import OutFrame
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.conduct import Clause, parse_clauses
from dialogue.dialogues.models import Dialogue
from dialogue.events.kinds import POST_KINDS, EventKind
from dialogue.events.models import Event
from dialogue.i18n import gettext as _
from dialogue.policy import ROLE_ACTIONS, Action, Role, StaffTools, Viewer
from dialogue.threads.models import PostStatus
from dialogue.threads.presenters import ANONYMOUS_NAME
from dialogue.threads.views import post_view

# Events that can change what a fragment draws from the dialogue (its slug, whether anonymous
# posting is offered, the code of conduct's clauses a flag cites).
CONTEXT_KINDS = frozenset({EventKind.DIALOGUE_UPDATED})
_LINE_BREAKS = re.compile(r"\s*\n\s*")
_KEPT_STATUSES = frozenset({PostStatus.HIDDEN, PostStatus.REJECTED})


@dataclass(frozen=True, slots=True)
class ReaderClass:
    """Everything a post's fragment depends on about its reader, except authorship.

    `key` stands for the three in the per-event cache: the hub looks a frame up for every
    socket, and hashing a string (cached by Python) costs a third of hashing this dataclass.
    """

    role: Role | None
    language: str
    timezone: str
    key: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", f"{self.role or ''}|{self.language}|{self.timezone}")


@dataclass(frozen=True, slots=True)
class DialogueContext:
    """What the fragment reads of the dialogue; loaded once per channel, not per event."""

    slug: str
    allow_anonymous: bool
    clauses: tuple[Clause, ...] = field(default_factory=tuple)
    support_text: str = ""  # shown to the author of a held post


async def load_context(session: AsyncSession, dialogue: Dialogue) -> DialogueContext:
    conduct = await dialogues.current_conduct(session=session, dialogue=dialogue)
    return DialogueContext(
        slug=dialogue.slug,
        allow_anonymous=dialogue.allow_anonymous,
        clauses=tuple(parse_clauses(conduct.text)) if conduct else (),
        support_text=dialogue.support_text,
    )


def _allowed(action: Action, role: Role | None) -> bool:
    # The page asks `access.user is not None and access.can(...)`: a reader without a role
    # (signed out, or not a member of a public dialogue) gets none of these controls.
    return role is not None and role in ROLE_ACTIONS[action]


class PostFragments:
    """Renders `threads/_post.html` from a post event's data, as the page would for a reader."""

    def __init__(self, env: Environment) -> None:
        self._template: Template = env.get_template("threads/_post.html")

    def render(
        self, data: Mapping[str, Any], reader: ReaderClass, *, mine: bool, context: DialogueContext
    ) -> str:
        previous = i18n.current_language()
        i18n.activate(reader.language)
        try:
            node = post_view(data)
            if node.anonymous and node.author_name:
                # The event was written in its author's language; each reader reads their own.
                node.author_name = _(ANONYMOUS_NAME)
            node.is_mine = mine
            # The client drops this link when the parent is on its page, as the page would.
            node.in_reply_to = node.parent_id
            # The body travels once, as the event's `body_html`; the client puts it in. A post
            # hidden or rejected arrives without one; who still sees it keeps the page's.
            node.body_kept = (
                not node.body_html
                and node.status in _KEPT_STATUSES
                and (mine or Viewer(user_id=None, role=reader.role).is_staff)
            )
            node.body_html = ""
            html = self._template.render(
                node=node,
                dialogue=context,
                thread={"id": node.thread_id, "theme_id": None},
                timezone=reader.timezone,
                lang=reader.language,
                after_id=None,
                can_react=_allowed(Action.POST_REACT, reader.role),
                can_flag=_allowed(Action.POST_FLAG, reader.role),
                can_raise_concern=_allowed(Action.CONCERN_RAISE, reader.role),
                can_unmask=_allowed(Action.AUTHOR_UNMASK, reader.role),
                # The moderators' tools for the moderators' class only; the codes form is
                # left out (no post event changes codes: the client keeps the page's).
                tools=StaffTools.of(lambda action: _allowed(action, reader.role)),
                codebook=(),
                block=None if _allowed(Action.POST_CREATE, reader.role) else "no",
                clauses=context.clauses,
                codes={},  # no post event changes codes: the client keeps the ones it shows
                form=None,
                new_client_id=str,  # "": the client gives each form its own id
                csrf_token="",  # the client copies the page's token in
            )
            # Every listener's frame carries this: the template's indentation would be a third
            # of it. A run of blanks holding a line break reads as one space in HTML, except
            # inside <pre>, which only the body (left out of this) may contain.
            return _LINE_BREAKS.sub("\n", html).strip()
        finally:
            i18n.activate(previous)

    async def events_out(
        self,
        *,
        session: AsyncSession,
        dialogue_id: int,
        events: Sequence[Event],
        reader: ReaderClass,
        user_id: int | None,
    ) -> list[dict[str, Any]]:
        """Events as `GET .../events` returns them: post events with the fragment, as on the
        websocket, rendered for the one caller (a fallback path: no cache across callers)."""
        context = None
        if any(event.kind in POST_KINDS for event in events):
            dialogue = await session.get(Dialogue, dialogue_id, populate_existing=True)
            context = await load_context(session, dialogue) if dialogue else None
        out: list[dict[str, Any]] = []
        for event in events:
            data = event.data
            if context is not None and event.kind in POST_KINDS:
                mine = user_id is not None and event.subject_user_id == user_id
                html = self.render(data, reader, mine=mine, context=context)
                data = {**data, "html": html}
            out.append({"seq": event.seq, "kind": event.kind, "data": data})
        return out


def event_frame(seq: int, kind: str, data: Mapping[str, Any]) -> str:
    return json.dumps(
        {"type": "event", "seq": seq, "kind": kind, "data": data}, separators=(",", ":")
    )


@dataclass(slots=True)
class EventFrames:
    """One post event's frames, rendered on first need for each (reader class, authorship)."""

    fragments: PostFragments
    context: DialogueContext
    seq: int
    kind: str
    data: dict[str, Any]
    cache: dict[tuple[str, bool], OutFrame] = field(default_factory=dict)

    def frame(self, reader: ReaderClass, mine: bool) -> OutFrame:
        key = (reader.key, mine)
        frame = self.cache.get(key)
        if frame is None:
            html = self.fragments.render(self.data, reader, mine=mine, context=self.context)
            text = event_frame(self.seq, self.kind, {**self.data, "html": html})
            frame = self.cache[key] = OutFrame(text)
        return frame
