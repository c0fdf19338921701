"""The demo's moderation: highlights, the flag and the codebook, through the moderation services.

Each goes through `dialogue.moderation` as a moderator's or a reader's action would, so the
events, the audit log and the queue are theirs. Rows and events are dated at their moment
in the story; audit entries keep the time of the load, because the audit log is
append-only (on PostgreSQL a trigger refuses any UPDATE) and records when things were done.
"""

from __future__ import annotations

from collections import defaultdict

from dialogue.demo.stage import Stage
from dialogue.demo.timeline import Flagging, Highlight
from dialogue.moderation import codebook, flags
from dialogue.moderation.actions import PostAction, moderate_post


async def highlight(stage: Stage, step: Highlight) -> None:
    """A facilitator marks a post as a quote for the report; the moderators take turns."""
    moderators = stage.moderators()
    actor = moderators[stage.content.highlights.index(step.post) % len(moderators)]
    await moderate_post(
        session=stage.session,
        dialogue=stage.dialogue,
        post=stage.posts[step.post],
        actor=actor,
        action=PostAction.HIGHLIGHT,
    )
    stage.backdates.date_events(stage.session, step.at)


async def flag(stage: Stage, step: Flagging) -> None:
    """A reader reports a post that could identify a survivor; it waits in the queue."""
    spec = stage.content.flag
    created = await flags.create_flag(
        session=stage.session,
        dialogue=stage.dialogue,
        post=stage.posts[step.post],
        user=stage.users[spec.by],
        reason=spec.reason,
        note=spec.note,
    )
    created.created_at = step.at
    stage.session.add(created)
    stage.backdates.date_events(stage.session, step.at)


async def code_posts(stage: Stage) -> None:
    """The codebook the moderators prepared, and the codes they applied to posts."""
    assert stage.dialogue.id is not None
    actor = stage.moderators()[0]
    codes_of: dict[str, list[int]] = defaultdict(list)
    for spec in stage.content.codes:
        code = await codebook.create_code(
            session=stage.session,
            dialogue_id=stage.dialogue.id,
            actor_id=actor.id,
            name=spec.name,
            description=spec.description,
            colour=spec.colour,
        )
        assert code.id is not None
        code.created_at = stage.plan.opened_at()
        stage.session.add(code)
        for key in spec.posts:
            codes_of[key].append(code.id)
    for key, code_ids in codes_of.items():
        post_id = stage.posts[key].id
        assert post_id is not None
        await codebook.set_post_codes(
            session=stage.session,
            dialogue_id=stage.dialogue.id,
            actor_id=actor.id,
            post_id=post_id,
            code_ids=code_ids,
        )
