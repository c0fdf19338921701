"""Route-side checks for filtering by code, shared by the JSON lists and the pages.

Codes are for those who may read the codebook (organizers, moderators, advisors): to anyone
else a filter by code would tell which posts were coded, so they are refused it outright.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import Query
from pydantic import BeforeValidator
from sqlalchemy import Select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.access import Access, refusal
from dialogue.bounds import DbId
from dialogue.moderation import codebook
from dialogue.moderation.models import Code
from dialogue.policy import Action

# A page's "any code" option sends `code=` (empty): that is no filter, not a bad value.
CodeParam = Annotated[
    DbId | None,
    BeforeValidator(lambda value: value or None),
    Query(description="only posts with this code"),
]


async def code_filter(
    *, session: AsyncSession, access: Access, code_id: int | None
) -> Select[int] | None:
    """The posts to keep when a list or search is narrowed to one code; None when it is not."""
    if code_id is None:
        return None
    if not access.can(Action.CODEBOOK_READ):
        raise refusal(Action.CODEBOOK_READ, access.standing)
    code = await codebook.get_code(
        session=session, dialogue_id=access.require_dialogue().id or 0, code_id=code_id
    )
    return codebook.coded_posts(code)


async def codes_shown(
    *, session: AsyncSession, access: Access, post_ids: Sequence[int]
) -> dict[int, list[Code]]:
    """The codes on each of these posts, for those who may read the codebook; else none."""
    if not access.can(Action.CODEBOOK_READ):
        return {}
    return await codebook.codes_by_post(session=session, post_ids=post_ids)


async def codes_offered(*, session: AsyncSession, access: Access) -> Sequence[Code]:
    """The codes a page offers to filter by: none to those who may not read the codebook."""
    if not access.can(Action.CODEBOOK_READ):
        return []
    return await codebook.list_codes(session=session, dialogue_id=access.require_dialogue().id or 0)
