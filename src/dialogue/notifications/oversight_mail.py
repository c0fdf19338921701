"""For organizers and advisors: a concern raised, a question from the advisory council.

Neither appends an event (a concern is confidential, a question is an audit entry), so the
event feed never sees them: the mail is written in the same transaction as its cause, as an
invitation's is. It is sent at once rather than batched: both are rare, and a concern may
be about someone at risk now.

The mail says that something waits and where, and nothing more: not who raised a concern,
whom it is about or what it says, nor what was asked. Everyone mailed may read all of it on
the page, but a mailbox is kept, forwarded and shared in ways a signed-in page is not.
Nobody is mailed about their own concern or question, nor about a concern that names them.
A flood (one member raising concern after concern) reaches each person at most
`PER_HOUR` times an hour; the page lists every one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.config import Settings
from dialogue.db import utcnow
from dialogue.dialogues.models import Dialogue
from dialogue.dialogues.standing import standing_of
from dialogue.i18n import gettext as _
from dialogue.notifications import audience
from dialogue.notifications.compose import Recipient, send
from dialogue.notifications.models import MailKind, OutboxMessage
from dialogue.policy import Action, Role, can

PER_HOUR = 6


async def concern_raised(
    session: AsyncSession,
    *,
    settings: Settings,
    dialogue: Dialogue,
    raised_by: int | None,
    about_user_id: int | None,
) -> int:
    """Tell those who handle concerns that one waits; how many messages were queued."""
    return await _tell(
        session,
        settings=settings,
        dialogue=dialogue,
        action=Action.CONCERN_HANDLE,
        roles=(Role.ORGANIZER, Role.ADVISOR),
        leave_out={raised_by, about_user_id},
        kind=MailKind.CONCERN,
        subject=lambda: _("A concern was raised in “%(title)s”") % {"title": dialogue.title},
        url=f"/d/{dialogue.slug}/concerns",
    )


async def question_asked(
    session: AsyncSession, *, settings: Settings, dialogue: Dialogue, asked_by: int | None
) -> int:
    """Tell the organizers that an advisor asked them something; how many messages."""
    return await _tell(
        session,
        settings=settings,
        dialogue=dialogue,
        action=Action.ADVISORY_READ,
        roles=(Role.ORGANIZER,),
        leave_out={asked_by},
        kind=MailKind.QUESTION,
        subject=lambda: (
            _("An advisor asked the organizers of “%(title)s” a question")
            % {"title": dialogue.title}
        ),
        url=f"/d/{dialogue.slug}/advisory",
    )


async def _tell(
    session: AsyncSession,
    *,
    settings: Settings,
    dialogue: Dialogue,
    action: Action,
    roles: tuple[Role, ...],
    leave_out: set[int | None],
    kind: MailKind,
    subject: Callable[[], str],
    url: str,
) -> int:
    people = await audience.readers(session=session, dialogue=dialogue, roles=roles)
    queued = 0
    for user, membership in people:
        if user.id in leave_out or not can(action, standing_of(user, membership, dialogue)):
            continue
        if await _sent_this_hour(session, user_id=user.id or 0, kind=kind) >= PER_HOUR:
            continue
        message = await send(
            session,
            settings=settings,
            recipient=Recipient.of(user),
            kind=kind,
            template=kind.value,
            subject=subject,
            context={"dialogue": dialogue, "url": settings.base_url.rstrip("/") + url},
        )
        queued += message is not None
    return queued


async def _sent_this_hour(session: AsyncSession, *, user_id: int, kind: MailKind) -> int:
    found = await session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            col(OutboxMessage.user_id) == user_id,
            col(OutboxMessage.kind) == kind.value,
            col(OutboxMessage.created_at) > utcnow() - timedelta(hours=1),
        )
    )
    return int(found.one())
