"""Theme pages: add, edit (moderators too), reorder and delete, with times in the person's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from dialogue.csrf import CSRF_FIELD
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import Dialogue, Theme
from dialogue.state import app_state
from tests.factories import Factory
from tests.web import scenes
from tests.web.clients import submit, visitor
from tests.web.html import main, section, text


async def themes_of(app: FastAPI, dialogue: Dialogue) -> list[Theme]:
    async with app_state(app).database.session() as session:
        return list(await dialogues.list_themes(session=session, dialogue_id=dialogue.id or 0))


def theme_fields(**changes: Any) -> dict[str, Any]:
    return {
        "title": "Week one: what accountability means",
        "guiding_questions": "1. What does *accountability* look like?",
        "opens_at": "2027-03-01T09:00",
        "closes_at": "2027-03-08T18:00",
        "summary": "",
        **changes,
    }


class TestNewTheme:
    async def test_times_are_read_in_the_organizers_timezone(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue(status="draft")
        organizer = await factory.member(d, "organizer", timezone="America/Sao_Paulo")
        url = f"/d/{d.slug}/themes/new"
        async with visitor(app, organizer) as browser:
            form = await browser.get(url)
            assert form.status_code == 200
            assert 'type="datetime-local"' in form.text
            assert "America/Sao_Paulo" in text(main(form.text))
            answer = await submit(browser, url, url, theme_fields())
            assert answer.status_code == 303, answer.text
            (theme,) = await themes_of(app, d)
            assert answer.headers["location"] == f"/d/{d.slug}/themes/{theme.id}/edit?saved=1"
            edit = await browser.get(answer.headers["location"])
        # 09:00 in São Paulo (UTC-3) is 12:00 UTC.
        assert theme.opens_at == datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
        assert theme.closes_at == datetime(2027, 3, 8, 21, 0, tzinfo=UTC)
        assert 'value="2027-03-01T09:00"' in edit.text  # shown back in the same zone
        assert "Saved." in text(edit.text)

    async def test_closing_before_opening_is_refused_in_the_same_words_as_the_api(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        url = f"/d/{d.slug}/themes/new"
        async with visitor(app, organizer) as browser:
            answer = await submit(browser, url, url, theme_fields(closes_at="2027-02-01T09:00"))
        assert answer.status_code == 422
        assert 'id="closes_at-error"' in answer.text
        assert "A theme must close after it opens." in text(main(answer.text))
        assert 'value="Week one: what accountability means"' in answer.text
        assert await themes_of(app, d) == []
        api = await factory.client.post(
            f"/api/v1/dialogues/{d.slug}/themes",
            json={
                "title": "T",
                "opens_at": "2027-03-01T09:00:00Z",
                "closes_at": "2027-02-01T09:00:00Z",
            },
            headers=await factory.auth(organizer),
        )
        assert api.status_code == 422
        assert api.json()["error"]["message"] == "A theme must close after it opens."

    async def test_a_bad_or_missing_time_is_refused(self, app: FastAPI, factory: Factory) -> None:
        d = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        url = f"/d/{d.slug}/themes/new"
        async with visitor(app, organizer) as browser:
            bad = await submit(browser, url, url, theme_fields(opens_at="next tuesday"))
            missing = await submit(browser, url, url, theme_fields(closes_at=""))
            untitled = await submit(browser, url, url, theme_fields(title=" "))
        assert bad.status_code == 422 and 'id="opens_at-error"' in bad.text
        assert "Please give the date and time the theme opens." in text(main(bad.text))
        assert missing.status_code == 422 and 'id="closes_at-error"' in missing.text
        assert untitled.status_code == 422 and 'id="title-error"' in untitled.text
        assert await themes_of(app, d) == []

    async def test_only_organizers_add_themes(self, app: FastAPI, factory: Factory) -> None:
        d = await factory.dialogue(visibility="invite")
        moderator = await factory.member(d, "moderator")
        participant = await factory.member(d, "participant")
        url = f"/d/{d.slug}/themes/new"
        for person, status in ((moderator, 403), (participant, 403), (await factory.user(), 404)):
            async with visitor(app, person) as browser:
                assert (await browser.get(url)).status_code == status
                answer = await submit(browser, "/", url, theme_fields())
                assert answer.status_code == status
        async with visitor(app) as browser:
            assert (await browser.get(url)).status_code == 404
        admin = await factory.user(is_admin=True)
        async with visitor(app, admin) as browser:
            assert (await submit(browser, url, url, theme_fields())).status_code == 303
            await browser.get(url)
            forged = await browser.post(url, data={**theme_fields(), CSRF_FIELD: "forged"})
        assert forged.status_code == 403
        assert len(await themes_of(app, d)) == 1

    async def test_an_overlap_is_a_warning_not_an_error(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        first = await factory.theme(d, title="Week one")
        url = f"/d/{d.slug}/themes/new"
        opens = first.opens_at + timedelta(days=1)
        fields = theme_fields(
            opens_at=opens.strftime("%Y-%m-%dT%H:%M"),
            closes_at=(opens + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        )
        async with visitor(app, organizer) as browser:
            answer = await submit(browser, url, url, fields)
            assert answer.status_code == 303
            edit = await browser.get(answer.headers["location"])
            first_edit = await browser.get(f"/d/{d.slug}/themes/{first.id}/edit")
        assert "overlap" in text(main(edit.text)) and "Week one" in text(main(edit.text))
        assert "Week one: what accountability means" in text(main(first_edit.text))
        assert len(await themes_of(app, d)) == 2


class TestEditTheme:
    async def test_a_moderator_writes_the_summary(self, app: FastAPI, factory: Factory) -> None:
        d = await factory.dialogue()
        theme = await factory.theme(d)
        moderator = await factory.member(d, "moderator")
        url = f"/d/{d.slug}/themes/{theme.id}/edit"
        async with visitor(app, moderator) as browser:
            form = await browser.get(url)
            assert form.status_code == 200
            assert f'href="/d/{d.slug}/themes/{theme.id}/delete"' not in form.text
            fields = {
                "title": theme.title,
                "guiding_questions": theme.guiding_questions,
                "opens_at": theme.opens_at.strftime("%Y-%m-%dT%H:%M"),
                "closes_at": theme.closes_at.strftime("%Y-%m-%dT%H:%M"),
                "summary": "Members agreed that **listening** comes first.",
            }
            answer = await submit(browser, url, url, fields)
        assert answer.status_code == 303
        (saved,) = await themes_of(app, d)
        assert saved.summary == "Members agreed that **listening** comes first."
        assert saved.opens_at == theme.opens_at.replace(second=0, microsecond=0)

    async def test_participants_and_outsiders_cannot_edit(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue(visibility="invite")
        theme = await factory.theme(d)
        participant = await factory.member(d, "participant")
        url = f"/d/{d.slug}/themes/{theme.id}/edit"
        for person, status in ((participant, 403), (await factory.user(), 404), (None, 404)):
            async with visitor(app, person) as browser:
                assert (await browser.get(url)).status_code == status
        other = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        async with visitor(app, organizer) as browser:  # a theme of another dialogue
            assert (await browser.get(f"/d/{other.slug}/themes/{theme.id}/edit")).status_code == 404

    async def test_closing_before_opening_is_refused_on_edit(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue()
        theme = await factory.theme(d)
        organizer = await factory.member(d, "organizer")
        url = f"/d/{d.slug}/themes/{theme.id}/edit"
        fields = theme_fields(opens_at="2027-03-08T09:00", closes_at="2027-03-01T09:00")
        async with visitor(app, organizer) as browser:
            answer = await submit(browser, url, url, fields)
        assert answer.status_code == 422
        assert "A theme must close after it opens." in text(main(answer.text))
        (saved,) = await themes_of(app, d)
        assert (saved.title, saved.opens_at) == (theme.title, theme.opens_at)


class TestOrderAndDelete:
    async def test_move_up_and_down_from_the_settings(self, app: FastAPI, factory: Factory) -> None:
        d = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        one, two, three = [await factory.theme(d, title=t) for t in ("One", "Two", "Three")]
        settings = f"/d/{d.slug}/settings"
        async with visitor(app, organizer) as browser:
            listing = section((await browser.get(settings)).text, "themes-heading")
            assert "Move “One” up" not in listing and "Move “Three” down" not in listing
            assert "Move “Two” up" in listing
            up = await submit(
                browser, settings, f"/d/{d.slug}/themes/{three.id}/move", {"position": "1"}
            )
            assert up.status_code == 303
            assert [t.title for t in await themes_of(app, d)] == ["One", "Three", "Two"]
            down = await submit(
                browser, settings, f"/d/{d.slug}/themes/{one.id}/move", {"position": "1"}
            )
            assert down.status_code == 303
        themes = await themes_of(app, d)
        assert [t.title for t in themes] == ["Three", "One", "Two"]
        assert [t.position for t in themes] == [0, 1, 2]
        assert two.id == themes[2].id

    async def test_an_empty_theme_is_deleted_after_confirmation(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        keep, gone = await factory.theme(d, title="Keep"), await factory.theme(d, title="Gone")
        url = f"/d/{d.slug}/themes/{gone.id}/delete"
        async with visitor(app, organizer) as browser:
            page = await browser.get(url)
            assert page.status_code == 200
            assert "has no threads yet" in text(main(page.text))
            assert (await themes_of(app, d))[1].id == gone.id  # looking deletes nothing
            answer = await submit(browser, url, url, {})
        assert answer.status_code == 303
        assert [t.id for t in await themes_of(app, d)] == [keep.id]

    async def test_a_theme_with_threads_is_not_deleted(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        organizer = s.organizer
        url = f"/d/{s.dialogue.slug}/themes/{s.theme.id}/delete"
        async with visitor(app, organizer) as browser:
            page = await browser.get(url)
            assert "cannot be deleted" in text(main(page.text))
            assert "<form" not in main(page.text)
            answer = await submit(browser, f"/d/{s.dialogue.slug}/settings", url, {})
        assert answer.status_code == 409
        assert "cannot be deleted" in text(main(answer.text))
        assert s.theme.id in [t.id for t in await themes_of(app, s.dialogue)]

    async def test_moderators_cannot_delete(self, app: FastAPI, factory: Factory) -> None:
        d = await factory.dialogue()
        theme = await factory.theme(d)
        moderator = await factory.member(d, "moderator")
        url = f"/d/{d.slug}/themes/{theme.id}/delete"
        async with visitor(app, moderator) as browser:
            assert (await browser.get(url)).status_code == 403
            assert (await submit(browser, f"/d/{d.slug}", url, {})).status_code == 403
        assert len(await themes_of(app, d)) == 1


class TestChecklist:
    async def test_a_draft_shows_the_organizer_what_is_left(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue(status="draft", conduct="")
        organizer = await factory.member(d, "organizer")
        participant = await factory.member(d, "participant")
        async with visitor(app, organizer) as browser:
            before = section((await browser.get(f"/d/{d.slug}")).text, "setup-heading")
        assert text(before).count("To do:") == 5
        assert f'href="/d/{d.slug}/themes/new"' in before
        assert f'href="/d/{d.slug}/moderation/members"' in before
        await factory.theme(d, open_now=False)
        await factory.member(d, "moderator")
        await factory.client.patch(
            f"/api/v1/dialogues/{d.slug}",
            json={"code_of_conduct": "1. Be kind."},
            headers=await factory.auth(organizer),
        )
        await factory.client.post(
            f"/api/v1/dialogues/{d.slug}/invitations",
            json={"email": "expert@example.org", "role": "expert"},
            headers=await factory.auth(organizer),
        )
        async with visitor(app, organizer) as browser:
            after = section((await browser.get(f"/d/{d.slug}")).text, "setup-heading")
        assert text(after).count("Done:") == 5, text(after)
        assert "The first theme opens on" in text(after)
        async with visitor(app, participant) as browser:
            assert "setup-heading" not in (await browser.get(f"/d/{d.slug}")).text

    async def test_an_open_dialogue_has_no_checklist(self, app: FastAPI, factory: Factory) -> None:
        d = await factory.dialogue(status="open")
        admin = await factory.user(is_admin=True)
        async with visitor(app, admin) as browser:
            page = await browser.get(f"/d/{d.slug}")
        assert "setup-heading" not in page.text
        assert f'href="/d/{d.slug}/themes/new"' in page.text  # the navigation still offers it
