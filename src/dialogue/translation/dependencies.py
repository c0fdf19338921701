"""The one way a route gets a post's translation, for the page and the API alike."""

from __future__ import annotations

from fastapi import Request

from dialogue.access import SessionDep, end_read
from dialogue.state import app_state
from dialogue.threads.models import Post
from dialogue.translation import service as translations
from dialogue.translation.service import Translated


async def translation_of(
    request: Request, session: SessionDep, post: Post, target: str
) -> Translated:
    """The post (which the caller may read: the route asked the policy) in `target`, from
    the cache or made now; the request's read connection is let go before an engine works."""
    state = app_state(request)
    found = await translations.cached_translation(
        session=session, translator=state.translator, post=post, target=target
    )
    if found is not None:
        return found
    await end_read(session)
    return await translations.make_translation(
        database=state.database, translator=state.translator, post=post, target=target
    )
