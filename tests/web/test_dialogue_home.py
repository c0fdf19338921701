"""The dialogue home page: who may see it, the themes timeline and participation figures."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from dialogue.db import utcnow
from dialogue.dialogues import service as dialogues
from dialogue.events.publish import commit
from dialogue.state import app_state
from dialogue.threads.models import PostStatus
from tests.factories import Factory
from tests.web import scenes
from tests.web.clients import visitor
from tests.web.html import main, section, text


class TestWhoMaySee:
    async def test_anyone_reads_a_public_dialogue(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory, summary="We ask how **men's programmes** answer.")
        async with visitor(app) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "<h1>" + s.dialogue.title + "</h1>" in page.text
        assert "<strong>men&#39;s programmes</strong>" in page.text or (
            "<strong>men's programmes</strong>" in page.text
        )

    async def test_invite_dialogue_is_a_404_page_for_outsiders(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory, visibility="invite", title="Closed circle")
        outsider = await factory.user()
        for user in (None, outsider):
            async with visitor(app, user) as browser:
                for path in ("", "/conduct", "/search?q=x", f"/themes/{s.theme.id}"):
                    page = await browser.get(f"/d/{s.dialogue.slug}{path}")
                    assert page.status_code == 404, (user, path)
                    assert page.headers["content-type"].startswith("text/html")
                    assert "Not found." in text(page.text)
                    assert "Closed circle" not in page.text

    async def test_members_and_admins_read_an_invite_dialogue(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory, visibility="invite", title="Closed circle")
        admin = await factory.user(is_admin=True)
        for user in (s.alice, s.observer, s.newcomer, admin):
            async with visitor(app, user) as browser:
                page = await browser.get(f"/d/{s.dialogue.slug}")
            assert page.status_code == 200, user.display_name
            assert "Closed circle" in page.text

    async def test_unknown_dialogue_is_a_404_page(self, app: FastAPI) -> None:
        async with visitor(app) as browser:
            page = await browser.get("/d/no-such-dialogue")
        assert page.status_code == 404
        assert "Not found." in text(page.text)


class TestTimeline:
    async def test_open_theme_and_the_next_one_are_named(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue(visibility="public")
        now = utcnow()
        await factory.theme(
            d,
            title="Week one",
            opens_at=now - timedelta(days=20),
            closes_at=now - timedelta(days=10),
        )
        await factory.theme(d, title="Week two")
        await factory.theme(d, title="Week three", open_now=False)
        await factory.theme(
            d, title="Week four", opens_at=now + timedelta(days=30), closes_at=now + timedelta(40)
        )
        async with visitor(app) as browser:
            page = await browser.get(f"/d/{d.slug}")
        themes = text(section(page.text, "themes-heading"))
        assert "Open now: Week two" in themes
        assert "Coming next: Week three" in themes
        items = section(page.text, "themes-heading").split('class="timeline-item')[1:]
        titles = ["Week one", "Week two", "Week three", "Week four"]
        assert [title in text(item) for item, title in zip(items, titles, strict=True)] == [
            True
        ] * 4
        assert [item.split('"')[0].strip() for item in items] == [
            "state-closed",
            "state-open",
            "state-upcoming",
            "state-upcoming",
        ]
        assert "Next" in text(items[2]) and "Next" not in text(items[3])

    async def test_dates_are_shown_in_the_readers_timezone(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue(visibility="public")
        opens = datetime(2031, 3, 1, 22, 30, tzinfo=UTC)
        await factory.theme(d, title="Later", opens_at=opens, closes_at=opens + timedelta(days=7))
        tokyo = await factory.member(d, "participant", timezone="Asia/Tokyo")
        async with visitor(app) as browser:
            utc_page = await browser.get(f"/d/{d.slug}")
        async with visitor(app, tokyo) as browser:
            tokyo_page = await browser.get(f"/d/{d.slug}")
        assert "1 Mar 2031, 22:30" in text(utc_page.text)
        assert "2 Mar 2031, 07:30" in text(tokyo_page.text)
        assert "Asia/Tokyo timezone" in text(tokyo_page.text)
        assert 'datetime="2031-03-01T22:30:00+00:00"' in utc_page.text

    async def test_a_dialogue_without_themes_says_so(self, app: FastAPI, factory: Factory) -> None:
        d = await factory.dialogue(visibility="public")
        async with visitor(app) as browser:
            page = await browser.get(f"/d/{d.slug}")
        assert "No themes have been announced yet." in text(page.text)


class TestParticipation:
    async def test_figures_count_only_what_everyone_may_see(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)  # organizer + 4 members, no countries yet
        kenya = await factory.member(s.dialogue, "expert", country="KE")
        await factory.member(s.dialogue, "participant", country="KE")
        await factory.member(s.dialogue, "participant", country="BR")
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        await scenes.reply(app, s.dialogue, s.theme, thread, kenya, parent=first)
        hidden = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob)
        await scenes.set_status(app, hidden, PostStatus.HIDDEN)
        queued, opening = await scenes.start_thread(app, s.dialogue, s.theme, s.bob)
        await scenes.set_status(app, opening, PostStatus.PENDING)
        await scenes.set_thread_status(app, queued, PostStatus.PENDING)
        async with visitor(app) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}")
        figures = text(section(page.text, "figures-heading"))
        assert "Members 8" in figures
        assert "Countries fewer than 5" in figures  # two countries tell where people are from
        assert "Threads 1" in figures
        assert "Posts 2" in figures
        for country in ("MZ", "PT", "FR"):
            await factory.member(s.dialogue, "participant", country=country)
        async with visitor(app) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}")
        assert "Countries 5" in text(section(page.text, "figures-heading"))

    async def test_a_small_dialogue_withholds_how_many_people_it_has(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue(visibility="public")
        for country in ("KE", "BR", "FR"):
            await factory.member(d, "participant", country=country)
        async with visitor(app) as browser:
            page = await browser.get(f"/d/{d.slug}")
        figures = text(section(page.text, "figures-heading"))
        assert "Members fewer than 5" in figures and "Countries fewer than 5" in figures
        assert not re.search(r"(Members|Countries) [0-4]\b", figures), figures


class TestConductReminder:
    async def test_members_who_have_not_accepted_are_pointed_to_the_code(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.newcomer) as browser:
            newcomer_page = await browser.get(f"/d/{s.dialogue.slug}")
        async with visitor(app, s.alice) as browser:
            alice_page = await browser.get(f"/d/{s.dialogue.slug}")
        reminder = "Before you post, please read and accept the code of conduct."
        assert reminder in text(main(newcomer_page.text))
        assert reminder not in text(main(alice_page.text))
        assert "Your role: Participant" in text(alice_page.text)

    async def test_a_new_version_asks_again(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        async with app_state(app).database.session() as session:
            dialogue = await dialogues.get_dialogue(session=session, slug=s.dialogue.slug)
            assert dialogue is not None
            await dialogues.update_dialogue(
                session=session,
                dialogue=dialogue,
                changes={"code_of_conduct": "1. Be kind.\n2. Be brave.\n"},
            )
            await commit(session)
        async with visitor(app, s.alice) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}")
        assert "Before you post, please read and accept" in text(page.text)
