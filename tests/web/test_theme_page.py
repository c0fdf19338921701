"""The theme page: guiding questions, the thread list by newest activity, and who gets the
new-thread form (everyone else gets one short reason instead)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI

from dialogue.db import utcnow
from dialogue.threads.models import PostStatus
from tests.factories import Factory
from tests.web import scenes
from tests.web.clients import visitor
from tests.web.html import section, text


class TestContent:
    async def test_guiding_questions_and_summary_are_rendered(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        async with visitor(app) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}/themes/{s.theme.id}")
        assert page.status_code == 200
        questions = section(page.text, "questions-heading")
        assert "<strong>accountability</strong>" in questions
        assert "<ol>" in questions
        assert "<h1>Accountability in practice</h1>" in page.text

    async def test_threads_newest_activity_first(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        old, old_first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice, title="Old")
        await scenes.start_thread(app, s.dialogue, s.theme, s.bob, title="Middle")
        await scenes.reply(app, s.dialogue, s.theme, old, s.bob, parent=old_first)  # revives Old
        async with visitor(app) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}/themes/{s.theme.id}")
        listing = section(page.text, "threads-heading")
        assert listing.index(">Old</a>") < listing.index(">Middle</a>")
        assert "Started by Alice Achieng" in text(listing)
        assert "2 posts" in text(listing)

    async def test_names_and_titles_are_escaped(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        mallory = await factory.member(s.dialogue, "participant", display_name="<b>Mallory</b>")
        await scenes.start_thread(app, s.dialogue, s.theme, mallory, title="<i>Title</i>")
        async with visitor(app) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}/themes/{s.theme.id}")
        listing = section(page.text, "threads-heading")
        assert "<b>" not in listing and "<i>" not in listing
        assert "Started by &lt;b&gt;Mallory&lt;/b&gt;" in listing
        assert "&lt;i&gt;Title&lt;/i&gt;" in listing

    async def test_anonymous_opening_post_hides_the_author(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        await scenes.start_thread(app, s.dialogue, s.theme, s.alice, title="Quiet", anonymous=True)
        async with visitor(app, s.organizer) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}/themes/{s.theme.id}")
        listing = text(section(page.text, "threads-heading"))
        assert "Started by Anonymous participant" in listing
        assert "Alice" not in listing

    async def test_others_pending_threads_are_not_listed(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.bob, title="Queued")
        await scenes.set_status(app, first, PostStatus.PENDING)
        await scenes.set_thread_status(app, thread, PostStatus.PENDING)
        async with visitor(app, s.alice) as browser:
            other = await browser.get(f"/d/{s.dialogue.slug}/themes/{s.theme.id}")
        async with visitor(app, s.bob) as browser:
            author = await browser.get(f"/d/{s.dialogue.slug}/themes/{s.theme.id}")
        assert "Queued" not in other.text
        assert "Queued" in author.text
        assert "Awaiting moderation" in text(section(author.text, "threads-heading"))

    async def test_staff_reach_the_theme_edit_page_from_the_theme(
        self, app: FastAPI, factory: Factory
    ) -> None:
        """Moderators write the theme's summary on its edit page; the theme page links there."""
        s = await scenes.scene(factory)
        moderator = await factory.member(s.dialogue, "moderator")
        edit = f'href="/d/{s.dialogue.slug}/themes/{s.theme.id}/edit"'
        for reader, linked in ((moderator, True), (s.organizer, True), (s.alice, False)):
            async with visitor(app, reader) as browser:
                page = await browser.get(f"/d/{s.dialogue.slug}/themes/{s.theme.id}")
                assert (edit in page.text) is linked, reader.display_name
                if linked:
                    target = await browser.get(f"/d/{s.dialogue.slug}/themes/{s.theme.id}/edit")
                    assert target.status_code == 200
                    assert 'id="summary"' in target.text


