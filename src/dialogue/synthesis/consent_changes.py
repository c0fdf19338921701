"""A change of someone's consent to be quoted, and what it does to reports already out.

Reports read consent when they are built, so a change before publication simply shows in
the next draft. A withdrawal after publication must also reach the report people already
read: every published report that quotes the person is rebuilt without the withdrawn words
(a new snapshot version; the earlier versions are scrubbed the same way, so no stored copy
keeps them), and the dialogue's organizers are told through their notifications.

Every change is kept twice: for the person, with their name, in `ConsentChange` (shown on
/me); for the organizers, in each of the person's dialogues' audit logs, without the
person. A named entry beside a quote vanishing from the published report would tell the
organizers who wrote an anonymous post.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.dialogues.models import Dialogue, Membership
from dialogue.moderation.audit import record_action
from dialogue.moderation.models import NoticeKind
from dialogue.moderation.notices import notify
from dialogue.policy import Role
from dialogue.synthesis import pipeline
from dialogue.synthesis.consent import narrows
from dialogue.synthesis.models import (
    ConsentChange,
    Report,
    ReportJob,
    ReportSnapshot,
    ReportState,
)
from dialogue.synthesis.render.common import RenderOptions
from dialogue.threads.models import Post

ACTION = "consent.change"


async def record_change(
    *, session: AsyncSession, user: User, before: str | None, after: str | None, via: str
) -> ConsentChange | None:
    """Keep the change and, when it withdraws anything, rebuild the published reports.

    Call it after the profile holds the new value (it is read back by the rebuild).
    """
    if (before or None) == (after or None) or user.id is None:
        return None
    await session.flush()
    memberships = (
        await session.exec(select(Membership.dialogue_id).where(Membership.user_id == user.id))
    ).all()
    regenerated = 0
    for dialogue_id in sorted(set(memberships)):
        await record_action(
            session=session,
            dialogue_id=dialogue_id,
            actor_id=None,  # pseudonymous: see the module's docstring
            action=ACTION,
            target_type="consent",
            target_id=None,
            before={"quote_consent": before},
            after={"quote_consent": after},
        )
        if narrows(before, after) and await _rebuild(session, dialogue_id, user.id):
            regenerated += 1
    change = ConsentChange(
        user_id=user.id, before=before, after=after, via=via, reports_regenerated=regenerated
    )
    session.add(change)
    await session.flush()
    return change


async def _rebuild(session: AsyncSession, dialogue_id: int, user_id: int) -> bool:
    """The dialogue's published report under today's consent, if it quoted the person."""
    report = (await session.exec(select(Report).where(Report.dialogue_id == dialogue_id))).first()
    if report is None or report.state != ReportState.PUBLISHED or report.id is None:
        return False
    snapshots = (
        await session.exec(
            select(ReportSnapshot)
            .where(ReportSnapshot.report_id == report.id)
            .order_by(col(ReportSnapshot.version))
        )
    ).all()
    if not snapshots:
        return False
    rows = await session.exec(
        select(Post.id).where(Post.dialogue_id == dialogue_id, Post.author_id == user_id)
    )
    theirs = {post_id for post_id in rows.all() if post_id is not None}
    if not any(_quotes_any(s.document, theirs) for s in snapshots):
        return False
    dialogue = await session.get(Dialogue, dialogue_id)
    assert dialogue is not None
    latest = snapshots[-1]
    for snapshot in snapshots:
        snapshot.document = await pipeline.current_snapshot(
            session=session, dialogue=dialogue, document=snapshot.document, options=RenderOptions()
        )
        session.add(snapshot)
    session.add(
        ReportSnapshot(report_id=report.id, version=latest.version + 1, document=latest.document)
    )
    # Files already rendered from the old snapshot are dropped with it.
    ids = [s.id for s in snapshots]
    await session.exec(
        delete(ReportJob).where(
            col(ReportJob.snapshot_id).in_(ids), col(ReportJob.finished_at).is_not(None)
        )
    )
    entry = await record_action(
        session=session,
        dialogue_id=dialogue_id,
        actor_id=None,
        action="report.regenerate",
        target_type="report",
        target_id=report.id,
        reason="consent withdrawn",
    )
    for organizer in await _organizers(session, dialogue_id):
        await notify(
            session=session,
            dialogue_id=dialogue_id,
            user_id=organizer,
            kind=NoticeKind.REPORT_REGENERATED,
            entry=entry,
        )
    return True


def _quotes_any(document: str, post_ids: set[int]) -> bool:
    rows = json.loads(document).get("posts", [])
    return any(row.get("quoted") and row.get("id") in post_ids for row in rows)


async def _organizers(session: AsyncSession, dialogue_id: int) -> Sequence[int]:
    return (
        await session.exec(
            select(Membership.user_id).where(
                Membership.dialogue_id == dialogue_id,
                Membership.role == Role.ORGANIZER,
                col(Membership.banned_at).is_(None),
            )
        )
    ).all()


async def changes_of(*, session: AsyncSession, user_id: int) -> Sequence[ConsentChange]:
    """The person's own trail, newest first."""
    return (
        await session.exec(
            select(ConsentChange)
            .where(ConsentChange.user_id == user_id)
            .order_by(col(ConsentChange.id).desc())
        )
    ).all()
