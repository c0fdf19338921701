"""Who may see a post or thread and how fast one may post: answered alike on every path.

The JSON API, the pages, the websocket and the post writer all ask here, so a post hidden
from someone is hidden the same way everywhere.
"""

from __future__ import annotations

from dialogue.errors import NotFound, RateLimited
from dialogue.i18n import gettext as _
from dialogue.policy import Viewer
from dialogue.ratelimit import RateLimits
from dialogue.threads.models import Post, Thread
from dialogue.threads.presenters import shows_content


async def guard_post_rate(limits: RateLimits, user_id: int, address: str | None) -> None:
    """Posting is rate-limited per account and per client address (`address`; None for
    e-mail replies, which come from mail servers), on every path that creates posts (HTTP,
    forms, websocket, e-mail), across every instance that shares Redis."""
    wait = await limits.posts.hit(str(user_id))
    if wait is None and address is not None:
        wait = await limits.posts_by_address.hit(address)
    if wait is not None:
        raise RateLimited(_("You are posting too fast. Please wait a moment."), retry_after=wait)


def visible_post(post: Post, viewer: Viewer) -> Post:
    """A post the viewer may not see answers 404, exactly like one that does not exist."""
    if not shows_content(post, viewer):
        raise NotFound(_("Not found."))
    return post


def visible_thread(thread: Thread, viewer: Viewer) -> Thread:
    if thread.status != "published" and not viewer.is_staff and thread.author_id != viewer.user_id:
        raise NotFound(_("Not found."))
    return thread
