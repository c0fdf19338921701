"""The dialogue a Pol.is conversation goes into: created afresh, or found again for a merge."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts import service as accounts
from dialogue.accounts.models import User
from dialogue.archive import polis_write as write
from dialogue.archive.polis_read import Conversation
from dialogue.db import as_utc
from dialogue.dialogues import service as dialogues
from dialogue.dialogues import theme_service
from dialogue.dialogues.models import Dialogue, DialogueStatus, ModerationMode, Theme
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, NotFound
from dialogue.i18n import gettext as _
from dialogue.markup import render_markdown
from dialogue.policy import Role, Visibility
from dialogue.threads import search
from dialogue.threads.models import Post, Thread

TITLE_MAX = 200
CONVERSATION_NAME = "Pol.is conversation"
OPENING = "conversation"  # the opening post's client_id suffix; statements use comment ids
LAST_MOMENT = timedelta(seconds=1)  # a theme closes after its last vote, not on it


async def check_target(session: AsyncSession, slug: str, *, merge: bool) -> Dialogue | None:
    """The dialogue to merge into, None for a new one; a clash without `merge` is refused."""
    dialogue = await dialogues.get_dialogue(session=session, slug=slug)
    if dialogue is None:
        return None
    if not merge:
        raise Conflict(
            _(
                "A dialogue with the slug '%(slug)s' exists already. Import again with merging "
                "(--merge) to add only what it lacks, or choose another slug."
            )
            % {"slug": slug},
            code=ErrorCode.SLUG_TAKEN,
        )
    if dialogue.status == DialogueStatus.ARCHIVED:
        raise Conflict(_("An archived dialogue is read-only."), code=ErrorCode.DIALOGUE_ARCHIVED)
    return dialogue


async def organizer(session: AsyncSession, email: str | None) -> User | None:
    if email is None:
        return None
    user = await accounts.get_user_by_email(session=session, email=email)
    if user is None:
        raise NotFound(
            _("No account has the email '%(email)s'.") % {"email": email},
            code=ErrorCode.UNKNOWN_ORGANIZER,
        )
    return user


def title(conversation: Conversation) -> str:
    return (conversation.topic or CONVERSATION_NAME)[:TITLE_MAX]


async def create(
    session: AsyncSession,
    *,
    slug: str,
    conversation: Conversation,
    key: str,
    organizer: User | None,
) -> tuple[Dialogue, Thread]:
    """A closed, invite-only dialogue with one theme over the conversation's time and one thread.

    The thread opens with the conversation's description, written by the conversation's own
    account: a thread follows its opening post's status, so a statement must not be that
    post, or hiding it would hide every statement.
    """
    accounts_by_key = await write.pseudonymous_users(
        session=session,
        emails={0: write.person_email(key)},
        names={0: CONVERSATION_NAME},
        consent=None,  # the organizers' prompt, not a participant's view: never quoted
    )
    opener = await session.get(User, accounts_by_key[0])
    assert opener is not None and opener.id is not None
    dialogue = await dialogues.create_dialogue(
        session=session,
        actor=organizer or opener,
        fields={
            "slug": slug,
            "title": title(conversation),
            "summary": conversation.description,
            "visibility": Visibility.INVITE.value,
            "moderation": ModerationMode.POST.value,
            "status": DialogueStatus.CLOSED.value,
        },
    )
    if organizer is not None:
        await write.join(
            session=session, dialogue=dialogue, user_ids=[opener.id], role=Role.OBSERVER
        )
    first, last = conversation.span()
    theme = await theme_service.create_theme(
        session=session,
        dialogue=dialogue,
        fields={"title": title(conversation), "opens_at": first, "closes_at": last + LAST_MOMENT},
    )
    assert dialogue.id is not None and theme.id is not None
    thread = Thread(
        dialogue_id=dialogue.id,
        theme_id=theme.id,
        title=title(conversation),
        author_id=opener.id,
        post_count=1,
        created_at=first,
        last_activity_at=first,
    )
    session.add(thread)
    await session.flush()
    body = conversation.description or title(conversation)
    if conversation.url:
        body += f"\n\nImported from Pol.is: {conversation.url}"
    for note in conversation.notes:
        body += f"\n\n{note}"
    opening = Post(
        dialogue_id=dialogue.id,
        thread_id=thread.id or 0,
        author_id=opener.id,
        body=body,
        body_html=render_markdown(body),
        client_id=write.client_id(dialogue, OPENING),
        created_at=first,
    )
    session.add(opening)
    await session.flush()
    await search.index_post(session=session, post=opening)
    return dialogue, thread


async def imported_thread(session: AsyncSession, dialogue: Dialogue, key: str) -> Thread:
    """The thread an earlier import of this same conversation made, or a refusal."""
    opening = (
        await session.exec(
            select(Post).where(
                Post.dialogue_id == dialogue.id,
                Post.client_id == write.client_id(dialogue, OPENING),
            )
        )
    ).first()
    if opening is None:
        raise Conflict(
            _(
                "The dialogue '%(slug)s' was not imported from Pol.is, so nothing can be "
                "merged into it."
            )
            % {"slug": dialogue.slug},
            code=ErrorCode.NOT_AN_IMPORT,
        )
    opener = await session.get(User, opening.author_id) if opening.author_id else None
    if opener is None or opener.email != write.person_email(key):
        raise Conflict(
            _("The dialogue '%(slug)s' holds another Pol.is conversation.")
            % {"slug": dialogue.slug},
            code=ErrorCode.OTHER_CONVERSATION,
        )
    thread = await session.get(Thread, opening.thread_id)
    assert thread is not None
    return thread


async def widen(
    session: AsyncSession, dialogue: Dialogue, thread: Thread, conversation: Conversation
) -> None:
    """Stretch the theme's window over what a merge brings (a later export runs longer)."""
    theme = await session.get(Theme, thread.theme_id)
    assert theme is not None
    first, last = conversation.span()
    opens, closes = as_utc(theme.opens_at), as_utc(theme.closes_at)
    if first < opens or last >= closes:
        await theme_service.update_theme(
            session=session,
            dialogue=dialogue,
            theme=theme,
            changes={"opens_at": min(first, opens), "closes_at": max(last + LAST_MOMENT, closes)},
        )
