"""Building test data through the services, and signing in as anyone."""

from __future__ import annotations

import itertools
from datetime import timedelta
from functools import lru_cache
from typing import Any

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI

from dialogue.accounts import service as accounts
from dialogue.accounts.models import TokenKind, User
from dialogue.db import utcnow
from dialogue.dialogues import service as dialogues
from dialogue.dialogues import theme_service
from dialogue.dialogues.models import Dialogue, Theme
from dialogue.events.publish import commit
from dialogue.policy import Role
from dialogue.state import app_state

PASSWORD = "correct horse battery staple"
CONDUCT = (
    "Our code.\n\n1. Be respectful.\n2. Keep stories confidential.\n3. Never identify survivors.\n"
)
_seq = itertools.count(1)


# argon2 at its production cost (64 MiB, three passes) makes each sign-in cost tens of
# milliseconds of CPU, thousands of times over; the tests check who may sign in, not argon2.
# The app under test hashes new passwords at this cost too (set in tests/conftest.py), and a
# hash carries its own parameters, so verifying is as cheap.
TEST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@lru_cache(maxsize=1)
def password_hash() -> str:
    """Hashed once: most tests need many accounts."""
    return TEST_HASHER.hash(PASSWORD)


class Factory:
    def __init__(self, *, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client

    def session(self) -> Any:
        return app_state(self.app).database.session()

    async def user(self, *, is_admin: bool = False, **profile: Any) -> User:
        n = next(_seq)
        profile.setdefault("email", f"user{n}@example.org")
        profile.setdefault("display_name", f"User {n}")
        async with self.session() as session:
            user = User(password_hash=password_hash(), is_admin=is_admin, **profile)
            session.add(user)
            await session.commit()
            await session.refresh(user)
            return user

    async def token(self, user: User) -> str:
        async with self.session() as session:
            token = await accounts.issue_token(
                session=session, user=user, kind=TokenKind.API, lifetime=timedelta(days=1)
            )
            await session.commit()
            return token

    async def auth(self, user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(user)}"}

    async def dialogue(
        self,
        *,
        owner: User | None = None,
        visibility: str = "invite",
        status: str = "open",
        conduct: str = CONDUCT,
        **fields: Any,
    ) -> Dialogue:
        owner = owner or await self.user(is_admin=True)
        n = next(_seq)
        async with self.session() as session:
            dialogue = await dialogues.create_dialogue(
                session=session,
                actor=owner,
                fields={
                    "slug": fields.pop("slug", f"dialogue-{n}"),
                    "title": fields.pop("title", f"Dialogue {n}"),
                    "visibility": visibility,
                    "code_of_conduct": conduct,
                    **fields,
                },
            )
            if status != "draft":
                dialogue.status = status
                session.add(dialogue)
            await commit(session)
            return dialogue

    async def member(
        self, dialogue: Dialogue, role: Role | str, *, accepted: bool = True, **profile: Any
    ) -> User:
        user = await self.user(**profile)
        async with self.session() as session:
            assert user.id is not None
            membership = await dialogues.add_member(
                session=session, dialogue=dialogue, user_id=user.id, role=Role(role)
            )
            if accepted:
                membership.conduct_version = dialogue.conduct_version
                membership.conduct_accepted_at = utcnow()
                session.add(membership)
            await commit(session)
        return user

    async def theme(self, dialogue: Dialogue, *, open_now: bool = True, **fields: Any) -> Theme:
        now = utcnow()
        opens = now - timedelta(days=1) if open_now else now + timedelta(days=7)
        async with self.session() as session:
            theme = await theme_service.create_theme(
                session=session,
                dialogue=dialogue,
                fields={
                    "title": fields.pop("title", f"Theme {next(_seq)}"),
                    "guiding_questions": fields.pop("guiding_questions", "1. What works?"),
                    "opens_at": fields.pop("opens_at", opens),
                    "closes_at": fields.pop("closes_at", opens + timedelta(days=14)),
                    **fields,
                },
            )
            await commit(session)
            return theme
