"""Moderators' private notes on members and threads, for the dialogue's moderators and organizers.

A note is a moderator's memory shared with the other moderators ("asked to rephrase twice",
"this thread needs watching on Fridays"). Nothing else reads them: no event, no audit entry
(advisors read the log), no archive, report, export or transparency figure. They are
offered only where the subject is already known to staff: a member's page and a thread's
tools, never an anonymous post's author.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue
from dialogue.errors import Invalid, NotFound
from dialogue.i18n import gettext as _
from dialogue.moderation.oversight_models import ModeratorNote
from dialogue.threads.models import Thread

MAX_BODY = 5000
MAX_LISTED = 200


async def member_name(*, session: AsyncSession, dialogue_id: int, user_id: int) -> str:
    """A member's name for their notes page; anyone else is as unknown as nobody."""
    membership = await dialogues.get_membership(
        session=session, dialogue_id=dialogue_id, user_id=user_id
    )
    user = await session.get(User, user_id) if membership is not None else None
    if user is None:
        raise NotFound(_("Not found."))
    return user.display_name


async def add_note(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    author: User,
    body: str,
    about_user_id: int | None = None,
    thread: Thread | None = None,
) -> ModeratorNote:
    """A note on one member or one thread of this dialogue (exactly one of the two)."""
    text = body.strip()
    if not text:
        raise Invalid(
            _("Please write the note."), fields=[{"field": "body", "message": "required"}]
        )
    if about_user_id is not None:
        await member_name(session=session, dialogue_id=dialogue.id or 0, user_id=about_user_id)
    assert (about_user_id is None) != (thread is None), "a note has exactly one subject"
    note = ModeratorNote(
        dialogue_id=dialogue.id or 0,
        author_id=author.id,
        about_user_id=about_user_id,
        thread_id=thread.id if thread else None,
        body=text,
    )
    session.add(note)
    await session.flush()
    return note


@dataclass(frozen=True, slots=True)
class NoteView:
    note: ModeratorNote
    author: str | None
    subject: str | None  # the member's name or the thread's title

    @property
    def created(self) -> datetime:
        return self.note.created_at


async def list_notes(
    *,
    session: AsyncSession,
    dialogue_id: int,
    about_user_id: int | None = None,
    thread_id: int | None = None,
    since: datetime | None = None,
) -> list[NoteView]:
    """Newest first: a member's, a thread's, or (neither given) all of the dialogue's."""
    query = select(ModeratorNote).where(ModeratorNote.dialogue_id == dialogue_id)
    if about_user_id is not None:
        query = query.where(ModeratorNote.about_user_id == about_user_id)
    if thread_id is not None:
        query = query.where(ModeratorNote.thread_id == thread_id)
    if since is not None:
        query = query.where(col(ModeratorNote.created_at) > since)
    found = (
        await session.exec(query.order_by(col(ModeratorNote.id).desc()).limit(MAX_LISTED))
    ).all()
    return await _views(session, found)


async def _views(session: AsyncSession, found: Sequence[ModeratorNote]) -> list[NoteView]:
    people = {n.author_id for n in found} | {n.about_user_id for n in found}
    people.discard(None)
    names: dict[int, str] = {}
    if people:
        rows = await session.exec(
            select(User.id, User.display_name).where(col(User.id).in_(people))
        )
        names = {row[0]: row[1] for row in rows.all() if row[0] is not None}
    thread_ids = {n.thread_id for n in found if n.thread_id is not None}
    titles: dict[int, str] = {}
    if thread_ids:
        rows_t = await session.exec(
            select(Thread.id, Thread.title).where(col(Thread.id).in_(thread_ids))
        )
        titles = {row[0]: row[1] for row in rows_t.all() if row[0] is not None}
    return [
        NoteView(
            note=n,
            author=names.get(n.author_id) if n.author_id else None,
            subject=names.get(n.about_user_id) if n.about_user_id else titles.get(n.thread_id or 0),
        )
        for n in found
    ]
