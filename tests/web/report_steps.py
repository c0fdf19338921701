"""Taking the report's workflow steps through its pages, as each role's browser would."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlmodel import col, select

from dialogue.accounts.models import User
from dialogue.dialogues.models import Dialogue
from dialogue.synthesis.models import Report
from tests.factories import Factory
from tests.synthesis.scene import Scene
from tests.web.clients import submit, visitor


def base_of(scene: Scene) -> str:
    return f"/d/{scene.dialogue.slug}/report"


async def step(app: FastAPI, scene: Scene, user: User, to: str, **fields: Any) -> httpx.Response:
    """One sign-off step posted from the report page by `user`."""
    base = base_of(scene)
    async with visitor(app, user) as client:
        return await submit(client, base, f"{base}/transitions", {"to": to, **fields})


async def publish(app: FastAPI, scene: Scene, audience: str) -> None:
    """Review, approval and publication, each by the role that takes it, through the pages."""
    for user, to, extra in (
        (scene.moderator, "in_review", {}),
        (scene.advisor, "approved", {"note": "Faithful to the posts."}),
        (scene.organizer, "published", {"audience": audience}),
    ):
        answer = await step(app, scene, user, to, **extra)
        assert answer.status_code == 303, answer.text


async def stored_report(factory: Factory, dialogue: Dialogue) -> Report:
    async with factory.session() as session:
        found = await session.exec(select(Report).where(col(Report.dialogue_id) == dialogue.id))
        report: Report | None = found.first()
        assert report is not None
        return report


async def make_public(factory: Factory, dialogue: Dialogue) -> None:
    async with factory.session() as session:
        row = await session.get(Dialogue, dialogue.id)
        assert row is not None
        row.visibility = "public"
        session.add(row)
        await session.commit()
