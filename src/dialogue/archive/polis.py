"""`dialogue import polis`: a Pol.is conversation export becomes a closed dialogue.

One theme, one thread opened by the conversation's own account with its description, the
statements as posts in it (moderated-out ones hidden; accepted and not-yet-reviewed ones
published, as Pol.is counts them in its analysis: under strict moderation Pol.is showed no
unreviewed statement, but the export does not say which mode a conversation ran in, so a
moderator hides what needs hiding), the latest vote of each participant as an agree,
disagree or pass reaction, and every participant a pseudonymous member.

The export is read and checked in full first (see `polis_read`), then written in one
transaction: a fault anywhere leaves the database as it was. The event log gets the
dialogue's and theme's own events and then a single `dialogue.imported` event rather than
one per post and vote: nobody watches a dialogue that does not exist yet, pages render from
the tables, and a million votes would be a million events. A client that sees the event
during a merge reloads.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from pydantic import TypeAdapter, ValidationError

from dialogue.archive import polis_dialogue as target
from dialogue.archive import polis_write as write
from dialogue.archive.polis_read import Progress, read_export
from dialogue.db import Database
from dialogue.dialogues.schemas import Slug
from dialogue.errors import Invalid
from dialogue.events.kinds import EventKind
from dialogue.events.publish import commit
from dialogue.events.service import append_event
from dialogue.i18n import gettext as _
from dialogue.policy import Role

OnDuplicate = Literal["refuse", "merge"]
READ_SHARE = 0.5  # of the progress bar; writing takes the rest


@dataclass(frozen=True, slots=True)
class ImportResult:
    slug: str
    merged: bool
    statements: int
    hidden: int
    participants: int
    votes_added: int
    votes_updated: int
    notes: tuple[str, ...]  # e.g. that the export had no votes


def _quiet(_fraction: float, _stage: str) -> None:
    return None


async def import_polis(
    *,
    database: Database,
    directory: Path,
    slug: str,
    actor_email: str | None = None,
    on_duplicate: OnDuplicate = "refuse",
    progress: Progress = _quiet,
) -> ImportResult:
    """Import a Pol.is export directory into the dialogue `slug`, all or nothing."""
    try:
        TypeAdapter(Slug).validate_python(slug)
    except ValidationError:
        raise Invalid(
            _("'%(slug)s' is not a valid slug (a-z, 0-9 and -, 2 to 63).") % {"slug": slug}
        ) from None
    merge = on_duplicate == "merge"
    async with database.reader() as session:  # fail fast, before a long read
        await target.check_target(session, slug, merge=merge)
    conversation = read_export(directory, lambda f, stage: progress(READ_SHARE * f, stage))
    key = conversation.key or slug
    async with database.writing() as session:
        dialogue = await target.check_target(session, slug, merge=merge)
        merged = dialogue is not None
        if dialogue is None:
            organizer = await target.organizer(session, actor_email)
            dialogue, thread = await target.create(
                session, slug=slug, conversation=conversation, key=key, organizer=organizer
            )
        else:
            thread = await target.imported_thread(session, dialogue, key)
            await target.widen(session, dialogue, thread, conversation)
        counts = write.Counts()
        people = conversation.people()
        voters = await write.pseudonymous_users(
            session=session,
            emails={pid: write.person_email(key, pid) for pid in people},
            names={pid: f"Participant {pid}" for pid in people},
        )
        counts.participants = await write.join(
            session=session, dialogue=dialogue, user_ids=voters.values(), role=Role.PARTICIPANT
        )
        progress(READ_SHARE, "writing statements")
        posts = await write.add_statements(
            session=session,
            dialogue=dialogue,
            thread=thread,
            statements=conversation.statements.values(),
            authors=voters,
            counts=counts,
        )
        await write.add_votes(
            session=session,
            conversation=conversation,
            posts=posts,
            voters=voters,
            merging=merged,
            counts=counts,
            progress=lambda f, stage: progress(READ_SHARE + (1 - READ_SHARE) * f, stage),
        )
        assert dialogue.id is not None
        await append_event(
            session=session,
            dialogue_id=dialogue.id,
            kind=EventKind.DIALOGUE_IMPORTED,
            # Readers see this event: what was moderated out is not counted in it.
            data={
                "source": "polis",
                "thread_id": thread.id,
                "statements": counts.statements - counts.hidden,
                "participants": counts.participants,
                "votes": counts.votes_added + counts.votes_updated,
            },
        )
        await commit(session)
    progress(1.0, "done")
    return ImportResult(slug=slug, merged=merged, notes=conversation.notes, **asdict(counts))
