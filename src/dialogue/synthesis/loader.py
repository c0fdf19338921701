"""Loading a `ReportSource` from the database: a handful of set queries, no per-post round trips.

Only published posts in published threads are read; every other status is counted, never
loaded, so no path can leak a pending, rejected, hidden or deleted post into a report.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nh3
from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue, Membership, ThemeFacilitator
from dialogue.moderation import codebook
from dialogue.moderation.models import AuditEntry, Flag
from dialogue.policy import CONFIDENTIAL_TARGETS
from dialogue.safety.disclosure import Rules, entries
from dialogue.synthesis.consent import NAMED
from dialogue.synthesis.models import Report
from dialogue.synthesis.source import (
    Narrative,
    Person,
    ReportSource,
    SourcePost,
    SourceTheme,
)
from dialogue.threads.models import Post, PostStatus, Reaction, Thread

CHUNK = 5000  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


def plain(body_html: str) -> str:
    """The words of a post, from its already sanitised HTML (faster than re-rendering)."""
    return html.unescape(nh3.clean(body_html, tags=set())).strip()


def narrative_of(report: Report | None) -> Narrative:
    if report is None:
        return Narrative()
    return Narrative(
        executive_summary=report.executive_summary,
        introduction=report.introduction,
        recommendations=report.recommendations,
        themes={int(k): str(v) for k, v in (report.theme_summaries or {}).items() if v},
    )


async def _posts(session: AsyncSession, dialogue_id: int) -> list[Any]:
    # SQLModel's `select` types at most four columns; this one reads thirteen.
    query = (
        select_columns(
            col(Post.id),
            col(Post.thread_id),
            col(Thread.theme_id),
            col(Thread.title),
            col(Post.parent_id),
            col(Post.author_id),
            col(Post.anonymous),
            col(Post.quote_consent),
            col(Post.body_html),
            col(Post.created_at),
            col(Post.highlighted),
            col(Post.content_warning),
            col(Post.client_id),
        )
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .where(
            col(Post.dialogue_id) == dialogue_id,
            col(Post.status) == PostStatus.PUBLISHED,
            col(Thread.status) == PostStatus.PUBLISHED,
        )
        .order_by(col(Post.id))
    )
    return list((await session.exec(query)).all())  # type: ignore[call-overload]


async def _codes(session: AsyncSession, post_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    found: dict[int, tuple[str, ...]] = {}
    for start in range(0, len(post_ids), CHUNK):
        chunk = post_ids[start : start + CHUNK]
        by_post = await codebook.codes_by_post(session=session, post_ids=chunk)
        found.update({pid: tuple(sorted(c.name for c in codes)) for pid, codes in by_post.items()})
    return found


async def _people(
    session: AsyncSession, dialogue_id: int, author_ids: set[int]
) -> dict[int, Person]:
    people: dict[int, Person] = {}
    ids = sorted(author_ids)
    for start in range(0, len(ids), CHUNK):
        rows = (
            await session.exec(
                select(User, Membership.role)
                .outerjoin(
                    Membership,
                    (col(Membership.user_id) == col(User.id))
                    & (col(Membership.dialogue_id) == dialogue_id),
                )
                .where(col(User.id).in_(ids[start : start + CHUNK]))
            )
        ).all()
        for user, role in rows:
            assert user.id is not None
            people[user.id] = Person(
                id=user.id,
                display_name=user.display_name,
                organization=user.organization or "",
                country=user.country,
                constituency=user.constituency,
                quote_consent=user.quote_consent,
                role=role,
            )
    return people


async def _counts(session: AsyncSession, column: Any, *where: Any) -> dict[str, int]:
    rows = (await session.exec(select(column, func.count()).where(*where).group_by(column))).all()
    return {str(key): int(n) for key, n in rows}


async def _organizers(session: AsyncSession, dialogue_id: int) -> tuple[str, ...]:
    rows = (
        await session.exec(
            select(User.organization, User.display_name)
            .join(Membership, col(Membership.user_id) == col(User.id))
            .where(
                Membership.dialogue_id == dialogue_id,
                Membership.role == "organizer",
                User.quote_consent == NAMED,
            )
        )
    ).all()
    return tuple(sorted({(org or name).strip() for org, name in rows if (org or name).strip()}))


async def _identities(session: AsyncSession, dialogue: Dialogue) -> Rules:
    """Every member's name and organisation, and the organizers' lists: what quotes hide."""
    rows = (
        await session.exec(
            select(User.display_name, User.organization)
            .join(Membership, col(Membership.user_id) == col(User.id))
            .where(Membership.dialogue_id == dialogue.id)
            .order_by(col(User.id))
        )
    ).all()
    return Rules(
        watch_list=entries(dialogue.watch_list),
        phrases=entries(dialogue.hold_phrases),
        member_names=tuple(name for name, _org in rows if name),
        organisations=tuple(sorted({org.strip() for _name, org in rows if org and org.strip()})),
    )


def polis_statement(client_id: str | None, dialogue_id: int) -> str | None:
    """The Pol.is comment id of a post imported from Pol.is (`archive.polis_write.client_id`)."""
    prefix = f"polis:{dialogue_id}:"
    if client_id and client_id.startswith(prefix):
        comment = client_id[len(prefix) :]
        return comment if comment.isdigit() else None  # not the conversation's opening post
    return None


async def load_source(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    state: str,
    base_url: str = "",
    min_group: int = 5,
    language: str = "en",
    catalogues: Path | None = None,
) -> ReportSource:
    """Everything a report is built from, read in one go."""
    assert dialogue.id is not None
    rows = await _posts(session, dialogue.id)
    post_ids = [r[0] for r in rows]
    codes = await _codes(session, post_ids)
    posts = tuple(
        SourcePost(
            id=r[0],
            thread_id=r[1],
            theme_id=r[2],
            thread_title=r[3],
            parent_id=r[4],
            author_id=r[5],
            anonymous=bool(r[6]),
            quote_consent=r[7],
            text=plain(r[8]),
            created_at=r[9],
            highlighted=bool(r[10]),
            content_warning=r[11],
            codes=codes.get(r[0], ()),
            polis_id=polis_statement(r[12], dialogue.id),
        )
        for r in rows
    )
    reactions = (
        await session.exec(
            select(Reaction.post_id, Reaction.user_id, Reaction.kind)
            .join(Post, col(Post.id) == col(Reaction.post_id))
            .where(Post.dialogue_id == dialogue.id, Post.status == PostStatus.PUBLISHED)
            .order_by(col(Reaction.post_id), col(Reaction.user_id))
        )
    ).all()
    published = set(post_ids)
    themes = await dialogues.list_themes(session=session, dialogue_id=dialogue.id)
    report = (await session.exec(select(Report).where(Report.dialogue_id == dialogue.id))).first()
    actions = await _counts(
        session,
        AuditEntry.action,
        AuditEntry.dialogue_id == dialogue.id,
        # A report is read far beyond those who handle concerns: not even their number.
        col(AuditEntry.target_type).not_in(CONFIDENTIAL_TARGETS),
    )
    flags = await _counts(session, Flag.status, Flag.dialogue_id == dialogue.id)
    facilitating = (
        await session.exec(
            select(ThemeFacilitator.theme_id, ThemeFacilitator.user_id).where(
                col(ThemeFacilitator.theme_id).in_([t.id for t in themes])
            )
        )
    ).all()
    return ReportSource(
        slug=dialogue.slug,
        title=dialogue.title,
        purpose=dialogue.summary,
        moderation=dialogue.moderation,
        state=state,
        themes=tuple(
            SourceTheme(
                id=t.id or 0,
                position=t.position,
                title=t.title,
                guiding_questions=t.guiding_questions,
                summary=t.summary,
                opens_at=t.opens_at,
                closes_at=t.closes_at,
            )
            for t in themes
        ),
        posts=posts,
        people=await _people(
            session, dialogue.id, {p.author_id for p in posts if p.author_id is not None}
        ),
        reactions=tuple((p, u, k) for p, u, k in reactions if p in published),
        facilitators=frozenset((t, u) for t, u in facilitating),
        members_by_role=await _counts(
            session, Membership.role, Membership.dialogue_id == dialogue.id
        ),
        status_counts=await _counts(session, Post.status, Post.dialogue_id == dialogue.id),
        moderation_actions={k: v for k, v in actions.items() if not k.startswith("report.")},
        flags=sum(flags.values()),
        organizers=await _organizers(session, dialogue.id),
        narrative=narrative_of(report),
        base_url=base_url,
        min_group=min_group,
        identities=await _identities(session, dialogue),
        language=language,
        catalogues=catalogues,
    )
