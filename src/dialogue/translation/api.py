"""`GET /api/v1/posts/{id}/translation?to=`: a post in another language, by machine."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from dialogue.access import Access, SessionDep, allow
from dialogue.paths import PostDep
from dialogue.policy import Action
from dialogue.threads.guards import visible_post
from dialogue.threads.schemas import LangTag
from dialogue.translation.dependencies import translation_of
from dialogue.translation.schemas import TranslationPublic

router = APIRouter(tags=["translation"])


@router.get("/posts/{post_id}/translation", response_model=TranslationPublic)
async def post_translation(
    request: Request,
    session: SessionDep,
    post: PostDep,
    access: Annotated[Access, allow(Action.DIALOGUE_READ)],
    to: Annotated[LangTag, Query()],
) -> dict[str, Any]:
    """Whoever may read the post may read its translation, and nobody else (a pending or
    hidden post: its author and staff); it carries the text only, never the author."""
    post = visible_post(post, access.viewer)
    found = await translation_of(request, session, post, to)
    return {**asdict(found), "machine": True}
