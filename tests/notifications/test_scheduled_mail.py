"""Theme openings, moderators' batches and digests: what each holds, and never more."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlmodel import col, delete, select, update

from dialogue.accounts.models import User
from dialogue.db import utcnow
from dialogue.dialogues.models import Membership
from dialogue.events.publish import commit
from dialogue.i18n import localtime, translating
from dialogue.notifications import sender as sender_module
from dialogue.notifications.outbox import MAIL_RING
from dialogue.state import app_state
from dialogue.threads.models import Post
from tests.dialogues.cast import API, make_cast, new_post, new_thread
from tests.factories import Factory
from tests.notifications.scene import age_cursors, hold_scheduler, run_mail
from tests.notifications.smtp_sink import SmtpSink


async def set_digest(app: FastAPI, users: list[User] | None, value: str) -> None:
    """Set the digest of these people (None: everyone)."""
    async with app_state(app).database.session() as session:
        change = update(User).values(digest=value)
        if users is not None:
            change = change.where(col(User.id).in_([u.id for u in users]))
        await session.exec(change)
        await session.commit()


class TestThemeOpening:
    async def test_each_member_hears_once_with_the_guiding_questions(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        await hold_scheduler(app)
        cast = await make_cast(factory, roles=("organizer", "participant"))
        await set_digest(app, None, "off")
        smtp.received.clear()
        later = await factory.theme(
            cast.dialogue, open_now=False, title="Week 2", guiding_questions="1. What changed?"
        )
        async with app_state(app).database.session() as session:
            later.opens_at = utcnow() - timedelta(minutes=1)
            session.add(later)
            await commit(session)
        async with app_state(app).database.session() as session:
            found = await session.exec(
                select(Membership).where(Membership.dialogue_id == cast.dialogue.id)
            )
            members = len(found.all())  # the cast and the dialogue's creator
        # The cast's first theme opened a day ago: no longer news.
        await run_mail(app, smtp, expect=members)
        week2 = [r for r in smtp.received if "Week 2" in r.message["Subject"]]
        assert len(week2) == members == len(smtp.received)
        assert week2[0].message["Subject"] == "“Week 2” is open: its guiding questions"
        assert "What changed?" in week2[0].part("plain")
        assert f"/d/{cast.slug}/themes/{later.id}" in week2[0].part("html")
        assert cast.users["outsider"].email not in {r.recipients[0] for r in smtp.received}
        await run_mail(app, smtp, expect=0)


class TestModeratorBatch:
    async def test_new_queue_items_come_in_one_mail_at_most_every_15_minutes(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        await hold_scheduler(app)
        cast = await make_cast(factory, moderation="pre", roles=("moderator", "participant"))
        await set_digest(app, None, "off")
        scheduler = app_state(app).mail_scheduler
        assert scheduler is not None
        assert await scheduler.tick() == 0  # the cursors start now
        await age_cursors(app, "moderation", timedelta(minutes=20))
        thread = await new_thread(factory.client, cast, "moderator", title="Open to all")
        for who in ("participant", "participant2"):
            held = await new_post(factory.client, cast, who, thread["id"])
            assert held["status"] == "pending"
        await run_mail(app, smtp, expect=2)  # the moderator, and the organizer who made it
        [got] = smtp.to(cast.users["moderator"].email)
        assert not smtp.to(cast.users["participant"].email)
        assert "2 posts wait for approval" in got.part("plain")
        assert f"/d/{cast.slug}/moderation" in got.part("html")
        await new_post(factory.client, cast, "participant", thread["id"])
        await run_mail(app, smtp, expect=0)  # less than 15 minutes since the last one

    async def test_the_batch_is_sent_at_once_not_at_the_senders_next_poll(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The scheduler's commit rings the outbox's senders; they would otherwise find the
        batch only at their next poll (five seconds, here made five minutes)."""
        await hold_scheduler(app)
        monkeypatch.setattr(sender_module, "POLL_SECONDS", 300.0)
        mail_sender = app_state(app).mail_sender
        assert mail_sender is not None
        mail_sender.ring(0, MAIL_RING)  # its next wait is the five minutes
        cast = await make_cast(factory, moderation="pre", roles=("moderator", "participant"))
        await set_digest(app, None, "off")
        scheduler = app_state(app).mail_scheduler
        assert scheduler is not None
        await scheduler.tick()
        await age_cursors(app, "moderation", timedelta(minutes=20))
        thread = await new_thread(factory.client, cast, "moderator", title="Open to all")
        await new_post(factory.client, cast, "participant", thread["id"])
        assert await scheduler.tick() == 2
        await smtp.wait_for(2, timeout=4)


