"""A thread-page scene with staff, for the tests of the moderators' tools in pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlmodel import col, select

from dialogue.accounts.models import User
from dialogue.events.publish import commit
from dialogue.moderation import codebook
from dialogue.moderation.models import AuditEntry, Code
from dialogue.state import app_state
from dialogue.threads.models import Post, Thread
from tests.factories import Factory
from tests.web import scenes
from tests.web.clients import submit, visitor


@dataclass
class StaffScene:
    app: FastAPI
    s: scenes.Scene
    moderator: User
    advisor: User
    thread: Thread
    post: Post  # Bob's reply in Alice's thread

    @property
    def slug(self) -> str:
        return self.s.dialogue.slug

    @property
    def thread_url(self) -> str:
        return f"/d/{self.slug}/threads/{self.thread.id}"

    def people(self) -> dict[str, User]:
        return {
            "moderator": self.moderator,
            "organizer": self.s.organizer,
            "participant": self.s.alice,
            "advisor": self.advisor,
        }

    async def send(
        self, user: User, action: str, data: dict[str, Any], page: str | None = None
    ) -> httpx.Response:
        """Post a form from the thread page (or `page`), as that person's browser would."""
        async with visitor(self.app, user) as browser:
            return await submit(browser, page or self.thread_url, action, data)

    async def page(self, user: User | None, url: str | None = None) -> httpx.Response:
        async with visitor(self.app, user) as browser:
            return await browser.get(url or self.thread_url)

    async def audit(self, action: str) -> list[AuditEntry]:
        async with app_state(self.app).database.session() as session:
            found = await session.exec(
                select(AuditEntry)
                .where(AuditEntry.dialogue_id == self.s.dialogue.id, AuditEntry.action == action)
                .order_by(col(AuditEntry.id))
            )
            return list(found.all())

    async def code(self, name: str) -> Code:
        async with app_state(self.app).database.session() as session:
            made = await codebook.create_code(
                session=session,
                dialogue_id=self.s.dialogue.id or 0,
                actor_id=self.moderator.id,
                name=name,
                description="",
                colour="#336699",
            )
            await commit(session)
            return made

    async def codes_of(self, post_id: int) -> list[str]:
        async with app_state(self.app).database.session() as session:
            found = await codebook.codes_by_post(session=session, post_ids=[post_id])
            return [c.name for c in found[post_id]]

    async def thread_row(self) -> Thread:
        async with app_state(self.app).database.session() as session:
            row = await session.get(Thread, self.thread.id)
            assert row is not None
            return row


async def staff_scene(app: FastAPI, factory: Factory, **fields: Any) -> StaffScene:
    s = await scenes.scene(factory, **fields)
    moderator = await factory.member(s.dialogue, "moderator", display_name="Mona Moderator")
    advisor = await factory.member(s.dialogue, "advisor", display_name="Ada Advisor")
    thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
    post = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, body="Bob's account.")
    return StaffScene(app=app, s=s, moderator=moderator, advisor=advisor, thread=thread, post=post)
