"""What an import does once every record is in: forward links, counters, the event log."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select, update

from dialogue.archive.state import RestoreState
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue
from dialogue.events.kinds import EventKind
from dialogue.events.service import append_event
from dialogue.moderation.models import Notice
from dialogue.threads.models import Post, PostStatus, Thread


async def finish(reader: RestoreState) -> None:
    """Link notices to their audit entries, recount a merge's threads, and start the log.

    The event log is not archived: it is a delivery log for the live pages, full of this
    server's ids and of payloads already redacted or not. A restored dialogue starts a
    fresh, gap-free log with the event a new dialogue starts with (a merge adds an update),
    so pages and sockets on this server pick it up like any other dialogue.
    """
    session = reader.session
    links = []
    for at, notice, entry in reader.forward:
        try:
            links.append(
                {"notice": reader.ids["notice"][notice - 1], "entry": reader.lookup("audit", entry)}
            )
        except ValueError as exc:
            reader.fail(at, f"notice audit_entry_id {exc}")
    if links:
        table = Notice.__table__  # type: ignore[attr-defined]
        statement = (
            update(table)
            .where(table.c.id == bindparam("notice"))
            .values(audit_entry_id=bindparam("entry"))
        )
        await session.exec(statement, params=links)
    if reader.merge and reader.added["post"]:
        await _recount(reader)
    if reader.merge and not any(reader.added.values()):
        return  # nothing changed: nothing to announce
    dialogue = await session.get(Dialogue, reader.dialogue_id)
    assert dialogue is not None
    await append_event(
        session=session,
        dialogue_id=reader.dialogue_id,
        kind=EventKind.DIALOGUE_UPDATED if reader.merge else EventKind.DIALOGUE_CREATED,
        data=dialogues.dialogue_summary(dialogue),
    )


async def _recount(reader: RestoreState) -> None:
    """Merged posts join threads that were here: count them as the thread service does."""
    post, thread = Post.__table__, Thread.__table__  # type: ignore[attr-defined]
    replies = post.alias("reply")
    await reader.session.exec(
        update(thread)
        .where(thread.c.dialogue_id == reader.dialogue_id)
        .values(
            post_count=select(func.count())
            .where(post.c.thread_id == thread.c.id, post.c.status == PostStatus.PUBLISHED.value)
            .scalar_subquery()
        )
    )
    await reader.session.exec(
        update(post)
        .where(post.c.dialogue_id == reader.dialogue_id)
        .values(
            reply_count=select(func.count())
            .where(replies.c.parent_id == post.c.id)
            .scalar_subquery()
        )
    )
