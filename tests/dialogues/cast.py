"""A dialogue with one member of every role, plus the people who are not members.

Most behaviours are checked "per role, allowed and refused"; building the whole cast once per
test keeps those tests short, and every name says who is acting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import select

from dialogue.accounts.models import User
from dialogue.db import Database
from dialogue.dialogues.models import Dialogue, Theme
from tests.factories import Factory

MEMBER_ROLES = ("organizer", "moderator", "advisor", "expert", "participant", "observer")
# Who may write posts (and threads, reactions): the contract's "participant and up".
CONTRIBUTORS = ("organizer", "moderator", "advisor", "expert", "participant", "admin")
STAFF = ("organizer", "moderator", "admin")
API = "/api/v1"


@dataclass
class Cast:
    dialogue: Dialogue
    theme: Theme
    users: dict[str, User]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.dialogue.slug

    def h(self, who: str) -> dict[str, str]:
        """Bearer headers of a cast member; `anonymous` sends none."""
        return self.headers.get(who, {})

    def uid(self, who: str) -> int:
        user_id = self.users[who].id
        assert user_id is not None
        return user_id


async def make_cast(
    factory: Factory,
    *,
    roles: tuple[str, ...] = MEMBER_ROLES,
    extra_participants: int = 0,
    theme_open: bool = True,
    **dialogue_fields: Any,
) -> Cast:
    """One member per role, a second participant, a signed-in outsider and a non-member admin."""
    dialogue = await factory.dialogue(**dialogue_fields)
    theme = await factory.theme(dialogue, open_now=theme_open)
    users: dict[str, User] = {}
    for role in roles:
        users[role] = await factory.member(dialogue, role)
    users["participant2"] = await factory.member(dialogue, "participant")
    for n in range(extra_participants):
        users[f"participant{n + 3}"] = await factory.member(dialogue, "participant")
    users["outsider"] = await factory.user()
    users["admin"] = await factory.user(is_admin=True)
    cast = Cast(dialogue=dialogue, theme=theme, users=users)
    for name, user in users.items():
        cast.headers[name] = await factory.auth(user)
    return cast


async def new_thread(
    client: httpx.AsyncClient,
    cast: Cast,
    who: str,
    *,
    body: str = "An opening contribution.",
    title: str = "A thread",
    expect: int = 201,
    **extra: Any,
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/themes/{cast.theme.id}/threads",
        json={"title": title, "body": body, **extra},
        headers=cast.h(who),
    )
    assert response.status_code == expect, (who, response.status_code, response.text)
    data: dict[str, Any] = response.json()
    return data


async def new_post(
    client: httpx.AsyncClient,
    cast: Cast,
    who: str,
    thread_id: int,
    *,
    body: str = "A reply.",
    expect: int = 201,
    **extra: Any,
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/threads/{thread_id}/posts", json={"body": body, **extra}, headers=cast.h(who)
    )
    assert response.status_code == expect, (who, response.status_code, response.text)
    data: dict[str, Any] = response.json()
    return data


def db(app: FastAPI) -> Database:
    """The app's database, typed (the app's state is not)."""
    database: Database = app.state.database
    return database


async def rows(app: FastAPI, model: type[Any], *where: Any) -> int:
    """How many rows of `model` match: refused writes must leave this unchanged."""
    async with db(app).session() as session:
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)
        return int((await session.exec(query)).one())


async def events_of(
    client: httpx.AsyncClient, cast: Cast, who: str, *, after: int = 0
) -> list[dict[str, Any]]:
    response = await client.get(
        f"{API}/dialogues/{cast.slug}/events", params={"after": after}, headers=cast.h(who)
    )
    assert response.status_code == 200, (who, response.text)
    events: list[dict[str, Any]] = response.json()["events"]
    return events
