"""Who may receive mail about a dialogue's content: asked of the policy at sending time.

A person is mailed about a post only if, right now, they could read it on the page: a
member (not banned, account not disabled) of the dialogue, the post and its thread
published. Whatever changed since the post was written (a removal, a ban, a hide) counts.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.dialogues.models import Dialogue, Membership
from dialogue.dialogues.standing import standing_of
from dialogue.policy import Action, Role, can
from dialogue.threads.models import PostStatus


def may_read(user: User, membership: Membership | None, dialogue: Dialogue) -> bool:
    """A member who may read the dialogue now (mail goes to members only, never to a
    passer-by of a public dialogue)."""
    if membership is None or user.disabled_at is not None:
        return False
    return can(Action.DIALOGUE_READ, standing_of(user, membership, dialogue))


def is_published(status: str) -> bool:
    return status == PostStatus.PUBLISHED


async def readers(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    user_ids: Sequence[int] | None = None,
    roles: Sequence[Role] | None = None,
) -> list[tuple[User, Membership]]:
    """Members who may read the dialogue now, optionally only these people or these roles."""
    query = (
        select(User, Membership)
        .join(Membership, col(Membership.user_id) == col(User.id))
        .where(Membership.dialogue_id == dialogue.id)
    )
    if user_ids is not None:
        query = query.where(col(User.id).in_(user_ids))
    if roles is not None:
        query = query.where(col(Membership.role).in_([r.value for r in roles]))
    rows = (await session.exec(query.order_by(col(User.id)))).all()
    return [(user, membership) for user, membership in rows if may_read(user, membership, dialogue)]