class TestPagination:
    async def test_older_threads_follow_the_cursor_without_repeats(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        for n in range(23):
            await scenes.start_thread(app, s.dialogue, s.theme, s.alice, title=f"Thread {n:02d}")
        seen: list[str] = []
        url = f"/d/{s.dialogue.slug}/themes/{s.theme.id}"
        async with visitor(app) as browser:
            first = await browser.get(url)
            listing = section(first.text, "threads-heading")
            seen += re.findall(r">Thread (\d\d)</a>", listing)
            assert 'href="' + url + "?before=" in listing
            older = listing.split('href="' + url + "?before=")[1].split('"')[0]
            assert "+" not in older and "|" not in older  # the cursor is URL-encoded
            second = await browser.get(f"{url}?before={older}")
        rest = section(second.text, "threads-heading")
        seen += re.findall(r">Thread (\d\d)</a>", rest)
        assert seen == [f"{n:02d}" for n in reversed(range(23))]
        assert "?before=" not in rest
        assert "Newest threads" in text(rest)

    async def test_a_broken_cursor_is_a_422_page(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        async with visitor(app) as browser:
            page = await browser.get(
                f"/d/{s.dialogue.slug}/themes/{s.theme.id}", params={"before": "yesterday|x"}
            )
        assert page.status_code == 422
        assert "Invalid page cursor." in text(page.text)


class TestWhoGetsTheForm:
    async def assert_reason(
        self, app: FastAPI, factory: Factory, user: object, s: scenes.Scene, reason: str
    ) -> str:
        async with visitor(app, user) as browser:  # type: ignore[arg-type]
            page = await browser.get(f"/d/{s.dialogue.slug}/themes/{s.theme.id}")
        assert page.status_code == 200
        area = section(page.text, "new-thread-heading")
        assert "<form" not in area
        assert reason in text(area), text(area)
        return area

    async def test_a_member_who_accepted_gets_the_form(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.alice) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}/themes/{s.theme.id}")
        form = section(page.text, "new-thread-heading")
        assert f'action="/d/{s.dialogue.slug}/themes/{s.theme.id}/threads"' in form
        assert 'name="csrf_token"' in form and 'name="client_id"' in form
        assert '<label for="new-thread-title">' in form
        assert 'name="anonymous"' in form

    async def test_no_anonymous_box_where_anonymity_is_off(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory, allow_anonymous=False)
        async with visitor(app, s.alice) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}/themes/{s.theme.id}")
        assert 'name="anonymous"' not in page.text

    async def test_visitor_is_asked_to_sign_in(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        area = await self.assert_reason(
            app, factory, None, s, "Sign in to take part in this dialogue."
        )
        assert f'href="/login?next=/d/{s.dialogue.slug}/themes/{s.theme.id}"' in area

    async def test_newcomer_is_sent_to_the_code(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        area = await self.assert_reason(
            app, factory, s.newcomer, s, "Please accept the current code of conduct"
        )
        assert f'href="/d/{s.dialogue.slug}/conduct?next=' in area

    async def test_observer_and_outsider_read_only(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        outsider = await factory.user()
        for user in (s.observer, outsider):
            await self.assert_reason(
                app, factory, user, s, "Your place in this dialogue lets you read but not post."
            )

    async def test_closed_theme(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        now = utcnow()
        s.theme = await factory.theme(
            s.dialogue, opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=2)
        )
        for user in (None, s.alice):
            await self.assert_reason(
                app, factory, user, s, "This theme is not open for contributions."
            )

    async def test_dialogue_not_open(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory, status="closed")
        await self.assert_reason(
            app, factory, s.alice, s, "This dialogue is not open for contributions."
        )

    async def test_muted_member(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        await scenes.update_membership(
            app, s.dialogue, s.alice, muted_until=utcnow() + timedelta(hours=2)
        )
        await self.assert_reason(app, factory, s.alice, s, "You are muted in this dialogue")
