"""Replies to your posts and @mentions of you, in the app: a notice on `/notifications` and
in `/api/v1/me/notices`, with no mail configured (issue 16, in the app).

The app's scheduler is held: each test runs the event feed's rounds itself.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from sqlmodel import delete, select

from dialogue.dialogues.models import Membership
from dialogue.moderation.models import Notice
from dialogue.notifications.models import OutboxMessage
from dialogue.notifications.scheduler import MailScheduler
from dialogue.state import app_state
from dialogue.threads.views import post_url
from tests.dialogues.cast import API, Cast, make_cast, new_post, new_thread
from tests.factories import Factory
from tests.helpers import count
from tests.notifications.scene import hold_scheduler
from tests.web.clients import visitor
from tests.web.html import main, text


async def feed_round(app: FastAPI) -> None:
    scheduler = app_state(app).mail_scheduler
    assert scheduler is not None
    assert await scheduler.tick() == 0  # no mail without SMTP: notices only


async def held_cast(app: FastAPI, factory: Factory, **fields: Any) -> Cast:
    await hold_scheduler(app)
    cast = await make_cast(factory, **fields)
    await feed_round(app)  # the feed's cursors start here: nothing before is news
    return cast


@pytest.fixture
async def cast(app: FastAPI, factory: Factory) -> Cast:
    return await held_cast(app, factory, allow_anonymous=True)


async def api_notices(factory: Factory, cast: Cast, who: str) -> list[dict[str, Any]]:
    response = await factory.client.get(f"{API}/me/notices", headers=cast.h(who))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def page_of(app: FastAPI, cast: Cast, who: str) -> str:
    async with visitor(app, cast.users[who]) as client:
        page = await client.get("/notifications")
    assert page.status_code == 200, page.text
    return page.text


async def notices_of(app: FastAPI, cast: Cast, who: str) -> list[Notice]:
    async with app_state(app).database.session() as session:
        found = await session.exec(select(Notice).where(Notice.user_id == cast.uid(who)))
        return list(found.all())


class TestRepliesAndMentions:
    async def test_a_reply_and_a_mention_are_listed_without_mail(
        self, app: FastAPI, factory: Factory, cast: Cast
    ) -> None:
        client = factory.client
        thread = await new_thread(client, cast, "participant", title="Safe shelters")
        advisor = cast.users["advisor"].display_name
        reply = await new_post(
            client,
            cast,
            "expert",
            thread["id"],
            body=f"I agree, and @{advisor} knows more.",
            parent_id=thread["post"]["id"],
        )
        await feed_round(app)
        [told] = await api_notices(factory, cast, "participant")
        assert told["kind"] == "reply" and told["post_id"] == reply["id"]
        assert told["message"] == "There is a new reply to your post."
        assert told["appealable"] is False and told["read"] is False
        [named] = await api_notices(factory, cast, "advisor")
        assert named["kind"] == "mention" and named["post_id"] == reply["id"]
        assert named["message"] == "You were mentioned in a post."
        assert await api_notices(factory, cast, "participant2") == []
        assert await count(app, OutboxMessage) == 0  # no SMTP: nothing queued to send

        html = await page_of(app, cast, "participant")
        card = main(html)
        assert "There is a new reply to your post." in text(card)
        assert "In “Safe shelters”" in text(card)
        link = post_url(cast.slug, thread["id"], reply["id"])
        assert f'href="{link}"' in card
        assert "Appeal this decision" not in card
        await feed_round(app)  # once only
        assert len(await notices_of(app, cast, "participant")) == 1

    async def test_an_anonymous_reply_names_nobody(
        self, app: FastAPI, factory: Factory, cast: Cast
    ) -> None:
        client = factory.client
        thread = await new_thread(client, cast, "participant")
        await new_post(
            client,
            cast,
            "expert",
            thread["id"],
            body="Said without a name.",
            parent_id=thread["post"]["id"],
            anonymous=True,
        )
        await feed_round(app)
        name = cast.users["expert"].display_name
        [told] = await api_notices(factory, cast, "participant")
        assert told["kind"] == "reply"
        response = await factory.client.get(f"{API}/me/notices", headers=cast.h("participant"))
        assert name not in response.text
        assert name not in await page_of(app, cast, "participant")
        [notice] = await notices_of(app, cast, "participant")
        assert notice.actor_id is None

    async def test_your_own_reply_and_mention_of_yourself_tell_you_nothing(
        self, app: FastAPI, factory: Factory, cast: Cast
    ) -> None:
        client = factory.client
        me = cast.users["participant"].display_name
        thread = await new_thread(client, cast, "participant")
        await new_post(
            client,
            cast,
            "participant",
            thread["id"],
            body=f"Adding to this, says @{me}.",
            parent_id=thread["post"]["id"],
        )
        await feed_round(app)
        assert await notices_of(app, cast, "participant") == []

    async def test_a_reader_removed_from_the_dialogue_is_not_told(
        self, app: FastAPI, factory: Factory, cast: Cast
    ) -> None:
        client = factory.client
        thread = await new_thread(client, cast, "participant")
        async with app_state(app).database.session() as session:
            await session.exec(
                delete(Membership).where(Membership.user_id == cast.uid("participant"))
            )
            await session.commit()
        await new_post(client, cast, "expert", thread["id"], parent_id=thread["post"]["id"])
        await feed_round(app)
        assert await notices_of(app, cast, "participant") == []

    async def test_a_reply_hidden_since_keeps_its_notice_but_shows_nothing_of_it(
        self, app: FastAPI, factory: Factory, cast: Cast
    ) -> None:
        client = factory.client
        thread = await new_thread(client, cast, "participant", title="Visible title")
        reply = await new_post(client, cast, "expert", thread["id"], parent_id=thread["post"]["id"])
        await feed_round(app)
        hidden = await client.post(
            f"{API}/posts/{reply['id']}/moderation",
            json={"action": "hide", "reason": "Off topic"},
            headers=cast.h("moderator"),
        )
        assert hidden.status_code == 200, hidden.text
        card = main(await page_of(app, cast, "participant"))
        assert "the post is no longer shown" in text(card)
        assert post_url(cast.slug, thread["id"], reply["id"]) not in card
        assert "Visible title" not in card


class TestHeldReplies:
    async def test_a_pending_reply_tells_nobody_until_it_is_published(
        self, app: FastAPI, factory: Factory
    ) -> None:
        cast = await held_cast(app, factory, moderation="pre")
        client = factory.client
        thread = await new_thread(client, cast, "moderator")
        reply = await new_post(
            client, cast, "participant", thread["id"], parent_id=thread["post"]["id"]
        )
        assert reply["status"] == "pending"
        await feed_round(app)
        assert await notices_of(app, cast, "moderator") == []
        approved = await client.post(
            f"{API}/posts/{reply['id']}/moderation",
            json={"action": "approve", "reason": ""},
            headers=cast.h("moderator"),
        )
        assert approved.status_code == 200, approved.text
        await feed_round(app)
        kinds = [n.kind for n in await notices_of(app, cast, "moderator")]
        assert kinds == ["reply"]


class TestTwoInstances:
    async def test_two_schedulers_at_once_tell_once(
        self, app: FastAPI, factory: Factory, cast: Cast
    ) -> None:
        client = factory.client
        thread = await new_thread(client, cast, "participant")
        await new_post(client, cast, "expert", thread["id"], parent_id=thread["post"]["id"])
        state = app_state(app)
        other = MailScheduler(database=state.database, settings=state.settings)
        assert state.mail_scheduler is not None
        await asyncio.gather(state.mail_scheduler.tick(), other.tick())
        assert len(await notices_of(app, cast, "participant")) == 1
