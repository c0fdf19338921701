"""The shapes posts and threads take in the API, in events and in pages.

One function builds a post's public form for everyone who may see it, so an anonymous
author is masked the same way on every path.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from dialogue.accounts.models import User
from dialogue.i18n import gettext as _
from dialogue.policy import Viewer
from dialogue.threads.models import PostStatus, Thread


class PostFields(Protocol):
    """What presenters read of a post: a loaded `Post`, or a `PostRow` just inserted."""

    @property
    def id(self) -> int | None: ...
    @property
    def dialogue_id(self) -> int: ...
    @property
    def thread_id(self) -> int: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def depth(self) -> int: ...
    @property
    def author_id(self) -> int | None: ...
    @property
    def anonymous(self) -> bool: ...
    @property
    def body(self) -> str: ...
    @property
    def body_html(self) -> str: ...
    @property
    def lang(self) -> str | None: ...
    @property
    def status(self) -> str: ...
    @property
    def reply_count(self) -> int: ...
    @property
    def highlighted(self) -> bool: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def edited_at(self) -> datetime | None: ...
    @property
    def moderated_at(self) -> datetime | None: ...
    @property
    def content_warning(self) -> str | None: ...
    @property
    def hold_reasons(self) -> list[dict[str, Any]] | None: ...


ANONYMOUS_NAME = "Anonymous participant"
EMPTY_COUNTS = {"agree": 0, "disagree": 0, "pass": 0}


def iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def author_fields(post: PostFields, author: User | None) -> dict[str, Any]:
    if post.anonymous:
        return {"author": None, "author_name": _(ANONYMOUS_NAME)}
    if author is None:
        return {"author": None, "author_name": None}
    return {
        "author": {
            "id": author.id,
            "display_name": author.display_name,
            "organization": author.organization,
            "country": author.country,
        },
        "author_name": author.display_name,
    }


def shows_content(post: PostFields, viewer: Viewer | None) -> bool:
    """Published content to everyone; anything else only to its author and to staff."""
    if post.status == PostStatus.PUBLISHED:
        return True
    if post.status == PostStatus.DELETED or viewer is None:
        return False
    return viewer.is_staff or (viewer.user_id is not None and viewer.user_id == post.author_id)


def post_data(
    post: PostFields,
    author: User | None,
    *,
    counts: dict[str, int] | None = None,
    viewer: Viewer | None = None,
) -> dict[str, Any]:
    """A post as the viewer may see it; `viewer=None` gives what every reader may see."""
    data: dict[str, Any] = {
        "id": post.id,
        "thread_id": post.thread_id,
        "parent_id": post.parent_id,
        "depth": post.depth,
        "status": post.status,
        "anonymous": post.anonymous,
        "created_at": iso(post.created_at),
        "edited_at": iso(post.edited_at),
        "moderated_at": iso(post.moderated_at),
        "reply_count": post.reply_count,
        "highlighted": post.highlighted,
        "reactions": dict(counts or EMPTY_COUNTS),
    }
    if shows_content(post, viewer):
        data.update(
            author_fields(post, author),
            body=post.body,
            body_html=post.body_html,
            content_warning=post.content_warning,
            lang=post.lang,
        )
        if viewer is not None and _sees_hold(post, viewer):
            data["hold_reasons"] = list(post.hold_reasons or [])
    else:
        data.update(
            author=None, author_name=None, body="", body_html="", content_warning=None, lang=None
        )
    if viewer is not None and viewer.user_id is not None:
        data["is_mine"] = viewer.user_id == post.author_id
    return data


def _sees_hold(post: PostFields, viewer: Viewer) -> bool:
    """Why a post was held names what it disclosed: for its author and staff only."""
    return viewer.is_staff or (viewer.user_id is not None and viewer.user_id == post.author_id)


def thread_data(thread: Thread, author: User | None, *, anonymous: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": thread.id,
        "dialogue_id": thread.dialogue_id,
        "theme_id": thread.theme_id,
        "title": thread.title,
        "status": thread.status,
        "locked": thread.locked,
        "pinned": thread.pinned,
        "post_count": thread.post_count,
        "created_at": iso(thread.created_at),
        "last_activity_at": iso(thread.last_activity_at),
    }
    if anonymous or author is None:
        data.update(author=None, author_name=_(ANONYMOUS_NAME) if anonymous else None)
    else:
        data.update(
            author={"id": author.id, "display_name": author.display_name},
            author_name=author.display_name,
        )
    return data
