"""Typed path dependencies: the row a path parameter names, as the policy check resolved it.

`get_resolved` loads the dialogue, theme, thread or post once per request and answers 404
for an id that is missing, malformed or in another dialogue, and the policy check answers
404 to an outsider of an invite dialogue the same way. A route then receives `post: PostDep`
typed instead of reading it out of a dictionary, and each dependency declares its path
parameter, so `/api/v1/openapi.json` documents every one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from dialogue.access import ResolvedDep
from dialogue.bounds import DbId
from dialogue.dialogues.models import Dialogue, Theme
from dialogue.moderation.oversight_models import Concern
from dialogue.threads.models import Post, Thread

# The check parses these before they are validated here: an id that is not a stored id's
# shape is a 404 (it names nothing), never a 422.
Slug = Annotated[str, Path(description="The dialogue's slug.")]
ThemeId = Annotated[DbId, Path(description="A theme's id.")]
ThreadId = Annotated[DbId, Path(description="A thread's id.")]
PostId = Annotated[DbId, Path(description="A post's id.")]
ConcernId = Annotated[DbId, Path(description="A concern's id.")]


async def path_dialogue(slug: Slug, access: ResolvedDep) -> Dialogue:
    return access.require_dialogue()


async def path_theme(theme_id: ThemeId, access: ResolvedDep) -> Theme:
    return access.require_theme()


async def path_thread(thread_id: ThreadId, access: ResolvedDep) -> Thread:
    return access.require_thread()


async def path_post(post_id: PostId, access: ResolvedDep) -> Post:
    return access.require_post()


async def path_concern(concern_id: ConcernId, access: ResolvedDep) -> Concern:
    return access.require_concern()


DialogueDep = Annotated[Dialogue, Depends(path_dialogue)]
ThemeDep = Annotated[Theme, Depends(path_theme)]
ThreadDep = Annotated[Thread, Depends(path_thread)]
PostDep = Annotated[Post, Depends(path_post)]
ConcernDep = Annotated[Concern, Depends(path_concern)]
