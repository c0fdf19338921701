"""Who may see a post or thread and how fast one may post: answered alike on every path.

The JSON API, the pages, the websocket and the post writer all ask here, so a post hidden
from someone is hidden the same way everywhere.
"""

from __future__ import annotations

from dialogue.errors import NotFound, RateLimited
from dialogue.i18n import gettext as _
from dialogue.policy import Viewer
from dialogue.ratelimit import RateLimit
from dialogue.threads.models import Post, Thread
from dialogue.threads.presenters import shows_content


async def guard_post_rate(limiter: RateLimit, user_id: int) -> None:
    """Posting is rate-limited per account, on every path that creates posts (HTTP, forms,
    websocket), by the app's one posting limit, across every instance that shares Redis."""
    wait = await limiter.hit(str(user_id))
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
