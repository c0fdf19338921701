"""News of one newly published post: to the author it answers, and to whom it mentions.

Each of them gets a notice in the app (`/notifications`, the header's live count), and a
mail when mail is configured and they have not turned that kind off.

Mentions are plain `@Name` in the text (a member's display name, any case), so they work
from any client, with or without JavaScript. An anonymous post names its author to nobody;
the person answered hears of it once, even when also mentioned. A post behind a content
warning is mailed as its warning and its link, without its words (`excerpt_of`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.config import Settings
from dialogue.dialogues.models import Dialogue, Membership
from dialogue.i18n import gettext as _
from dialogue.moderation.models import Notice, NoticeKind
from dialogue.moderation.notices import tell
from dialogue.notifications import audience
from dialogue.notifications.compose import Recipient, send
from dialogue.notifications.models import MailKind
from dialogue.notifications.reply_tokens import reply_address
from dialogue.threads.models import Post, Thread
from dialogue.threads.views import post_url

EXCERPT = 600  # characters of the post in the mail; the rest is one click away


def excerpt(body: str) -> str:
    text = body.strip()
    return text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + "…"


def excerpt_of(post: Post) -> str:
    """What a mail quotes of a post: nothing when it is behind a content warning. Mail cannot
    fold text away reliably, so such a mail shows the warning and the link instead."""
    return "" if post.content_warning else excerpt(post.body)


def mentioned(body: str, members: list[tuple[User, Membership]]) -> list[User]:
    """The members whose name follows an `@` in the text, as a word of its own."""
    text = body.casefold()
    found = []
    for user, _membership in members:
        name = user.display_name.strip().casefold()
        if name and re.search(r"(?<![\w@])@" + re.escape(name) + r"(?!\w)", text):
            found.append(user)
    return found


async def mail_post(
    session: AsyncSession,
    *,
    settings: Settings,
    dialogue: Dialogue,
    thread: Thread,
    post: Post,
    author: User | None,
    parent: Post | None,
) -> int:
    """Tell of a post that is published now: a notice each, and its mail when mail is
    configured; how many messages were queued."""
    if not (audience.is_published(post.status) and audience.is_published(thread.status)):
        return 0
    # Everyone is read only when the post may name someone: a plain reply needs only
    # whether the author answered may still read the dialogue.
    if "@" in post.body:
        members = await audience.readers(session=session, dialogue=dialogue)
    elif parent is not None and parent.author_id is not None:
        members = await audience.readers(
            session=session, dialogue=dialogue, user_ids=[parent.author_id]
        )
    else:
        return 0
    by_id = {user.id: user for user, _m in members}
    kinds: dict[int, MailKind] = {}
    if parent is not None and parent.author_id is not None and parent.author_id in by_id:
        kinds[parent.author_id] = MailKind.REPLY
    for user in mentioned(post.body, members):
        if user.id is not None:
            kinds.setdefault(user.id, MailKind.MENTION)
    kinds.pop(post.author_id or 0, None)  # nobody hears of their own post
    sent = 0
    for user_id, kind in kinds.items():
        # No actor: an anonymous reply names its author to nobody, and a named one shows
        # its author on the post itself.
        notice = Notice(
            dialogue_id=dialogue.id or 0,
            user_id=user_id,
            kind=(NoticeKind.REPLY if kind == MailKind.REPLY else NoticeKind.MENTION).value,
            post_id=post.id,
        )
        await tell(session=session, notice=notice)
        if not settings.smtp_url:
            continue
        recipient = by_id[user_id]
        message = await send(
            session,
            settings=settings,
            recipient=Recipient.of(recipient),
            kind=kind,
            template="post",
            subject=_subject(kind, thread),
            context={
                "kind": kind.value,
                "dialogue": dialogue,
                "thread": thread,
                "author_name": None if post.anonymous or author is None else author.display_name,
                "anonymous": post.anonymous,
                "excerpt": excerpt_of(post),
                "content_warning": post.content_warning,
                "created_at": post.created_at,
                "post_url": settings.base_url.rstrip("/")
                + post_url(dialogue.slug, thread.id or 0, post.id or 0),
            },
            reply_to=reply_address(settings, user_id=user_id, thread_id=thread.id or 0),
        )
        sent += message is not None
    return sent


def _subject(kind: MailKind, thread: Thread) -> Callable[[], str]:
    def subject() -> str:
        if kind == MailKind.REPLY:
            return _("New reply in “%(title)s”") % {"title": thread.title}
        return _("You were mentioned in “%(title)s”") % {"title": thread.title}

    return subject
