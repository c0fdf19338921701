"""A person deletes their account (`DELETE /api/v1/me`, the profile page, or an admin on request).

The account row stays as a tombstone rather than being deleted: posts, reactions, flags and
audit entries point at it, and deleting it would either cascade into other people's threads
or leave holes. Everything that says who the person was goes: name, e-mail address,
organisation, country, constituency, password, sessions and tokens. What stays reads as
"Former participant", so that the audit log keeps a pseudonymous record (an entry per
dialogue: the account was deleted, and whether its posts were kept). Consent to be quoted
becomes `none`: reports read the current consent, so the next draft and the published
report leave the person's words out.

With `posts="remove"` each post is soft deleted as its author would delete it (its place
stays, replies stay threaded) and its revisions, which kept the old text, go too.
"""

from __future__ import annotations

from enum import StrEnum

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts import service as accounts
from dialogue.accounts.models import Digest, QuoteConsent, User
from dialogue.accounts.passwords import verify_password
from dialogue.accounts.tombstone import FORMER_PARTICIPANT
from dialogue.db import utcnow
from dialogue.dialogues.models import Membership
from dialogue.error_codes import ErrorCode
from dialogue.errors import DialogueError, Forbidden
from dialogue.i18n import gettext as _
from dialogue.moderation import audit
from dialogue.threads import service as threads
from dialogue.threads.models import Post, PostRevision, PostStatus

ACTION = "account.delete"


class PostsChoice(StrEnum):
    KEEP = "keep"
    REMOVE = "remove"


def tombstone_email(user_id: int) -> str:
    """Unique (the column is) and undeliverable (`.invalid` is reserved, RFC 2606)."""
    return f"deleted-{user_id}@deleted.invalid"


async def delete_own_account(
    *, session: AsyncSession, user: User, password: str, posts: PostsChoice
) -> None:
    """The person themself, confirming with their password."""
    if not await verify_password(user.password_hash, password):
        raise Forbidden(_("The password is not right."), code=ErrorCode.INVALID_CREDENTIALS)
    await delete_account(session=session, user=user, posts=posts, actor=user)


async def delete_account(
    *, session: AsyncSession, user: User, posts: PostsChoice, actor: User
) -> None:
    """Erase the person, keep or remove their posts, and log it in each of their dialogues."""
    assert user.id is not None
    if posts is PostsChoice.REMOVE:
        await _remove_posts(session, user)
    memberships = (
        await session.exec(select(Membership).where(Membership.user_id == user.id))
    ).all()
    on_request = actor.id != user.id
    for membership in memberships:
        await audit.record_action(
            session=session,
            dialogue_id=membership.dialogue_id,
            actor_id=actor.id,
            action=ACTION,
            target_type="member",
            target_id=user.id,
            reason="on request" if on_request else "",
            after={"posts": posts.value},
        )
    await accounts.revoke_all_tokens(session=session, user_id=user.id)
    user.display_name = FORMER_PARTICIPANT
    user.email = tombstone_email(user.id)
    user.password_hash = None
    user.organization = ""
    user.country = None
    user.constituency = None
    user.quote_consent = QuoteConsent.NONE
    user.digest = Digest.OFF
    user.is_admin = False
    user.disabled_at = user.disabled_at or utcnow()
    session.add(user)
    await session.flush()


async def _remove_posts(session: AsyncSession, user: User) -> None:
    authored = (await session.exec(select(Post).where(Post.author_id == user.id))).all()
    for post in authored:
        if post.status == PostStatus.DELETED:
            continue
        try:
            await threads.delete_post(session=session, post=post, actor=user)
        except DialogueError:  # an archived dialogue takes no change: its text goes all the same
            post.status = PostStatus.DELETED
            post.body = ""
            post.body_html = ""
            session.add(post)
    ids = [post.id for post in authored if post.id is not None]
    if ids:
        await session.exec(delete(PostRevision).where(col(PostRevision.post_id).in_(ids)))
    await session.flush()
