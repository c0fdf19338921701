"""The codebook: codes a dialogue's staff define and apply to posts for the synthesis report."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, Invalid
from dialogue.i18n import gettext as _
from dialogue.moderation.audit import record_action
from dialogue.moderation.models import Code, PostCode

COLOUR = re.compile(r"^#[0-9a-f]{6}$")
NAME_MAX = 80  # the column's length


async def list_codes(*, session: AsyncSession, dialogue_id: int) -> Sequence[Code]:
    """A dialogue's codebook, by name."""
    return (
        await session.exec(
            select(Code)
            .where(Code.dialogue_id == dialogue_id)
            .order_by(col(Code.name), col(Code.id))
        )
    ).all()


async def codes_by_post(*, session: AsyncSession, post_ids: Sequence[int]) -> dict[int, list[Code]]:
    """The codes applied to each post (every id given is a key), in one query."""
    result: dict[int, list[Code]] = {post_id: [] for post_id in post_ids}
    if not post_ids:
        return result
    rows = (
        await session.exec(
            select(PostCode.post_id, Code)
            .join(Code, col(Code.id) == col(PostCode.code_id))
            .where(col(PostCode.post_id).in_(list(post_ids)))
            .order_by(col(Code.name), col(Code.id))
        )
    ).all()
    for post_id, code in rows:
        result[post_id].append(code)
    return result


async def _free_name(
    *, session: AsyncSession, dialogue_id: int, name: str, code_id: int | None = None
) -> str:
    """A code's name, trimmed; refused when empty, too long or another code's."""
    name = name.strip()
    if not name:
        raise Invalid(_("A code needs a name."), fields=[{"field": "name", "message": "empty"}])
    if len(name) > NAME_MAX:
        raise Invalid(
            _("A code's name has at most %(max)s characters.") % {"max": NAME_MAX},
            fields=[{"field": "name", "message": "too long"}],
        )
    existing = (
        await session.exec(select(Code).where(Code.dialogue_id == dialogue_id, Code.name == name))
    ).first()
    if existing is not None and existing.id != code_id:
        raise Conflict(
            _("This codebook already has a code with that name."), code=ErrorCode.CODE_EXISTS
        )
    return name


async def post_counts(*, session: AsyncSession, dialogue_id: int) -> dict[int, int]:
    """How many posts carry each code of the codebook (codes on no post are left out)."""
    rows = (
        await session.exec(
            select(PostCode.code_id, func.count(col(PostCode.post_id)))
            .join(Code, col(Code.id) == col(PostCode.code_id))
            .where(Code.dialogue_id == dialogue_id)
            .group_by(col(PostCode.code_id))
        )
    ).all()
    return dict(rows)


def coded_posts(code: Code) -> Select[int]:
    """The ids of the posts carrying a code, as a subquery to narrow a list or a search."""
    return select(PostCode.post_id).where(PostCode.code_id == code.id)


async def get_code(*, session: AsyncSession, dialogue_id: int, code_id: int) -> Code:
    """A code of this dialogue's codebook; any other id is refused as not in it."""
    code = await session.get(Code, code_id)
    if code is None or code.dialogue_id != dialogue_id:
        raise Invalid(
            _("Codes must come from this dialogue's codebook."),
            code=ErrorCode.UNKNOWN_CODE,
            fields=[{"field": "code", "message": "not in this codebook"}],
        )
    return code


async def create_code(
    *,
    session: AsyncSession,
    dialogue_id: int,
    actor_id: int | None,
    name: str,
    description: str,
    colour: str,
) -> Code:
    """Add a code, with its audit entry; names are unique within a dialogue."""
    name = await _free_name(session=session, dialogue_id=dialogue_id, name=name)
    colour = colour.lower()
    if not COLOUR.match(colour):
        raise Invalid(
            _("A colour is written as #rrggbb."),
            fields=[{"field": "colour", "message": "not #rrggbb"}],
        )
    code = Code(dialogue_id=dialogue_id, name=name, description=description, colour=colour)
    session.add(code)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            _("This codebook already has a code with that name."), code=ErrorCode.CODE_EXISTS
        ) from exc
    await record_action(
        session=session,
        dialogue_id=dialogue_id,
        actor_id=actor_id,
        action="code.create",
        target_type="code",
        target_id=code.id,
        after={"name": code.name, "colour": code.colour},
    )
    return code


