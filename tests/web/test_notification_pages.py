"""The notifications page, the header's count, the old /notices address, and what a thread
page tells an author whose post was hidden or a member who is muted."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlmodel import select

from dialogue.accounts.models import User
from dialogue.db import utcnow
from dialogue.moderation.models import Notice
from tests.factories import Factory
from tests.web import scenes
from tests.web.clients import visitor
from tests.web.html import main, post_html, section, text


def header(html: str) -> str:
    return html[html.index("<header") : html.index("</header>")]


class TestNotificationsPage:
    async def test_unread_first_with_the_post_and_thread_they_are_about(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(
            app, s.dialogue, s.theme, s.alice, title="Safe houses"
        )
        second = await scenes.reply(app, s.dialogue, s.theme, thread, s.alice)
        await scenes.moderate(app, s.organizer, first, "hide", reason="Names a survivor")
        async with visitor(app, s.alice) as browser:
            await browser.get("/notifications")  # the first notice is now read
        await scenes.moderate(app, s.organizer, second, "hide", reason="A phone number")
        async with visitor(app, s.alice) as browser:
            page = await browser.get("/notifications")
        assert page.status_code == 200
        body = main(page.text)
        newer, older = body.index("A phone number"), body.index("Names a survivor")
        assert newer < older
        cards = body.split('class="card"')
        assert "New" in text(cards[1]) and "New" not in text(cards[2])
        assert "About your post in “Safe houses”" in text(body)
        link = f"/d/{s.dialogue.slug}/threads/{thread.id}?after_id={(second.id or 0) - 1}"
        assert f"{link}#post-{second.id}" in body
        assert 'action="/notices/' in body  # each decision can be appealed from here

    async def test_times_are_in_the_readers_zone(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        _thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        await scenes.moderate(app, s.organizer, first, "hide", reason="x")
        async with factory.session() as session:
            notice = (await session.exec(select(Notice))).one()
            row = await session.get(User, s.alice.id)
            assert row is not None
            row.timezone = "Asia/Kathmandu"  # UTC+5:45: no other zone shares the minutes
            session.add(row)
            await session.commit()
        async with visitor(app, s.alice) as browser:
            page = await browser.get("/notifications")
        created = notice.created_at.replace(tzinfo=UTC)
        local = created.astimezone(ZoneInfo("Asia/Kathmandu"))
        # A recent notice says how long ago, its exact time (in the reader's zone) in a title.
        stamp = re.search(r'<time datetime="[^"]+" title="([^"]+)">just now</time>', page.text)
        assert stamp is not None and local.strftime("%H:%M") in stamp[1]

    async def test_seeing_the_page_clears_the_header_count(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        _thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        await scenes.moderate(app, s.organizer, first, "hide", reason="x")
        async with visitor(app, s.alice) as browser:
            home = await browser.get("/")
            assert "1 unread" in text(header(home.text))
            seen = await browser.get("/notifications")
            assert "unread" not in text(header(seen.text))
            again = await browser.get("/")
        assert "unread" not in text(header(again.text))
        assert 'href="/notifications"' in header(again.text)

    async def test_a_visitor_is_sent_to_sign_in(self, app: FastAPI) -> None:
        async with visitor(app) as browser:
            page = await browser.get("/notifications")
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=/notifications"

    async def test_the_old_address_moved_permanently(self, app: FastAPI) -> None:
        async with visitor(app) as browser:
            old = await browser.get("/notices")
        assert old.status_code == 308 and old.headers["location"] == "/notifications"


class TestHiddenPostExplained:
    async def test_the_author_reads_why_and_where_to_appeal(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        hidden = await scenes.reply(app, s.dialogue, s.theme, thread, s.alice, anonymous=True)
        await scenes.moderate(app, s.organizer, hidden, "hide", reason="Names a survivor")
        url = f"/d/{s.dialogue.slug}/threads/{thread.id}"
        async with visitor(app, s.alice) as browser:
            page = await browser.get(url)
        shown = post_html(page.text, hidden.id or 0)
        assert "Your post was hidden." in text(shown)
        assert "Names a survivor" in text(shown)
        assert "/notifications#notice-" in shown
        assert "Your post was hidden." not in text(post_html(page.text, first.id or 0))

    async def test_nobody_else_reads_it(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        hidden = await scenes.reply(app, s.dialogue, s.theme, thread, s.alice, anonymous=True)
        await scenes.moderate(app, s.organizer, hidden, "hide", reason="Names a survivor")
        url = f"/d/{s.dialogue.slug}/threads/{thread.id}"
        for reader in (s.organizer, s.bob, None):
            async with visitor(app, reader) as browser:
                page = await browser.get(url)
            assert "Your post was hidden." not in page.text, reader
            assert "/notifications#notice-" not in page.text, reader


class TestMutedMember:
    async def test_the_reply_form_says_until_when(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.bob)
        until = (utcnow() + timedelta(days=2)).replace(hour=9, minute=30, second=0, microsecond=0)
        await scenes.mute(app, s.organizer, s.dialogue, s.alice, until)
        async with visitor(app, s.alice) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}/threads/{thread.id}")
        block = section(page.text, "reply-heading")
        assert "<textarea" not in block
        assert "You are muted in this dialogue until" in text(block)
        stamp = until.replace(tzinfo=UTC) if until.tzinfo is None else until
        assert f'datetime="{stamp.isoformat(timespec="seconds")}"' in block
        assert "09:30" in text(block)  # the member's zone is UTC
        assert 'href="/notifications"' in block

    async def test_others_still_get_the_form(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.bob)
        await scenes.mute(
            app, s.organizer, s.dialogue, s.alice, datetime.now(UTC) + timedelta(hours=3)
        )
        async with visitor(app, s.bob) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}/threads/{thread.id}")
        block = section(page.text, "reply-heading")
        assert "<textarea" in block and "muted" not in text(block)
