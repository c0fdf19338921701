"""Two moderators approving the same post at once: one wins, the other hears `already_handled`."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlmodel import select

from dialogue.accounts.models import User
from dialogue.dialogues.models import Dialogue
from dialogue.events.models import Event
from dialogue.moderation import actions
from dialogue.moderation.models import AuditEntry
from dialogue.moderation.transitions import AlreadyHandled
from dialogue.threads.models import Post
from tests.factories import Factory
from tests.moderation.scene import Scene, build_scene


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    return await build_scene(factory, client, moderation="pre")


async def approvals(scene: Scene, post_id: int) -> tuple[int, int]:
    async with scene.factory.session() as session:
        entries = (
            await session.exec(
                select(AuditEntry).where(
                    AuditEntry.action == "post.approve", AuditEntry.target_id == post_id
                )
            )
        ).all()
        events = (
            await session.exec(
                select(Event).where(
                    Event.dialogue_id == scene.dialogue.id, Event.kind == "post.status"
                )
            )
        ).all()
    return len(entries), len([e for e in events if e.data["id"] == post_id])


class TestConcurrentApprovalOverHttp:
    async def test_exactly_one_wins(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        posts = [await scene.post(thread["id"]) for _ in range(5)]
        for post in posts:
            first, second = await asyncio.gather(
                scene.moderate(post["id"], "approve", who="moderator"),
                scene.moderate(post["id"], "approve", who="moderator2"),
            )
            codes = sorted([first.status_code, second.status_code])
            assert codes == [200, 409], (first.text, second.text)
            loser = first if first.status_code == 409 else second
            assert loser.json()["error"]["code"] == "already_handled"
            assert await approvals(scene, post["id"]) == (1, 1)


@pytest.mark.postgres_only
class TestConcurrentApprovalOnPostgres:
    async def test_second_waits_for_the_first_and_then_finds_it_handled(self, scene: Scene) -> None:
        """The first transaction holds the row; the second blocks, then matches nothing."""
        thread = await scene.thread("moderator")
        created = await scene.post(thread["id"])
        factory = scene.factory
        async with factory.session() as first, factory.session() as second:
            dialogue_a = await first.get(Dialogue, scene.dialogue.id)
            post_a = await first.get(Post, created["id"])
            actor_a = await first.get(User, scene.users["moderator"].id)
            dialogue_b = await second.get(Dialogue, scene.dialogue.id)
            post_b = await second.get(Post, created["id"])
            actor_b = await second.get(User, scene.users["moderator2"].id)
            assert None not in (dialogue_a, post_a, actor_a, dialogue_b, post_b, actor_b)
            await second.commit()  # end the reading transaction; the next one starts fresh
            await actions.moderate_post(
                session=first,
                dialogue=dialogue_a,  # type: ignore[arg-type]
                post=post_a,  # type: ignore[arg-type]
                actor=actor_a,  # type: ignore[arg-type]
                action=actions.PostAction.APPROVE,
            )
            contender = asyncio.create_task(
                actions.moderate_post(
                    session=second,
                    dialogue=dialogue_b,  # type: ignore[arg-type]
                    post=post_b,  # type: ignore[arg-type]
                    actor=actor_b,  # type: ignore[arg-type]
                    action=actions.PostAction.APPROVE,
                )
            )
            await asyncio.sleep(0.3)
            assert not contender.done(), "the second UPDATE must wait for the first's row lock"
            await first.commit()
            with pytest.raises(AlreadyHandled):
                await contender
            await second.rollback()
        assert await approvals(scene, created["id"]) == (1, 1)
