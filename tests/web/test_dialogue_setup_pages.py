"""The organizer's dialogue pages: creating a dialogue, its settings, and its status changes."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlmodel import col, select

from dialogue.csrf import CSRF_FIELD
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.models import ConductVersion, Dialogue
from dialogue.moderation.models import AuditEntry
from dialogue.state import app_state
from tests.factories import CONDUCT, Factory
from tests.web.clients import submit, visitor
from tests.web.html import main, section, text

NEW = "/dialogues/new"


def new_fields(**changes: Any) -> dict[str, Any]:
    return {
        "slug": "care-and-accountability",
        "title": "Care and accountability",
        "summary": "Three weeks on **accountability**.",
        "visibility": "invite",
        "moderation": "pre",
        "allow_anonymous": "on",
        "code_of_conduct": "1. Be respectful.\n2. Never identify survivors.\n",
        **changes,
    }


async def load(app: FastAPI, slug: str) -> Dialogue | None:
    async with app_state(app).database.session() as session:
        return await dialogues.get_dialogue(session=session, slug=slug)


async def audit(app: FastAPI, dialogue_id: int) -> list[AuditEntry]:
    async with app_state(app).database.session() as session:
        rows = await session.exec(
            select(AuditEntry)
            .where(AuditEntry.dialogue_id == dialogue_id)
            .order_by(col(AuditEntry.id))
        )
        return list(rows.all())


def settings_fields(dialogue: Dialogue, **changes: Any) -> dict[str, Any]:
    return {
        "slug": dialogue.slug,
        "title": dialogue.title,
        "summary": dialogue.summary,
        "visibility": dialogue.visibility,
        "moderation": dialogue.moderation,
        "flag_threshold": str(dialogue.flag_threshold),
        # As a browser sends a textarea: CRLF, which is still the same code.
        "code_of_conduct": CONDUCT.replace("\n", "\r\n"),
        **changes,
    }


class TestNewDialogue:
    async def test_an_admin_creates_a_draft_and_becomes_its_organizer(
        self, app: FastAPI, factory: Factory
    ) -> None:
        admin = await factory.user(is_admin=True)
        async with visitor(app, admin) as browser:
            form = await browser.get(NEW)
            assert form.status_code == 200
            for name in ("slug", "title", "summary", "visibility", "moderation"):
                assert f'name="{name}"' in form.text
            assert 'name="allow_anonymous"' in form.text and 'name="code_of_conduct"' in form.text
            answer = await submit(browser, NEW, NEW, new_fields())
            assert answer.status_code == 303
            assert answer.headers["location"] == "/d/care-and-accountability/settings?created=1"
            settings = await browser.get(answer.headers["location"])
        assert settings.status_code == 200
        assert "created as a draft" in text(settings.text)
        made = await load(app, "care-and-accountability")
        assert made is not None
        assert (made.status, made.moderation, made.visibility) == ("draft", "pre", "invite")
        assert made.allow_anonymous and made.conduct_version == 1
        async with app_state(app).database.session() as session:
            member = await dialogues.get_membership(
                session=session, dialogue_id=made.id or 0, user_id=admin.id or 0
            )
        assert member is not None and member.role == "organizer"

    async def test_the_home_page_links_to_it_for_admins_only(
        self, app: FastAPI, factory: Factory
    ) -> None:
        admin, person = await factory.user(is_admin=True), await factory.user()
        async with visitor(app, admin) as browser:
            assert 'href="/dialogues/new"' in (await browser.get("/")).text
        async with visitor(app, person) as browser:
            assert 'href="/dialogues/new"' not in (await browser.get("/")).text
        async with visitor(app) as browser:
            assert 'href="/dialogues/new"' not in (await browser.get("/")).text

    async def test_others_are_refused(self, app: FastAPI, factory: Factory) -> None:
        d = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        async with visitor(app, organizer) as browser:
            assert (await browser.get(NEW)).status_code == 403
            token_page = await browser.get(f"/d/{d.slug}/settings")
            refused = await submit(browser, f"/d/{d.slug}/settings", NEW, new_fields())
        assert token_page.status_code == 200
        assert refused.status_code == 403
        assert await load(app, "care-and-accountability") is None
        async with visitor(app) as browser:
            assert (await browser.get(NEW)).status_code == 401

    async def test_a_bad_slug_is_shown_again_with_a_message(
        self, app: FastAPI, factory: Factory
    ) -> None:
        admin = await factory.user(is_admin=True)
        async with visitor(app, admin) as browser:
            answer = await submit(browser, NEW, NEW, new_fields(slug="Not a Slug!"))
        assert answer.status_code == 422
        body = main(answer.text)
        assert 'id="slug-error"' in body and 'aria-invalid="true"' in body
        assert "lowercase letters, digits and hyphens" in text(body)
        assert 'value="Care and accountability"' in body  # what was typed is kept
        assert await load(app, "not-a-slug") is None

    async def test_a_taken_slug_is_shown_again_with_a_message(
        self, app: FastAPI, factory: Factory
    ) -> None:
        admin = await factory.user(is_admin=True)
        taken = await factory.dialogue()
        async with visitor(app, admin) as browser:
            answer = await submit(browser, NEW, NEW, new_fields(slug=taken.slug))
        assert answer.status_code == 409
        assert "A dialogue with this slug already exists." in text(main(answer.text))
        assert 'id="slug-error"' in answer.text

    async def test_a_missing_title_and_bad_choices_are_refused(
        self, app: FastAPI, factory: Factory
    ) -> None:
        admin = await factory.user(is_admin=True)
        async with visitor(app, admin) as browser:
            answer = await submit(
                browser, NEW, NEW, new_fields(title="  ", visibility="secret", moderation="x")
            )
        assert answer.status_code == 422
        body = text(main(answer.text))
        assert "Please give a title" in body
        assert "Please choose who can read the dialogue." in body
        assert "Please choose a moderation mode." in body

    async def test_without_the_csrf_token_nothing_is_made(
        self, app: FastAPI, factory: Factory
    ) -> None:
        admin = await factory.user(is_admin=True)
        async with visitor(app, admin) as browser:
            await browser.get(NEW)
            answer = await browser.post(NEW, data=new_fields())
            forged = await browser.post(NEW, data={**new_fields(), CSRF_FIELD: "forged"})
        assert answer.status_code == 403 and forged.status_code == 403
        assert await load(app, "care-and-accountability") is None


class TestSettings:
    async def test_organizer_and_admin_see_every_field(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue(status="draft")
        organizer = await factory.member(d, "organizer")
        admin = await factory.user(is_admin=True)
        for person in (organizer, admin):
            async with visitor(app, person) as browser:
                page = await browser.get(f"/d/{d.slug}/settings")
            assert page.status_code == 200
            for name in (
                "slug",
                "title",
                "summary",
                "visibility",
                "moderation",
                "allow_anonymous",
                "flag_threshold",
                "code_of_conduct",
                "reason",
            ):
                assert f'name="{name}"' in page.text, name
            assert "makes a new version, which every member must accept" in text(page.text)
            nav = page.text[page.text.index('class="dialogue-nav"') :]
            assert f'href="/d/{d.slug}/settings"' in nav[: nav.index("</nav>")]

    async def test_others_are_refused_and_outsiders_see_nothing(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue(visibility="invite")
        moderator = await factory.member(d, "moderator")
        participant = await factory.member(d, "participant")
        outsider = await factory.user()
        url = f"/d/{d.slug}/settings"
        for person, status in ((moderator, 403), (participant, 403), (outsider, 404)):
            async with visitor(app, person) as browser:
                assert (await browser.get(url)).status_code == status
        async with visitor(app) as browser:
            assert (await browser.get(url)).status_code == 404
        async with visitor(app, participant) as browser:
            home = await browser.get(f"/d/{d.slug}")
        assert f'href="{url}"' not in home.text

    async def test_saving_changes_fields_and_audits_them(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        url = f"/d/{d.slug}/settings"
        fields = settings_fields(d, title="Renamed", flag_threshold="5", allow_anonymous="on")
        async with visitor(app, organizer) as browser:
            answer = await submit(browser, url, url, fields)
            assert answer.status_code == 303
            assert answer.headers["location"] == f"{url}?saved=1"
            assert "Saved." in text((await browser.get(answer.headers["location"])).text)
        saved = await load(app, d.slug)
        assert saved is not None
        assert (saved.title, saved.flag_threshold, saved.allow_anonymous) == ("Renamed", 5, True)
        assert saved.conduct_version == 1  # the same text: no new version
        (entry,) = await audit(app, d.id or 0)
        assert entry.action == "dialogue.update" and entry.actor_id == organizer.id
        assert entry.before == {"title": d.title, "allow_anonymous": False, "flag_threshold": 3}
        assert entry.after == {"title": "Renamed", "allow_anonymous": True, "flag_threshold": 5}

    async def test_switching_the_mode_asks_for_a_reason_and_audits_it(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        url = f"/d/{d.slug}/settings"
        async with visitor(app, organizer) as browser:
            refused = await submit(browser, url, url, settings_fields(d, moderation="pre"))
            assert refused.status_code == 422
            assert 'id="reason-error"' in refused.text
            assert (await load(app, d.slug)).moderation == "post"  # type: ignore[union-attr]
            answer = await submit(
                browser, url, url, settings_fields(d, moderation="pre", reason="a busy week")
            )
        assert answer.status_code == 303
        assert (await load(app, d.slug)).moderation == "pre"  # type: ignore[union-attr]
        (entry,) = await audit(app, d.id or 0)
        assert (entry.action, entry.reason) == ("dialogue.moderation_mode", "a busy week")
        assert (entry.before, entry.after) == ({"moderation": "post"}, {"moderation": "pre"})

    async def test_a_changed_code_makes_a_new_version(self, app: FastAPI, factory: Factory) -> None:
        d = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        url = f"/d/{d.slug}/settings"
        code = "1. Be respectful.\n2. Never identify survivors.\n3. Listen first.\n"
        async with visitor(app, organizer) as browser:
            answer = await submit(browser, url, url, settings_fields(d, code_of_conduct=code))
        assert answer.status_code == 303
        saved = await load(app, d.slug)
        assert saved is not None and saved.conduct_version == 2
        async with app_state(app).database.session() as session:
            current = await dialogues.current_conduct(session=session, dialogue=saved)
        assert current is not None and current.text == code
        (entry,) = await audit(app, d.id or 0)
        assert (entry.before, entry.after) == ({"conduct_version": 1}, {"conduct_version": 2})

    async def test_the_preview_shows_the_clauses_and_saves_nothing(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        url = f"/d/{d.slug}/settings"
        code = "Intro.\n\n1. Be respectful.\n2. Listen *first*.\n"
        async with visitor(app, organizer) as browser:
            answer = await submit(
                browser,
                url,
                url,
                settings_fields(d, code_of_conduct=code, title="Not saved", preview="1"),
            )
        assert answer.status_code == 200
        preview = section(answer.text, "preview-heading")
        assert "<em>first</em>" in preview
        assert "Clause 1: Be respectful." in text(preview)
        assert "Clause 2: Listen *first*." in text(preview)
        assert "Saving this text makes version 2" in text(preview)
        assert 'value="Not saved"' in answer.text  # the form keeps what was typed
        saved = await load(app, d.slug)
        assert saved is not None and (saved.title, saved.conduct_version) == (d.title, 1)
        async with app_state(app).database.session() as session:
            versions = await session.exec(
                select(ConductVersion).where(ConductVersion.dialogue_id == d.id)
            )
            assert len(versions.all()) == 1
        assert await audit(app, d.id or 0) == []

    async def test_bad_input_is_shown_again(self, app: FastAPI, factory: Factory) -> None:
        d = await factory.dialogue()
        other = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        url = f"/d/{d.slug}/settings"
        async with visitor(app, organizer) as browser:
            bad = await submit(browser, url, url, settings_fields(d, flag_threshold="lots"))
            taken = await submit(browser, url, url, settings_fields(d, slug=other.slug))
        assert bad.status_code == 422
        assert "a whole number from 1 to 100" in text(main(bad.text))
        assert taken.status_code == 409 and 'id="slug-error"' in taken.text
        assert (await load(app, d.slug)) is not None


class TestStatus:
    async def test_each_change_is_confirmed_then_made_and_audited(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue(status="draft")
        organizer = await factory.member(d, "organizer")
        base = f"/d/{d.slug}/settings"
        steps = [
            ("open", "Open the dialogue?", "Members can read the dialogue"),
            ("closed", "Close the dialogue?", "Nobody can post any more"),
            ("open", "Reopen the dialogue?", "Members can post again"),
            ("closed", "Close the dialogue?", "Nobody can post any more"),
            ("archived", "Archive the dialogue?", "read-only for good"),
        ]
        async with visitor(app, organizer) as browser:
            for to, heading, says in steps:
                settings = await browser.get(base)
                assert f'action="{base}/status/{to}"' in section(settings.text, "status-heading")
                page = await browser.get(f"{base}/status/{to}")
                assert page.status_code == 200
                assert heading in text(page.text) and says in text(page.text)
                answer = await submit(
                    browser, f"{base}/status/{to}", f"{base}/status/{to}", {"reason": f"to {to}"}
                )
                assert answer.status_code == 303, answer.text
                assert (await load(app, d.slug)).status == to  # type: ignore[union-attr]
            final = await browser.get(base)
        assert "read-only" in text(section(final.text, "status-heading"))
        assert 'name="title"' not in final.text  # nothing left to edit
        entries = [e for e in await audit(app, d.id or 0) if e.action == "dialogue.status"]
        assert [(e.after or {})["status"] for e in entries] == [s[0] for s in steps]
        assert entries[0].reason == "to open" and entries[0].actor_id == organizer.id

    async def test_an_impossible_change_is_explained_not_made(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue(status="draft")
        organizer = await factory.member(d, "organizer")
        url = f"/d/{d.slug}/settings/status/archived"
        async with visitor(app, organizer) as browser:
            page = await browser.get(url)
            settings = f"/d/{d.slug}/settings"
            answer = await submit(browser, settings, url, {})
            unknown = await browser.get(f"/d/{d.slug}/settings/status/deleted")
        assert page.status_code == 409 and "<form" not in main(page.text)
        assert answer.status_code == 409
        assert "cannot go from draft to archived" in text(main(answer.text))
        assert unknown.status_code == 404
        assert (await load(app, d.slug)).status == "draft"  # type: ignore[union-attr]

    async def test_a_moderator_cannot_close_it(self, app: FastAPI, factory: Factory) -> None:
        d = await factory.dialogue()
        moderator = await factory.member(d, "moderator")
        url = f"/d/{d.slug}/settings/status/closed"
        async with visitor(app, moderator) as browser:
            assert (await browser.get(url)).status_code == 403
            answer = await submit(browser, f"/d/{d.slug}", url, {})
        assert answer.status_code == 403
        assert (await load(app, d.slug)).status == "open"  # type: ignore[union-attr]
