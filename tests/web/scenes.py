"""Test content for the page tests, written through the thread services like real posts."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import col, select

from dialogue.accounts.models import TokenKind, User
from dialogue.db import utcnow
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue, Membership, Theme
from dialogue.events.publish import commit
from dialogue.state import app_state
from dialogue.threads import service as threads
from dialogue.threads.models import Post, PostStatus, Reaction, ReactionKind, Thread
from tests.helpers import browser, session_token

_client_ids = itertools.count(1)


def client_id() -> str:
    return f"scene-{next(_client_ids)}"


async def membership(app: FastAPI, dialogue: Dialogue, user: User) -> Membership | None:
    async with app_state(app).database.session() as session:
        return await dialogues.get_membership(
            session=session, dialogue_id=dialogue.id or 0, user_id=user.id or 0
        )


async def update_membership(app: FastAPI, dialogue: Dialogue, user: User, **changes: Any) -> None:
    async with app_state(app).database.session() as session:
        member = await dialogues.get_membership(
            session=session, dialogue_id=dialogue.id or 0, user_id=user.id or 0
        )
        assert member is not None
        for name, value in changes.items():
            setattr(member, name, value)
        session.add(member)
        await session.commit()


async def start_thread(
    app: FastAPI,
    dialogue: Dialogue,
    theme: Theme,
    author: User,
    *,
    title: str = "A thread",
    body: str = "Opening post",
    anonymous: bool = False,
    lang: str | None = None,
) -> tuple[Thread, Post]:
    async with app_state(app).database.session() as session:
        member = await dialogues.get_membership(
            session=session, dialogue_id=dialogue.id or 0, user_id=author.id or 0
        )
        thread, post, _ = await threads.create_thread(
            session=session,
            dialogue=dialogue,
            theme=theme,
            user=author,
            membership=member,
            title=title,
            body=body,
            client_id=client_id(),
            restricted=False,
            anonymous=anonymous,
            lang=lang,
        )
        await commit(session)
        return thread, post


async def reply(
    app: FastAPI,
    dialogue: Dialogue,
    theme: Theme,
    thread: Thread,
    author: User,
    *,
    body: str = "A reply",
    parent: Post | None = None,
    anonymous: bool = False,
    lang: str | None = None,
) -> Post:
    async with app_state(app).database.session() as session:
        member = await dialogues.get_membership(
            session=session, dialogue_id=dialogue.id or 0, user_id=author.id or 0
        )
        fresh = await session.get(Thread, thread.id)
        assert fresh is not None
        post, _ = await threads.create_post(
            session=session,
            dialogue=dialogue,
            theme=theme,
            thread=fresh,
            user=author,
            membership=member,
            body=body,
            parent_id=parent.id if parent else None,
            client_id=client_id(),
            restricted=False,
            anonymous=anonymous,
            lang=lang,
        )
        await commit(session)
        return post


async def many_replies(
    app: FastAPI, dialogue: Dialogue, theme: Theme, thread: Thread, author: User, n: int
) -> list[int]:
    """`n` top-level replies in one transaction; returns their ids in order."""
    async with app_state(app).database.session() as session:
        member = await dialogues.get_membership(
            session=session, dialogue_id=dialogue.id or 0, user_id=author.id or 0
        )
        fresh = await session.get(Thread, thread.id)
        assert fresh is not None
        ids = []
        for number in range(n):
            post, _ = await threads.create_post(
                session=session,
                dialogue=dialogue,
                theme=theme,
                thread=fresh,
                user=author,
                membership=member,
                body=f"Contribution number {number + 1}",
                parent_id=None,
                client_id=client_id(),
                restricted=False,
            )
            ids.append(post.id or 0)
        await commit(session)
        return ids


async def set_status(
    app: FastAPI, post: Post, status: PostStatus, *, at: datetime | None = None
) -> None:
    """Stand-in for a moderator's decision: the pages only read the outcome."""
    async with app_state(app).database.session() as session:
        row = await session.get(Post, post.id)
        assert row is not None
        row.status = status.value
        row.moderated_at = at or utcnow()
        session.add(row)
        await session.commit()


