"""Muting or barring an anonymous post's author, recorded against the post, never the member.

Staff can act on the person behind an anonymous post without learning who it is, so nothing
they can read may change with it: not the member list, not a member's trail, not presence,
and not any answer. The sanction therefore lives in its own row keyed by the post; the
author's membership stays as it was, their sockets stay open, and every refusal or
conflict depends only on that post's own sanction, never on who wrote it or what role they
hold. Its one effect is that the author cannot post until it ends (a "ban" through a post
bars posting for good; removing a person from the dialogue takes an unmask first).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.dialogues.models import Dialogue
from dialogue.events.kinds import EventKind
from dialogue.events.models import Audience
from dialogue.events.service import append_event
from dialogue.moderation.clauses import cite
from dialogue.moderation.members import (
    NOTICES,
    Change,
    MemberAction,
    mute_end,
    record_change,
    require_reason,
)
from dialogue.moderation.models import AuthorSanction, Notice, NoticeKind
from dialogue.moderation.notices import notify
from dialogue.threads.models import Post

TARGET = "post_author"  # the audit log's name for a person reached only through a post


def sanction_state(sanction: AuthorSanction | None) -> dict[str, Any]:
    """What staff may know: the post's own sanction, in the member state's field names."""
    until = sanction.muted_until if sanction else None
    return {
        "muted_until": until.isoformat() if until else None,
        "banned": bool(sanction and sanction.barred),
    }


async def sanction_of(*, session: AsyncSession, post_id: int) -> AuthorSanction | None:
    found = await session.exec(select(AuthorSanction).where(AuthorSanction.post_id == post_id))
    return found.first()


def _apply(sanction: AuthorSanction, act: MemberAction) -> None:
    if act.action == "mute":
        sanction.muted_until = mute_end(act.until)
    elif act.action == "unmute":
        sanction.muted_until = None
    else:
        sanction.barred = act.action == "ban"


async def sanction_author(
    *, session: AsyncSession, dialogue: Dialogue, post: Post, actor: User, act: MemberAction
) -> dict[str, Any]:
    """Mute, unmute, bar or lift the bar on an anonymous post's author; audit and tell them."""
    assert post.id is not None and dialogue.id is not None
    require_reason(act)
    citation = await cite(session=session, dialogue=dialogue, clause=act.clause)
    sanction = await sanction_of(session=session, post_id=post.id)
    before = sanction_state(sanction)
    if sanction is None:
        sanction = AuthorSanction(dialogue_id=dialogue.id, post_id=post.id, user_id=post.author_id)
    _apply(sanction, act)
    after = sanction_state(sanction)
    entry = await record_change(
        session=session,
        row=sanction,
        change=Change(
            dialogue_id=dialogue.id,
            actor_id=actor.id,
            action=f"author.{act.action}",
            target=(TARGET, post.id),
            act=act,
            citation=citation,
        ),
        before=before,
        after=after,
    )
    if act.action in NOTICES:
        await notify(
            session=session,
            dialogue_id=dialogue.id,
            user_id=post.author_id,
            kind=NOTICES[act.action],
            entry=entry,
            post_id=post.id,
            until=sanction.muted_until if act.action == "mute" else None,
        )
    await append_event(
        session=session,
        dialogue_id=dialogue.id,
        kind=EventKind.AUTHOR_MODERATED,
        data={"post_id": post.id, **after},
        audience=Audience.STAFF,
    )
    return {"post_id": post.id, **after}


def through_post(notice: Notice) -> bool:
    """Whether a mute or ban notice came from a sanction through a post (not the membership)."""
    return notice.kind in (NoticeKind.MUTED, NoticeKind.BANNED) and notice.post_id is not None


async def lift(*, session: AsyncSession, notice: Notice) -> None:
    """Undo the sanction a notice told of (an appeal overturned it)."""
    assert notice.post_id is not None
    sanction = await sanction_of(session=session, post_id=notice.post_id)
    if sanction is None:
        return
    if notice.kind == NoticeKind.MUTED:
        sanction.muted_until = None
    else:
        sanction.barred = False
    session.add(sanction)
    await session.flush()
