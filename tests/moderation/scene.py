"""A dialogue set up for moderation tests: staff, members, and posts made through the API."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from dialogue.accounts.models import User
from dialogue.dialogues.models import Dialogue, Theme
from dialogue.policy import Role
from tests.conftest import error_of
from tests.factories import Factory

_n = itertools.count(1)


@dataclass
class Scene:
    """One dialogue with a member of every role and bearer headers for each."""

    factory: Factory
    client: httpx.AsyncClient
    dialogue: Dialogue
    theme: Theme
    users: dict[str, User] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.dialogue.slug

    async def add(self, name: str, role: Role | str | None, **kwargs: Any) -> dict[str, str]:
        if name == "admin":
            user = await self.factory.user(is_admin=True)
        elif role is None:
            user = await self.factory.user()
        else:
            user = await self.factory.member(self.dialogue, role, **kwargs)
        self.users[name] = user
        self.headers[name] = await self.factory.auth(user)
        return self.headers[name]

    async def thread(self, who: str = "participant", **fields: Any) -> dict[str, Any]:
        response = await self.client.post(
            f"/api/v1/themes/{self.theme.id}/threads",
            json={"title": f"Thread {next(_n)}", "body": "An opening post.", **fields},
            headers=self.headers[who],
        )
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    async def post(self, thread_id: int, who: str = "participant", **fields: Any) -> dict[str, Any]:
        fields.setdefault("body", f"A contribution {next(_n)}.")
        fields.setdefault("client_id", uuid.uuid4().hex)
        response = await self.client.post(
            f"/api/v1/threads/{thread_id}/posts", json=fields, headers=self.headers[who]
        )
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    async def moderate(
        self, post_id: int, action: str, who: str = "moderator", **fields: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"/api/v1/posts/{post_id}/moderation",
            json={"action": action, **fields},
            headers=self.headers[who],
        )


ROLES = ("organizer", "moderator", "advisor", "expert", "participant", "observer")


async def build_scene(
    factory: Factory, client: httpx.AsyncClient, *, moderation: str = "pre", **fields: Any
) -> Scene:
    dialogue = await factory.dialogue(moderation=moderation, **fields)
    theme = await factory.theme(dialogue)
    scene = Scene(factory=factory, client=client, dialogue=dialogue, theme=theme)
    for role in ROLES:
        await scene.add(role, role)
    await scene.add("participant2", Role.PARTICIPANT)
    await scene.add("moderator2", Role.MODERATOR)
    await scene.add("admin", None)
    await scene.add("outsider", None)
    return scene


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    error = error_of(response)
    assert error["code"] == code, error
    return error