async def set_post_codes(
    *,
    session: AsyncSession,
    dialogue_id: int,
    actor_id: int | None,
    post_id: int,
    code_ids: Sequence[int],
) -> list[Code]:
    """Replace a post's codes, with the audit entry; every id must be in this codebook."""
    wanted = list(dict.fromkeys(code_ids))
    codes: Sequence[Code] = []
    if wanted:
        codes = (
            await session.exec(
                select(Code).where(col(Code.id).in_(wanted), Code.dialogue_id == dialogue_id)
            )
        ).all()
    unknown = sorted(set(wanted) - {code.id for code in codes})
    if unknown:
        raise Invalid(
            _("Codes must come from this dialogue's codebook."),
            code=ErrorCode.UNKNOWN_CODE,
            fields=[{"field": "codes", "message": f"not in this codebook: {unknown}"}],
        )
    previous = (
        await session.exec(select(PostCode.code_id).where(PostCode.post_id == post_id))
    ).all()
    await session.exec(delete(PostCode).where(col(PostCode.post_id) == post_id))
    for code in codes:
        assert code.id is not None
        session.add(PostCode(post_id=post_id, code_id=code.id))
    await session.flush()
    await record_action(
        session=session,
        dialogue_id=dialogue_id,
        actor_id=actor_id,
        action="post.codes",
        target_type="post",
        target_id=post_id,
        before={"codes": sorted(previous)},
        after={"codes": [c.id for c in codes]},
    )
    return sorted(codes, key=lambda c: (c.name, c.id or 0))


async def update_code(
    *, session: AsyncSession, code: Code, actor_id: int | None, name: str, description: str
) -> Code:
    """Rename a code or describe it again, with the audit entry; the posts keep it."""
    name = await _free_name(
        session=session, dialogue_id=code.dialogue_id, name=name, code_id=code.id
    )
    before = {"name": code.name, "description": code.description}
    after = {"name": name, "description": description.strip()}
    if before == after:
        raise Conflict(_("This code is already like that."), code=ErrorCode.ALREADY_HANDLED)
    code.name, code.description = after["name"], after["description"]
    session.add(code)
    await session.flush()
    await record_action(
        session=session,
        dialogue_id=code.dialogue_id,
        actor_id=actor_id,
        action="code.update",
        target_type="code",
        target_id=code.id,
        before=before,
        after=after,
    )
    return code


async def merge_codes(
    *, session: AsyncSession, source: Code, target: Code, actor_id: int | None
) -> int:
    """Fold `source` into `target`: its posts get `target`, then it leaves the codebook.

    Returns how many posts carried `source`. A post that had both keeps `target` once.
    """
    if source.id == target.id or source.dialogue_id != target.dialogue_id:
        raise Invalid(
            _("Choose another code of this codebook to merge into."),
            code=ErrorCode.UNKNOWN_CODE,
            fields=[{"field": "into", "message": "the same code, or not in this codebook"}],
        )
    moved = (
        await session.exec(select(PostCode.post_id).where(PostCode.code_id == source.id))
    ).all()
    having = set(
        (
            await session.exec(
                select(PostCode.post_id).where(
                    PostCode.code_id == target.id, col(PostCode.post_id).in_(list(moved))
                )
            )
        ).all()
    )
    await session.exec(delete(PostCode).where(col(PostCode.code_id) == source.id))
    assert target.id is not None
    for post_id in moved:
        if post_id not in having:
            session.add(PostCode(post_id=post_id, code_id=target.id))
    await record_action(
        session=session,
        dialogue_id=source.dialogue_id,
        actor_id=actor_id,
        action="code.merge",
        target_type="code",
        target_id=source.id,
        before={"name": source.name, "posts": len(moved)},
        after={"into": target.id, "name": target.name},
    )
    await session.delete(source)
    await session.flush()
    return len(moved)
