"""Names to complete an @mention in the composer, as the asking member types them.

Only names the dialogue already shows its members (`policy.MENTIONABLE`): the authors of
its published posts under their own name, who are still members. Completing a name thus
never tells anyone anything the pages did not: not who wrote anonymously, not who else is
a member, not who is in another dialogue. Mentions themselves stay plain `@Name` text
(`notifications.post_mail.mentioned`): typing one without this works the same.
"""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.dialogues.models import Membership
from dialogue.policy import MENTIONABLE
from dialogue.threads.models import Post, Thread

LIMIT = 8
MAX_QUERY = 64


def matches(name: str, typed: str) -> int | None:
    """0 when the name starts with what was typed, 1 when one of its later words does."""
    name, typed = name.casefold(), typed.casefold()
    if name.startswith(typed):
        return 0
    if any(word.startswith(typed) for word in name.split()[1:]):
        return 1
    return None


async def mention_names(
    *, session: AsyncSession, dialogue_id: int, asker_id: int, typed: str, limit: int = LIMIT
) -> list[str]:
    """Up to `limit` names for `typed` (what follows the `@`), best matches first."""
    typed = " ".join(typed.split())[:MAX_QUERY]
    if not typed:
        return []
    rows = await session.exec(
        select(User.display_name)
        .join(Post, col(Post.author_id) == col(User.id))
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .join(
            Membership,
            (col(Membership.user_id) == col(User.id))
            & (col(Membership.dialogue_id) == dialogue_id),
        )
        .where(col(Post.dialogue_id) == dialogue_id)
        .where(col(Post.anonymous) == MENTIONABLE.anonymous)
        .where(col(Post.status) == MENTIONABLE.post_status)
        .where(col(Thread.status) == MENTIONABLE.thread_status)
        .where(col(User.id) != asker_id, col(User.disabled_at).is_(None))
        .where(col(Membership.banned_at).is_(None))  # mentioning them would reach nobody
        .distinct()
    )
    ranked = sorted(
        (rank, name.casefold(), name)
        for name in set(rows.all())
        if name.strip() and (rank := matches(name, typed)) is not None
    )
    return [name for _rank, _key, name in ranked[:limit]]
