"""Replaying three weeks of threads, posts, reactions and the queued post through the services.

Threads and posts go through `dialogue.threads.service`, which keeps what a live dialogue
would have: thread counters, reply counts, the SQLite search index and one event per
change, in `seq` order. Reactions append the same events through a cheaper path (see
`reactions`). Each change is then dated at its moment in the schedule (see `stamping`).
"""

from __future__ import annotations

from datetime import timedelta

from dialogue.demo import moderation
from dialogue.demo.specs import PostSpec
from dialogue.demo.stage import Stage
from dialogue.demo.timeline import Flagging, Highlight, Hold, React, Write
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import ModerationMode, Theme
from dialogue.threads import service as threads
from dialogue.threads.models import Post, Thread
from dialogue.threads.presenters import PostFields


def as_written(stage: Stage, thread_index: int) -> Theme:
    """A thread's theme as it stood when its posts were written: open.

    The service asks whether a theme is open by the clock, and these posts are history. A
    copy (never added to the session) carries a window reaching past now; the stored
    theme keeps its real dates.
    """
    theme = stage.themes[stage.content.threads[thread_index].theme]
    return Theme(
        id=theme.id,
        dialogue_id=theme.dialogue_id,
        position=theme.position,
        title=theme.title,
        opens_at=theme.opens_at,
        closes_at=max(theme.closes_at, stage.plan.now + timedelta(days=1)),
    )


async def write(stage: Stage, step: Write) -> None:
    spec = step.post
    if spec.thread not in stage.threads:
        thread, written, _created = await threads.create_thread(
            session=stage.session,
            dialogue=stage.dialogue,
            theme=as_written(stage, spec.thread),
            user=stage.users[spec.author],
            membership=stage.memberships[spec.author],
            title=stage.content.threads[spec.thread].title,
            body=spec.body,
            client_id=f"demo-{spec.key}",
            restricted=False,
            anonymous=spec.anonymous,
        )
        thread.created_at = step.at
        stage.threads[spec.thread] = thread
        post = await _loaded(stage, written)
    else:
        thread = stage.threads[spec.thread]
        post = await _reply(stage, spec, thread)
    post.created_at = step.at
    thread.last_activity_at = step.at
    stage.session.add_all([post, thread])
    stage.backdates.date_events(stage.session, step.at, data=True)
    stage.posts[spec.key] = post


async def _loaded(stage: Stage, written: PostFields) -> Post:
    """The written post as a loaded row, to date it like the rest of the history."""
    post = await stage.session.get(Post, written.id)
    assert post is not None
    return post


async def _reply(stage: Stage, spec: PostSpec, thread: Thread) -> Post:
    written, _created = await threads.create_post(
        session=stage.session,
        dialogue=stage.dialogue,
        theme=as_written(stage, spec.thread),
        thread=thread,
        user=stage.users[spec.author],
        membership=stage.memberships[spec.author],
        body=spec.body,
        parent_id=stage.posts[spec.reply_to].id if spec.reply_to else None,
        client_id=f"demo-{spec.key}",
        restricted=False,
        anonymous=spec.anonymous,
    )
    return await _loaded(stage, written)


async def react(stage: Stage, step: React) -> None:
    post, user = stage.posts[step.post], stage.users[step.person]
    await stage.ledger.react(stage.session, post=post, user=user, kind=step.kind, at=step.at)
    stage.backdates.date_events(stage.session, step.at)


async def hold(stage: Stage, step: Hold) -> None:
    """The one queued post: the dialogue goes to pre-moderation for it and back again."""
    await _set_moderation(stage, ModerationMode.PRE, step)
    spec = stage.content.pending
    written, _created = await threads.create_post(
        session=stage.session,
        dialogue=stage.dialogue,
        theme=as_written(stage, spec.thread),
        thread=stage.threads[spec.thread],
        user=stage.users[spec.author],
        membership=stage.memberships[spec.author],
        body=spec.body,
        parent_id=stage.posts[spec.reply_to].id if spec.reply_to else None,
        client_id="demo-pending",
        restricted=False,
    )
    post = await _loaded(stage, written)
    post.created_at = step.at
    stage.session.add(post)
    stage.backdates.date_events(stage.session, step.at, data=True)
    await _set_moderation(stage, ModerationMode.POST, step)


async def _set_moderation(stage: Stage, mode: ModerationMode, step: Hold) -> None:
    await dialogues.update_dialogue(
        session=stage.session, dialogue=stage.dialogue, changes={"moderation": mode.value}
    )
    stage.dialogue.updated_at = step.at
    stage.session.add(stage.dialogue)
    stage.backdates.date_events(stage.session, step.at)


async def replay(stage: Stage) -> None:
    """Run the schedule's steps in time order, so ids and `seq` follow the story's clock."""
    for step in stage.plan.steps:
        if isinstance(step, Write):
            await write(stage, step)
        elif isinstance(step, React):
            await react(stage, step)
        elif isinstance(step, Highlight):
            await moderation.highlight(stage, step)
        elif isinstance(step, Flagging):
            await moderation.flag(stage, step)
        else:
            await hold(stage, step)
