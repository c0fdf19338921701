"""Replies and @mentions by e-mail: to whom, saying what, and never more than the page."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlmodel import delete

from dialogue.accounts.models import User
from dialogue.accounts.tombstone import FORMER_PARTICIPANT
from dialogue.dialogues.models import Membership
from dialogue.state import app_state
from tests.dialogues.cast import API, make_cast, new_post, new_thread
from tests.factories import Factory
from tests.notifications.scene import hold_scheduler, run_mail
from tests.notifications.smtp_sink import SmtpSink


@pytest.fixture
async def cast(app: FastAPI, factory: Factory):  # type: ignore[no-untyped-def]
    await hold_scheduler(app)
    made = await make_cast(factory, allow_anonymous=True)
    scheduler = app_state(app).mail_scheduler
    assert scheduler is not None
    await scheduler.tick()  # the feed's cursors start here: nothing before is news
    return made


class TestReplies:
    async def test_the_author_answered_hears_who_said_what_with_a_link(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink, cast
    ) -> None:
        client = factory.client
        thread = await new_thread(client, cast, "participant", title="Safe shelters")
        first = thread["post"]["id"]
        reply = await new_post(
            client, cast, "expert", thread["id"], body="I agree, *and* more.", parent_id=first
        )
        await run_mail(app, smtp, expect=1)
        [got] = smtp.to(cast.users["participant"].email)
        assert got.message["Subject"] == "New reply in “Safe shelters”"
        text = got.part("plain")
        assert cast.users["expert"].display_name in text
        assert "> I agree, *and* more." in text
        assert f"/d/{cast.slug}/threads/{thread['id']}" in text and f"#post-{reply['id']}" in text
        assert got.message["Reply-To"] is None  # no reply domain configured
        assert "someone replied to your post" in text
        await run_mail(app, smtp, expect=0)  # once only

    async def test_a_reply_in_a_new_dialogue_is_news_before_the_feed_first_looks(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        """The cursor is made with the dialogue: a reply written before the feed's first
        run is not taken for history."""
        await hold_scheduler(app)
        fresh = await make_cast(factory)
        thread = await new_thread(factory.client, fresh, "participant")
        await new_post(
            factory.client, fresh, "expert", thread["id"], parent_id=thread["post"]["id"]
        )
        await run_mail(app, smtp, expect=1)
        assert len(smtp.to(fresh.users["participant"].email)) == 1

    async def test_a_deleted_accounts_reply_is_named_in_the_readers_language(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink, cast
    ) -> None:
        """The tombstone is stored in English; a French reader reads it in French."""
        client = factory.client
        thread = await new_thread(client, cast, "participant")
        first = thread["post"]["id"]
        await new_post(client, cast, "expert", thread["id"], parent_id=first)
        async with app_state(app).database.session() as session:
            expert = await session.get(User, cast.users["expert"].id)
            reader = await session.get(User, cast.users["participant"].id)
            assert expert is not None and reader is not None
            expert.display_name, reader.language = FORMER_PARTICIPANT, "fr"
            await session.commit()
        await run_mail(app, smtp, expect=1)
        [got] = smtp.received
        for part in ("plain", "html"):
            assert "Ancien·ne participant·e" in got.part(part)
            assert FORMER_PARTICIPANT not in got.part(part)

    async def test_an_anonymous_reply_names_nobody(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink, cast
    ) -> None:
        client = factory.client
        thread = await new_thread(client, cast, "participant")
        first = thread["post"]["id"]
        await new_post(client, cast, "expert", thread["id"], parent_id=first, anonymous=True)
        await run_mail(app, smtp, expect=1)
        [got] = smtp.received
        name = cast.users["expert"].display_name
        assert "Anonymous participant" in got.part("plain")
        assert name not in got.raw.decode(errors="replace")

    async def test_a_pending_reply_is_mailed_once_approved(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        await hold_scheduler(app)
        cast = await make_cast(factory, moderation="pre")
        await app_state(app).mail_scheduler.tick()  # type: ignore[union-attr]
        client = factory.client
        thread = await new_thread(client, cast, "moderator")
        first = thread["post"]["id"]
        reply = await new_post(client, cast, "participant", thread["id"], parent_id=first)
        assert reply["status"] == "pending"
        await run_mail(app, smtp, expect=0)
        approved = await client.post(
            f"{API}/posts/{reply['id']}/moderation",
            json={"action": "approve", "reason": ""},
            headers=cast.h("moderator"),
        )
        assert approved.status_code == 200, approved.text
        await run_mail(app, smtp, expect=1)
        assert smtp.to(cast.users["moderator"].email)


class TestMentions:
    async def test_a_plain_at_name_mails_that_member_and_nobody_else(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink, cast
    ) -> None:
        advisor = cast.users["advisor"]
        gone = cast.users["participant2"]
        async with app_state(app).database.session() as session:
            await session.exec(delete(Membership).where(Membership.user_id == gone.id))
            await session.commit()
        body = f"Thanks @{advisor.display_name.upper()}, and @{gone.display_name} and @Nobody."
        await new_thread(factory.client, cast, "participant", body=body, title="Names")
        await run_mail(app, smtp, expect=1)
        [got] = smtp.received
        assert got.recipients == [advisor.email]
        assert got.message["Subject"] == "You were mentioned in “Names”"

    async def test_a_reply_kind_turned_off_on_the_profile_is_not_sent(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink, cast
    ) -> None:
        from tests.web.clients import submit, visitor

        me = cast.users["participant"]
        async with visitor(app, me) as client:
            answer = await submit(
                client,
                "/me",
                "/me",
                {
                    "display_name": me.display_name,
                    "organization": "",
                    "language": "en",
                    "timezone": "UTC",
                    "quote_consent": "none",
                    "digest": "off",
                    "mail": ["mention", "theme_opened"],
                    "mail_choices": "1",
                },
            )
            assert answer.status_code == 303, answer.text
        thread = await new_thread(factory.client, cast, "participant")
        first = thread["post"]["id"]
        await new_post(factory.client, cast, "expert", thread["id"], parent_id=first)
        await run_mail(app, smtp, expect=0)


class TestContentWarnings:
    async def test_a_warned_reply_or_mention_shows_the_warning_and_the_link_never_the_words(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink, cast
    ) -> None:
        client = factory.client
        thread = await new_thread(client, cast, "participant", title="After")
        advisor = cast.users["advisor"]
        reply = await new_post(
            client,
            cast,
            "expert",
            thread["id"],
            body=f"UNSEEN-WORDS of what came after, @{advisor.display_name}.",
            parent_id=thread["post"]["id"],
            content_warning="describes an assault",
        )
        assert reply["status"] == "published", reply
        await run_mail(app, smtp, expect=2)
        for person in ("participant", "advisor"):  # the reply, and the mention
            [got] = smtp.to(cast.users[person].email)
            link = f"/d/{cast.slug}/threads/{thread['id']}"
            for part in (got.part("plain"), got.part("html")):
                assert "describes an assault" in part and "Content warning" in part, person
                assert "UNSEEN-WORDS" not in part, person
                assert "does not show the post" in part and link in part, person
            assert "UNSEEN-WORDS" not in got.raw.decode(errors="replace")

    async def test_without_a_warning_the_words_are_quoted(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink, cast
    ) -> None:
        client = factory.client
        thread = await new_thread(client, cast, "participant")
        await new_post(
            client, cast, "expert", thread["id"], body="SEEN-WORDS.", parent_id=thread["post"]["id"]
        )
        await run_mail(app, smtp, expect=1)
        [got] = smtp.received
        for part in (got.part("plain"), got.part("html")):
            assert "SEEN-WORDS." in part and "Content warning" not in part


class TestEveryRole:
    async def test_no_mail_to_anyone_names_an_anonymous_author(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink, cast
    ) -> None:
        from datetime import timedelta

        from sqlmodel import update

        from dialogue.accounts.models import User
        from tests.notifications.scene import age_cursors

        async with app_state(app).database.session() as session:
            await session.exec(update(User).values(digest="daily"))
            await session.commit()
        scheduler = app_state(app).mail_scheduler
        assert scheduler is not None
        await scheduler.tick()  # the digests' cursors start
        await age_cursors(app, "digest", timedelta(hours=25))
        client = factory.client
        author = cast.users["participant2"]
        thread = await new_thread(client, cast, "participant", title="Open words")
        others = ("organizer", "moderator", "advisor", "expert", "observer")
        mentions = " ".join(f"@{cast.users[r].display_name}" for r in others)
        reply = await new_post(
            client,
            cast,
            "participant2",
            thread["id"],
            body=f"Masked words for {mentions}.",
            parent_id=thread["post"]["id"],
            anonymous=True,
        )
        assert reply["status"] == "published", reply
        queued = await scheduler.tick()
        received = await smtp.wait_for(queued)
        reached = {r for got in received for r in got.recipients}
        for role in (*others, "participant"):  # a reply or a mention, and a digest, each
            mine = smtp.to(cast.users[role].email)
            assert len(mine) == 2, (role, [m.message["Subject"] for m in mine])
            assert any("Masked words" in m.part("plain") for m in mine), role
        assert not {cast.users[r].email for r in ("outsider", "admin")} & reached  # no members
        for got in received:
            if author.email in got.recipients:
                continue  # their own digest, addressed to them
            assert "Anonymous participant" in got.part("plain"), got.message["Subject"]
            for part in (got.part("plain"), got.part("html"), str(got.message)):
                assert author.display_name not in part, got.message["Subject"]
                assert author.email not in part, got.message["Subject"]


class TestHeld:
    async def test_a_held_reply_is_mailed_to_nobody_until_released(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink, cast
    ) -> None:
        from datetime import timedelta

        from sqlmodel import update

        from dialogue.accounts.models import User
        from tests.notifications.scene import age_cursors

        reader = cast.users["observer"]
        async with app_state(app).database.session() as session:
            await session.exec(update(User).values(digest="off"))
            await session.exec(update(User).where(User.id == reader.id).values(digest="daily"))
            await session.commit()
        await run_mail(app, smtp, expect=0)  # the digest's cursor starts
        await age_cursors(app, "digest", timedelta(hours=25))
        client = factory.client
        thread = await new_thread(client, cast, "participant", body="OPENING words.")
        held = await new_post(
            client,
            cast,
            "expert",
            thread["id"],
            body="Call her on +44 20 7946 0958, she is waiting.",
            parent_id=thread["post"]["id"],
        )
        assert held["status"] == "pending" and held["hold_reasons"], held
        await run_mail(app, smtp, expect=1)  # the observer's digest, without it
        [digest] = smtp.to(reader.email)
        assert "OPENING words." in digest.part("plain") and "7946" not in digest.raw.decode()
        assert "1 new post since" in digest.part("plain")
        released = await client.post(
            f"{API}/posts/{held['id']}/moderation",
            json={"action": "approve", "reason": ""},
            headers=cast.h("moderator"),
        )
        assert released.status_code == 200, released.text
        await run_mail(app, smtp, expect=1)
        [got] = smtp.to(cast.users["participant"].email)
        assert "7946" in got.part("plain")