async def set_thread_status(app: FastAPI, thread: Thread, status: PostStatus) -> None:
    async with app_state(app).database.session() as session:
        row = await session.get(Thread, thread.id)
        assert row is not None
        row.status = status.value
        session.add(row)
        await session.commit()


async def react(app: FastAPI, post: Post, user: User, kind: ReactionKind) -> None:
    async with app_state(app).database.session() as session:
        row = await session.get(Post, post.id)
        assert row is not None
        await threads.set_reaction(session=session, post=row, user=user, kind=kind)
        await commit(session)


async def rows(app: FastAPI, model: type[Any], *where: Any) -> int:
    async with app_state(app).database.session() as session:
        query = select(func.count()).select_from(model)
        for clause in where:
            query = query.where(clause)
        return int((await session.exec(query)).one())


async def post_row(app: FastAPI, post_id: int) -> Post:
    async with app_state(app).database.session() as session:
        row = await session.get(Post, post_id)
        assert row is not None
        return row


async def posts_of(app: FastAPI, thread_id: int) -> list[Post]:
    async with app_state(app).database.session() as session:
        found = await session.exec(
            select(Post).where(Post.thread_id == thread_id).order_by(col(Post.id))
        )
        return list(found.all())


async def reaction_of(app: FastAPI, post: Post, user: User) -> str | None:
    async with app_state(app).database.session() as session:
        row = await session.get(Reaction, (post.id, user.id))
        return row.kind if row else None


@dataclass
class Scene:
    """A public, open dialogue with one open theme and a few people in it."""

    dialogue: Dialogue
    theme: Theme
    organizer: User
    alice: User  # participant who accepted the code
    bob: User  # participant who accepted the code
    newcomer: User  # participant who has not accepted the code yet
    observer: User


async def scene(factory: Any, *, visibility: str = "public", **fields: Any) -> Scene:
    organizer = await factory.user(is_admin=False, display_name="Olga Organizer")
    fields.setdefault("allow_anonymous", True)
    dialogue = await factory.dialogue(owner=organizer, visibility=visibility, **fields)
    theme = await factory.theme(
        dialogue,
        title="Accountability in practice",
        guiding_questions="1. What does **accountability** mean to you?\n2. Who decides?",
    )
    return Scene(
        dialogue=dialogue,
        theme=theme,
        organizer=organizer,
        alice=await factory.member(dialogue, "participant", display_name="Alice Achieng"),
        bob=await factory.member(dialogue, "participant", display_name="Bob Banda"),
        newcomer=await factory.member(
            dialogue, "participant", accepted=False, display_name="Nadia New"
        ),
        observer=await factory.member(dialogue, "observer", display_name="Otto Observer"),
    )


async def moderate(
    app: FastAPI, actor: User, post: Post, action: str, *, reason: str = "", clause: str = "1"
) -> None:
    """A moderator's decision through the API, so the author gets its notice as in real use."""
    token = await session_token(app, actor, kind=TokenKind.API)
    async with browser(app) as client:
        answer = await client.post(
            f"/api/v1/posts/{post.id}/moderation",
            json={"action": action, "reason": reason, "clause": clause},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200, answer.text


async def mute(
    app: FastAPI, actor: User, dialogue: Dialogue, member: User, until: datetime
) -> None:
    """A moderator mutes a member through the API (with the notice the member receives)."""
    token = await session_token(app, actor, kind=TokenKind.API)
    async with browser(app) as client:
        answer = await client.put(
            f"/api/v1/dialogues/{dialogue.slug}/members/{member.id}",
            json={"muted_until": until.isoformat(), "reason": "Cooling off"},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert answer.status_code == 200, answer.text
