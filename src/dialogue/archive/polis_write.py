"""Writing a checked Pol.is conversation: pseudonymous members, statements, latest votes.

Rows go in with bulk inserts, not one service call each: a conversation holds thousands of
statements and up to millions of votes, and `set_reaction` would cost five statements and
an event per vote. What the services would keep is kept here too: the thread's published
count and latest activity, the SQLite search index, one reaction per person and post. The
event log gets one `dialogue.imported` event for the whole import (see `polis`).

Merging is keyed on what Pol.is itself keys on: a statement by its comment id (the post's
`client_id`), a participant by their id (in the pseudonymous email), a vote by voter and
statement (the reaction's primary key). What exists stays; a vote newer than the stored
reaction replaces it; everything else missing is added.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import QuoteConsent, User
from dialogue.archive.polis_read import Conversation, Progress, Statement
from dialogue.db import as_utc
from dialogue.dialogues.models import Dialogue, Membership
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict
from dialogue.i18n import gettext as _
from dialogue.markup import render_markdown
from dialogue.policy import Role
from dialogue.threads import search
from dialogue.threads.models import Post, PostStatus, Reaction, Thread

CHUNK = 5000  # ids per IN (...) list and rows per executemany
EMAIL_DOMAIN = "import.invalid"  # RFC 2606: never routable, so never a real inbox
T = TypeVar("T")


@dataclass
class Counts:
    statements: int = 0
    hidden: int = 0
    participants: int = 0
    votes_added: int = 0
    votes_updated: int = 0


def chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def person_email(key: str, participant: int | None = None) -> str:
    """The conversation's own account (participant None) or one participant's."""
    suffix = "" if participant is None else f"-{participant}"
    return f"polis-{key}{suffix}@{EMAIL_DOMAIN}"


def client_id(dialogue: Dialogue, comment_id: int | str) -> str:
    return f"polis:{dialogue.id}:{comment_id}"


async def pseudonymous_users(
    *,
    session: AsyncSession,
    emails: dict[int, str],
    names: dict[int, str],
    consent: QuoteConsent | None = QuoteConsent.ANONYMOUS,
) -> dict[int, int]:
    """Each key's account id, created without a password (nobody can sign in as one).

    An existing account is reused only if it is one of these: a password or admin rights
    mean somebody claimed the address, and votes must never land on a real person.
    Pol.is statements were written to be shown to everyone without a name, hence quotable
    without one by default.
    """
    wanted = list(emails.values())
    found: dict[str, int] = {}
    for part in chunks(wanted):
        rows = await session.exec(select(User).where(col(User.email).in_(part)))
        for user in rows:
            if user.password_hash is not None or user.is_admin:
                raise Conflict(
                    _(
                        "The account %(email)s can sign in, so it cannot stand for a Pol.is "
                        "participant; rename or remove it first."
                    )
                    % {"email": user.email},
                    code=ErrorCode.EMAIL_TAKEN,
                )
            found[user.email] = user.id or 0
    new = [
        User(email=email, display_name=names[key], quote_consent=consent)
        for key, email in emails.items()
        if email not in found
    ]
    session.add_all(new)
    await session.flush()
    found.update({user.email: user.id or 0 for user in new})
    return {key: found[email] for key, email in emails.items()}


async def join(
    *, session: AsyncSession, dialogue: Dialogue, user_ids: Iterable[int], role: Role
) -> int:
    """Memberships for those not yet members; how many were added."""
    assert dialogue.id is not None
    ids = sorted(set(user_ids))
    members: set[int] = set()
    for part in chunks(ids):
        members.update(
            (
                await session.exec(
                    select(Membership.user_id).where(
                        Membership.dialogue_id == dialogue.id, col(Membership.user_id).in_(part)
                    )
                )
            ).all()
        )
    added = [uid for uid in ids if uid not in members]
    session.add_all(Membership(dialogue_id=dialogue.id, user_id=uid, role=role) for uid in added)
    await session.flush()
    return len(added)


async def existing_statements(*, session: AsyncSession, dialogue: Dialogue) -> dict[int, int]:
    """The post ids of a dialogue's imported statements, by comment id."""
    prefix = client_id(dialogue, "")
    rows = await session.exec(
        select(Post.client_id, Post.id).where(
            Post.dialogue_id == dialogue.id, col(Post.client_id).startswith(prefix)
        )
    )
    found = {str(cid).removeprefix(prefix): int(pid or 0) for cid, pid in rows}
    return {int(cid): pid for cid, pid in found.items() if cid.isdigit()}


