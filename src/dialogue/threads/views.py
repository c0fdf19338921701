"""What the thread templates draw: posts and thread rows built from the presenters' dicts.

The views start from `post_data` / `thread_data`, the same masked shapes the API and the
events carry, so a live update can render `_post.html` from an event exactly as the page
does, and an anonymous author is masked once, in the presenter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dialogue.accounts.tombstone import shown_name
from dialogue.threads.models import PostStatus

MODERATED = (PostStatus.HIDDEN, PostStatus.REJECTED)


def parse_time(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


@dataclass(slots=True)
class PostView:
    """One post as the reader may see it, with its replies on the same page."""

    id: int
    thread_id: int
    parent_id: int | None
    status: str
    anonymous: bool
    author_name: str | None
    organization: str
    body_html: str
    lang: str | None
    created_at: datetime | None
    edited_at: datetime | None
    moderated_at: datetime | None
    highlighted: bool
    reactions: dict[str, int]
    my_reaction: str | None = None
    is_mine: bool = False
    # The post's parent when that parent is on an earlier page, so the reader can go there.
    in_reply_to: int | None = None
    # Live fragments only: the event carries no body (the post left public view), yet this
    # reader sees it on the page (staff, its author), so the client keeps the body it shows.
    body_kept: bool = False
    # A post gone back to the queue (its author's edit was held), as its former readers see
    # it in the live update that takes it away: only its place.
    withheld: bool = False
    content_warning: str | None = None
    # Why the disclosure detector held it: only in the author's and staff's views.
    hold_reasons: list[dict[str, Any]] | None = None
    level: int = 0
    children: list[PostView] = field(default_factory=list)

    @property
    def shows_content(self) -> bool:
        return self.status != PostStatus.DELETED and (self.body_kept or bool(self.body_html))

    @property
    def placeholder(self) -> str | None:
        """`deleted` or `moderated` when only the post's place is shown, else None."""
        if self.status == PostStatus.DELETED:
            return "deleted"
        if self.withheld or (not self.shows_content and self.status in MODERATED):
            return "moderated"
        return None

    @property
    def awaiting_moderation(self) -> bool:
        return self.status == PostStatus.PENDING

    @property
    def published(self) -> bool:
        return self.status == PostStatus.PUBLISHED


def post_view(data: Mapping[str, Any], *, my_reaction: str | None = None) -> PostView:
    """A template view of one `post_data` dict (from a page query or from an event)."""
    author = data.get("author") or {}
    return PostView(
        id=int(data["id"]),
        thread_id=int(data["thread_id"]),
        parent_id=data.get("parent_id"),
        status=str(data["status"]),
        anonymous=bool(data.get("anonymous")),
        author_name=shown_name(data.get("author_name")),
        organization=str(author.get("organization") or ""),
        body_html=str(data.get("body_html") or ""),
        lang=data.get("lang"),
        created_at=parse_time(data.get("created_at")),
        edited_at=parse_time(data.get("edited_at")),
        moderated_at=parse_time(data.get("moderated_at")),
        highlighted=bool(data.get("highlighted")),
        reactions=dict(data.get("reactions") or {}),
        my_reaction=my_reaction,
        is_mine=bool(data.get("is_mine")),
        content_warning=data.get("content_warning"),
        hold_reasons=data.get("hold_reasons"),
        withheld=data["status"] == PostStatus.PENDING and not data.get("body_html"),
    )


def build_tree(posts: Iterable[PostView]) -> list[PostView]:
    """Nest one page of posts (in id order) under their parents; return the top level.

    A reply always has a larger id than its parent, so a parent on this page is placed
    before its replies; a reply whose parent is on an earlier page starts the top level.
    """
    by_id: dict[int, PostView] = {}
    roots: list[PostView] = []
    for post in posts:
        parent = by_id.get(post.parent_id) if post.parent_id is not None else None
        if parent is None:
            post.in_reply_to = post.parent_id
            post.level = 0
            roots.append(post)
        else:
            post.level = parent.level + 1
            parent.children.append(post)
        by_id[post.id] = post
    return roots


@dataclass(frozen=True, slots=True)
class ThreadRow:
    id: int
    title: str
    author_name: str | None
    status: str
    pinned: bool
    locked: bool
    post_count: int
    created_at: datetime | None
    last_activity_at: datetime | None


def thread_row(data: Mapping[str, Any]) -> ThreadRow:
    """A template view of one `thread_data` dict."""
    return ThreadRow(
        id=int(data["id"]),
        title=str(data["title"]),
        author_name=shown_name(data.get("author_name")),
        status=str(data["status"]),
        pinned=bool(data.get("pinned")),
        locked=bool(data.get("locked")),
        post_count=int(data.get("post_count") or 0),
        created_at=parse_time(data.get("created_at")),
        last_activity_at=parse_time(data.get("last_activity_at")),
    )


def thread_url(slug: str, thread_id: int, *, after_id: int | None = None, post_id: int = 0) -> str:
    """A thread page (from `after_id` on, when given), scrolled to one post when given."""
    url = f"/d/{slug}/threads/{thread_id}"
    if after_id is not None:
        url += f"?after_id={after_id}"
    return url + (f"#post-{post_id}" if post_id else "")


def post_url(slug: str, thread_id: int, post_id: int) -> str:
    """A page certain to show the post, however long the thread: the page that starts at it
    (its parent, when on an earlier page, is one "in reply to" link away)."""
    return thread_url(slug, thread_id, after_id=post_id - 1, post_id=post_id)
