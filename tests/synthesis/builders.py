"""Report test data: threads, posts of any status, reactions, codes, written straight to the tables.

The posting rules are the threads tests' business; here the report must be tested on
exactly the rows a long dialogue leaves behind (hidden, rejected, deleted, anonymous...).
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from dialogue.accounts.models import User
from dialogue.db import utcnow
from dialogue.dialogues.models import Dialogue, Theme
from dialogue.markup import render_markdown
from dialogue.moderation.models import Code, PostCode
from dialogue.threads.models import Post, Reaction, Thread
from tests.factories import Factory

_minutes = itertools.count()


class World:
    """Writes report inputs through one factory's database."""

    def __init__(self, factory: Factory) -> None:
        self.factory = factory

    async def thread(
        self, dialogue: Dialogue, theme: Theme, author: User, title: str, body: str, **post: Any
    ) -> tuple[Thread, Post]:
        async with self.factory.session() as session:
            thread = Thread(
                dialogue_id=dialogue.id or 0,
                theme_id=theme.id or 0,
                title=title,
                author_id=author.id,
                status=post.get("status", "published"),
            )
            session.add(thread)
            await session.commit()
            await session.refresh(thread)
        first = await self.post(thread, author, body, **post)
        return thread, first

    async def post(
        self,
        thread: Thread,
        author: User | None,
        body: str,
        *,
        status: str = "published",
        anonymous: bool = False,
        quote_consent: str | None = None,
        highlighted: bool = False,
        parent: Post | None = None,
        created_at: datetime | None = None,
    ) -> Post:
        async with self.factory.session() as session:
            post = Post(
                dialogue_id=thread.dialogue_id,
                thread_id=thread.id or 0,
                parent_id=parent.id if parent else None,
                author_id=author.id if author else None,
                anonymous=anonymous,
                quote_consent=quote_consent,
                body=body,
                body_html=render_markdown(body),
                status=status,
                highlighted=highlighted,
                created_at=created_at or utcnow() - timedelta(minutes=10_000 - next(_minutes)),
            )
            session.add(post)
            await session.commit()
            await session.refresh(post)
            return post

    async def react(self, post: Post, user: User, kind: str) -> None:
        async with self.factory.session() as session:
            session.add(Reaction(post_id=post.id or 0, user_id=user.id or 0, kind=kind))
            await session.commit()

    async def code(self, dialogue: Dialogue, name: str) -> Code:
        async with self.factory.session() as session:
            code = Code(dialogue_id=dialogue.id or 0, name=name)
            session.add(code)
            await session.commit()
            await session.refresh(code)
            return code

    async def apply(self, post: Post, code: Code) -> None:
        async with self.factory.session() as session:
            session.add(PostCode(post_id=post.id or 0, code_id=code.id or 0))
            await session.commit()
