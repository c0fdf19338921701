"""The code-of-conduct page: the clauses and version, and the members' accept form."""

from __future__ import annotations

from fastapi import FastAPI

from dialogue.csrf import CSRF_FIELD
from tests.factories import Factory
from tests.helpers import csrf_from
from tests.web import scenes
from tests.web.clients import submit, visitor
from tests.web.html import main, section, text


class TestReading:
    async def test_clauses_and_version_are_shown_to_anyone(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        async with visitor(app) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}/conduct")
        assert page.status_code == 200
        body = main(page.text)
        assert "Version 1" in text(body)
        assert "<li>Be respectful.</li>" in body
        assert "<li>Never identify survivors.</li>" in body
        acceptance = section(page.text, "accept-heading")
        assert "<form" not in acceptance
        assert f"/login?next=/d/{s.dialogue.slug}/conduct" in acceptance

    async def test_member_who_has_not_accepted_gets_the_form(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.newcomer) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}/conduct")
        form = section(page.text, "accept-heading")
        assert f'action="/d/{s.dialogue.slug}/conduct"' in form
        assert 'name="version" value="1"' in form
        assert "I accept version 1 of the code of conduct" in text(form)

    async def test_member_who_accepted_sees_when(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.alice) as browser:
            page = await browser.get(f"/d/{s.dialogue.slug}/conduct")
        acceptance = section(page.text, "accept-heading")
        assert "<form" not in acceptance
        assert "You accepted this version on" in text(acceptance)


class TestAccepting:
    async def test_accepting_records_the_version_and_returns_to_the_form(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        back = f"/d/{s.dialogue.slug}/themes/{s.theme.id}"
        async with visitor(app, s.newcomer) as browser:
            answer = await submit(
                browser,
                f"/d/{s.dialogue.slug}/conduct?next={back}",
                f"/d/{s.dialogue.slug}/conduct",
                {"version": "1", "next": back},
            )
            assert answer.status_code == 303
            assert answer.headers["location"] == back
            theme_page = await browser.get(back)
        member = await scenes.membership(app, s.dialogue, s.newcomer)
        assert member is not None and member.conduct_version == 1
        assert member.conduct_accepted_at is not None
        assert 'id="new-thread-title"' in theme_page.text

    async def test_next_may_only_lead_inside_the_dialogue(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.newcomer) as browser:
            for target in ("//evil.example/x", "https://evil.example/", "/d/other-dialogue"):
                answer = await submit(
                    browser,
                    f"/d/{s.dialogue.slug}/conduct",
                    f"/d/{s.dialogue.slug}/conduct",
                    {"version": "1", "next": target},
                )
                assert answer.status_code == 303
                assert answer.headers["location"] == f"/d/{s.dialogue.slug}"

    async def test_an_old_version_is_refused_on_the_page(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.newcomer) as browser:
            answer = await submit(
                browser, f"/d/{s.dialogue.slug}/conduct", f"/d/{s.dialogue.slug}/conduct",
                {"version": "7"},
            )  # fmt: skip
        assert answer.status_code == 409
        assert "That is not the current version of the code of conduct." in text(answer.text)
        assert 'name="version" value="1"' in answer.text  # the form again, with the right one
        member = await scenes.membership(app, s.dialogue, s.newcomer)
        assert member is not None and member.conduct_version == 0

    async def test_without_the_csrf_token_nothing_changes(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.newcomer) as browser:
            await browser.get(f"/d/{s.dialogue.slug}/conduct")
            answer = await browser.post(f"/d/{s.dialogue.slug}/conduct", data={"version": "1"})
            forged = await browser.post(
                f"/d/{s.dialogue.slug}/conduct", data={"version": "1", CSRF_FIELD: "forged"}
            )
        assert answer.status_code == 403 and forged.status_code == 403
        assert "did not come from this site" in text(answer.text)
        member = await scenes.membership(app, s.dialogue, s.newcomer)
        assert member is not None and member.conduct_version == 0

    async def test_who_may_not_accept(self, app: FastAPI, factory: Factory) -> None:
        public = await scenes.scene(factory)
        invite = await scenes.scene(factory, visibility="invite")
        admin = await factory.user(is_admin=True)
        outsider = await factory.user()
        cases = [
            (public, None, 401),
            (public, outsider, 403),
            (public, admin, 403),  # an admin who is not a member has nothing to accept
            (invite, outsider, 404),
        ]
        for s, user, status in cases:
            async with visitor(app, user) as browser:
                page = await browser.get("/login")
                answer = await browser.post(
                    f"/d/{s.dialogue.slug}/conduct",
                    data={"version": "1", CSRF_FIELD: csrf_from(page.text)},
                )
            assert answer.status_code == status, (s.dialogue.visibility, user)
            assert answer.headers["content-type"].startswith("text/html")

    async def test_bad_version_field_is_a_4xx_page(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        async with visitor(app, s.newcomer) as browser:
            answer = await submit(
                browser, f"/d/{s.dialogue.slug}/conduct", f"/d/{s.dialogue.slug}/conduct",
                {"version": "one"},
            )  # fmt: skip
        assert answer.status_code == 422
        assert answer.headers["content-type"].startswith("text/html")
        member = await scenes.membership(app, s.dialogue, s.newcomer)
        assert member is not None and member.conduct_version == 0
