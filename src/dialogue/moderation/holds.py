"""An author's edit that now seems to disclose personal details goes back to the queue.

A new post that the disclosure detector flags is created `pending` (`threads.service`);
without this, an author could publish something harmless and then edit the address in.
The post leaves public view first (its text is taken out of the event log, as for a hide),
then the edit is written: the new text only ever reaches the author and staff.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.dialogues.models import Dialogue
from dialogue.moderation.audit import record_action
from dialogue.moderation.transitions import move_status
from dialogue.safety.holding import hold_reasons
from dialogue.threads import service as threads
from dialogue.threads.models import Post, PostStatus


async def author_edit(
    *,
    session: AsyncSession,
    post: Post,
    author: User,
    body: str,
    note: str = "",
    content_warning: str | threads.Keep | None = threads.KEEP,
) -> Post:
    """The author's own edit, held for review when its new text would be held as a new post."""
    if post.status == PostStatus.PUBLISHED:
        threads.validate_body(body)  # a refusal comes before any write
        dialogue = await session.get(Dialogue, post.dialogue_id)
        held = dialogue is not None and await hold_reasons(
            session=session, dialogue=dialogue, body=body
        )
        if held:
            old = await move_status(
                session=session, post=post, expected=(PostStatus.PUBLISHED,), to=PostStatus.PENDING
            )
            await record_action(
                session=session,
                dialogue_id=post.dialogue_id,
                actor_id=None,  # the rules held it: the author stays unnamed (anonymous posts)
                action="post.hold",
                target_type="post",
                target_id=post.id,
                before={"status": old},
                after={"status": post.status},
            )
    return await threads.edit_post(
        session=session,
        post=post,
        editor=author,
        body=body,
        note=note,
        content_warning=content_warning,
    )
