"""A dialogue with one member of every role, plus the people who are not members.

Most behaviours are checked "per role, allowed and refused"; building the whole cast once per
test keeps those tests short, and every name says who is acting.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func
from sqlmodel import select

from dialogue.accounts import service as accounts
from dialogue.accounts.models import TokenKind, User
from dialogue.db import Database, utcnow
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue, Theme
from dialogue.events.publish import commit
from dialogue.policy import Role
from dialogue.state import app_state
from tests.factories import Factory, password_hash

MEMBER_ROLES = ("organizer", "moderator", "advisor", "expert", "participant", "observer")
# Who may write posts (and threads, reactions): the contract's "participant and up".
CONTRIBUTORS = ("organizer", "moderator", "advisor", "expert", "participant", "admin")
STAFF = ("organizer", "moderator", "admin")
API = "/api/v1"
_numbers = itertools.count(1)


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
    """One member per role, a second participant, a signed-in outsider and a non-member admin.

    Everyone is written in one transaction (the factory's one-by-one calls cost a commit each).
    """
    dialogue = await factory.dialogue(**dialogue_fields)
    theme = await factory.theme(dialogue, open_now=theme_open)
    members = {role: role for role in roles} | {"participant2": "participant"}
    members |= {f"participant{n + 3}": "participant" for n in range(extra_participants)}
    cast = Cast(dialogue=dialogue, theme=theme, users={})
    async with factory.session() as session:
        for name in (*members, "outsider", "admin"):
            n = next(_numbers)
            cast.users[name] = User(
                email=f"cast{n}@example.org",
                display_name=f"{name.capitalize()} {n}",
                password_hash=password_hash(),
                is_admin=name == "admin",
            )
            session.add(cast.users[name])
        await session.flush()
        for name, role in members.items():
            membership = await dialogues.add_member(
                session=session, dialogue=dialogue, user_id=cast.uid(name), role=Role(role)
            )
            membership.conduct_version = dialogue.conduct_version
            membership.conduct_accepted_at = utcnow()
        for name, user in cast.users.items():
            token = await accounts.issue_token(
                session=session, user=user, kind=TokenKind.API, lifetime=timedelta(days=1)
            )
            cast.headers[name] = {"Authorization": f"Bearer {token}"}
        await commit(session)
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
    database: Database = app_state(app).database
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