async def add_statements(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    thread: Thread,
    statements: Iterable[Statement],
    authors: dict[int, int],
    counts: Counts,
) -> dict[int, int]:
    """Posts for the statements not imported before; every statement's post id."""
    known = await existing_statements(session=session, dialogue=dialogue)
    posts: dict[int, Post] = {}
    for s in sorted(statements, key=lambda s: (s.at, s.comment_id)):
        if s.comment_id in known:
            continue
        posts[s.comment_id] = Post(
            dialogue_id=thread.dialogue_id,
            thread_id=thread.id or 0,
            author_id=authors[s.author_id],
            body=s.body,
            body_html=render_markdown(s.body),
            status=PostStatus.HIDDEN if s.hidden else PostStatus.PUBLISHED,
            client_id=client_id(dialogue, s.comment_id),
            created_at=s.at,
        )
    session.add_all(posts.values())
    await session.flush()
    for post in posts.values():
        await search.index_post(session=session, post=post)
    published = [p for p in posts.values() if p.status == PostStatus.PUBLISHED]
    if published:
        latest = max(p.created_at for p in published)
        await session.exec(
            update(Thread)
            .where(col(Thread.id) == thread.id)
            .values(post_count=col(Thread.post_count) + len(published))
        )
        if latest > as_utc(thread.last_activity_at):
            await session.exec(
                update(Thread).where(col(Thread.id) == thread.id).values(last_activity_at=latest)
            )
    counts.statements += len(posts)
    counts.hidden += len(posts) - len(published)
    return known | {cid: int(post.id or 0) for cid, post in posts.items()}


async def _stored(session: AsyncSession, post_id: int) -> dict[int, tuple[str, datetime]]:
    """One post's reactions, by user: what a merge compares that statement's votes with."""
    rows = await session.exec(
        select(Reaction.user_id, Reaction.kind, Reaction.updated_at).where(
            Reaction.post_id == post_id
        )
    )
    return {user_id: (kind, as_utc(at)) for user_id, kind, at in rows}


async def add_votes(
    *,
    session: AsyncSession,
    conversation: Conversation,
    posts: dict[int, int],
    voters: dict[int, int],
    merging: bool,
    counts: Counts,
    progress: Progress,
) -> None:
    """The latest vote of each participant on each statement, as their reaction.

    Votes come statement by statement; a merge reads each statement's stored reactions when
    its votes begin, so memory holds one statement's at a time, never all of them.
    """
    stored: dict[int, tuple[str, datetime]] = {}
    current = None
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    total = max(len(conversation.latest), 1)
    for n, vote in enumerate(conversation.votes(), 1):
        post_id, user_id, kind = posts[vote.comment_id], voters[vote.voter_id], vote.kind.value
        if merging and post_id != current:
            stored, current = await _stored(session, post_id), post_id
        row = {"post_id": post_id, "user_id": user_id, "kind": kind, "updated_at": vote.at}
        if user_id not in stored:
            inserts.append({**row, "created_at": vote.at})
        elif stored[user_id][0] != kind and vote.at > stored[user_id][1]:
            updates.append(row)
        if len(inserts) >= CHUNK or len(updates) >= CHUNK or n == total:
            await _write(session, inserts, updates, counts)
            progress(n / total, "writing votes")
    await _write(session, inserts, updates, counts)


async def _write(
    session: AsyncSession,
    inserts: list[dict[str, Any]],
    updates: list[dict[str, Any]],
    counts: Counts,
) -> None:
    if inserts:
        await session.exec(insert(Reaction), params=inserts)
        counts.votes_added += len(inserts)
    if updates:
        await session.exec(update(Reaction), params=updates)
        counts.votes_updated += len(updates)
    inserts.clear()
    updates.clear()