class TestDigest:
    async def test_it_holds_only_what_the_reader_may_see_now_grouped_by_theme_and_thread(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        await hold_scheduler(app)
        cast = await make_cast(factory, allow_anonymous=True, title="Men and boys")
        other = await make_cast(factory, title="Another dialogue")
        await set_digest(app, None, "off")
        reader, removed = cast.users["observer"], cast.users["participant2"]
        await set_digest(app, [reader, removed], "daily")
        async with app_state(app).database.session() as session:  # times in the reader's zone
            await session.exec(
                update(User).where(col(User.id) == reader.id).values(timezone="Asia/Tokyo")
            )
            await session.commit()
        scheduler = app_state(app).mail_scheduler
        assert scheduler is not None
        assert await scheduler.tick() == 0
        await age_cursors(app, "digest", timedelta(hours=25))

        client = factory.client
        thread = await new_thread(client, cast, "participant", title="Shelters", body="Open words.")
        await new_post(client, cast, "expert", thread["id"], body="Named words.")
        await new_post(client, cast, "expert", thread["id"], body="Masked words.", anonymous=True)
        hidden = await new_post(client, cast, "expert", thread["id"], body="Hidden words.")
        answer = await client.post(
            f"{API}/posts/{hidden['id']}/moderation",
            json={"action": "hide", "reason": "off topic"},
            headers=cast.h("moderator"),
        )
        assert answer.status_code == 200, answer.text
        # Held for a moderator whatever the mode: it seems to give an address.
        held = await new_post(client, cast, "expert", thread["id"], body="Pending words: a@b.org")
        assert held["status"] == "pending"
        await new_thread(client, other, "participant", body="Elsewhere words.")
        async with app_state(app).database.session() as session:
            await session.exec(delete(Membership).where(Membership.user_id == removed.id))
            await session.commit()

        await run_mail(app, smtp, expect=1)
        [got] = smtp.received
        assert got.recipients == [reader.email]
        assert got.message["Subject"] == "Your daily digest · Men and boys"
        for part in (got.part("plain"), got.part("html")):
            assert "Open words." in part and "Named words." in part and "Masked words." in part
            assert "Hidden words." not in part and "Elsewhere words." not in part
            assert "Pending words" not in part
            assert cast.theme.title in part and "Shelters" in part
            assert cast.users["expert"].display_name in part  # the named post
            assert "Anonymous participant" in part
        text = got.part("plain")
        masked = text.index("Masked words.")
        assert cast.users["expert"].display_name not in text[masked - 120 : masked]
        assert "3 new posts since" in text
        async with app_state(app).database.session() as session:
            found = await session.exec(
                select(Post).where(Post.thread_id == thread["id"]).order_by(col(Post.id))
            )
            first = found.first()
        assert first is not None
        with translating("en", app_state(app).settings.translations_dir):
            tokyo = localtime(first.created_at, "Asia/Tokyo", "short")
            utc = localtime(first.created_at, "UTC", "short")
        assert tokyo != utc and f", {tokyo}:" in text and f", {utc}:" not in text
        await run_mail(app, smtp, expect=0)  # the next one is due in a day

    async def test_a_post_behind_a_content_warning_shows_the_warning_not_its_words(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        await hold_scheduler(app)
        cast = await make_cast(factory, title="Warned")
        await set_digest(app, None, "off")
        reader = cast.users["observer"]
        await set_digest(app, [reader], "weekly")
        scheduler = app_state(app).mail_scheduler
        assert scheduler is not None
        assert await scheduler.tick() == 0
        await age_cursors(app, "digest", timedelta(days=8))
        client = factory.client
        thread = await new_thread(client, cast, "participant", body="PLAIN-WORDS here.")
        warned = await new_post(
            client, cast, "expert", thread["id"], body="HIDDEN-WORDS.", content_warning="abuse"
        )
        await run_mail(app, smtp, expect=1)
        [got] = smtp.received
        for part in (got.part("plain"), got.part("html")):
            assert "PLAIN-WORDS here." in part  # the other post is quoted as ever
            assert "HIDDEN-WORDS" not in part
            assert "Content warning: abuse" in part.replace("</strong>", "")
            assert f"#post-{warned['id']}" in part  # its link, to read it in the dialogue
        assert "2 new posts since" in got.part("plain")

    async def test_the_unsubscribe_link_stops_the_digest_without_signing_in(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        from tests.helpers import browser
        from tests.web.clients import page_csrf

        await hold_scheduler(app)
        cast = await make_cast(factory, roles=("participant",))
        await set_digest(app, None, "off")
        reader = cast.users["participant2"]
        await set_digest(app, [reader], "weekly")
        assert await app_state(app).mail_scheduler.tick() == 0  # type: ignore[union-attr]
        await age_cursors(app, "digest", timedelta(days=8))
        await new_thread(factory.client, cast, "participant", body="Something new.")
        await run_mail(app, smtp, expect=1)
        [got] = smtp.received
        assert got.message["Subject"].startswith("Your weekly digest")
        path = got.message["List-Unsubscribe"].strip("<>").removeprefix("http://testserver")
        async with browser(app) as visitor:
            page = await visitor.get(path)
            assert page.status_code == 200 and reader.email in page.text
            done = await visitor.post(path, data={"csrf_token": page_csrf(page.text)})
            assert done.status_code == 200
            forged = await visitor.post(path[:-3] + "abc", data={})
            assert forged.status_code == 404
        async with app_state(app).database.session() as session:
            row = await session.get(User, reader.id)
            assert row is not None and row.digest == "off"
