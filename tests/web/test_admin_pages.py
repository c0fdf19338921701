"""/admin: only site admins; people (search, make admin, disable, reset link) and dialogues."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlmodel import select

from dialogue.access import SESSION_COOKIE
from dialogue.accounts.commands import reset_password
from dialogue.accounts.models import User
from dialogue.config import Settings
from dialogue.moderation.models import AuditEntry
from dialogue.policy import Role
from tests.factories import PASSWORD, Factory
from tests.helpers import session_token, user_by_email
from tests.web.clients import submit, visitor

LINK = re.compile(r"<code>(http://testserver/password/reset/[A-Za-z0-9_-]+)</code>")


async def login(client: httpx.AsyncClient, user: User, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": user.email, "password": password})


class TestOnlyAdmins:
    async def test_others_are_refused_and_signed_out_people_asked_to_sign_in(
        self, app: FastAPI, factory: Factory
    ) -> None:
        dialogue = await factory.dialogue()
        organizer = await factory.member(dialogue, Role.ORGANIZER)
        for user, status in ((None, 401), (await factory.user(), 403), (organizer, 403)):
            async with visitor(app, user) as web:
                page = await web.get("/admin")
                assert page.status_code == status
                assert 'href="/admin"' not in (await web.get("/")).text
                assert (await web.post("/admin/people/1/disable")).status_code in (401, 403)

    async def test_the_header_links_admins_to_it(self, app: FastAPI, factory: Factory) -> None:
        async with visitor(app, await factory.user(is_admin=True)) as web:
            assert 'href="/admin"' in (await web.get("/")).text


class TestPeopleAndDialogues:
    async def test_search_by_name_or_email_and_every_dialogue_with_its_members(
        self, app: FastAPI, factory: Factory
    ) -> None:
        admin = await factory.user(is_admin=True)
        await factory.user(display_name="Wanjiru Mwangi", email="wm@example.org")
        await factory.user(display_name="Luis Gómez", email="lg@example.org")
        hidden = await factory.dialogue(visibility="invite", title="Closed circle")
        await factory.member(hidden, Role.PARTICIPANT)
        async with visitor(app, admin) as web:
            by_name = await web.get("/admin", params={"q": "wanj"})
            by_email = await web.get("/admin", params={"q": "LG@EXAMPLE"})
            percent = await web.get("/admin", params={"q": "%"})
        assert "Wanjiru Mwangi" in by_name.text and "Luis Gómez" not in by_name.text
        assert "Luis Gómez" in by_email.text and "Wanjiru Mwangi" not in by_email.text
        assert "Nobody matches this search." in percent.text
        row = by_name.text.split("Closed circle", 1)[1].split("</tr>", 1)[0]
        assert "<td>2</td>" in row  # its creator and the participant

    async def test_inviting_an_admin_makes_an_account_and_a_password_link(
        self, app: FastAPI, factory: Factory, client: httpx.AsyncClient
    ) -> None:
        admin = await factory.user(is_admin=True)
        existing = await factory.user()
        async with visitor(app, admin) as web:
            made = await submit(
                web,
                "/admin",
                "/admin/admins",
                {"email": "New.Admin@example.org", "display_name": "Ana"},
            )
            promoted = await submit(web, "/admin", "/admin/admins", {"email": existing.email})
            again = await submit(web, "/admin", "/admin/admins", {"email": existing.email})
        assert made.status_code == 201 and made.headers["cache-control"] == "no-store"
        [url] = LINK.findall(made.text)
        assert promoted.status_code == 303
        assert again.status_code == 409 and "already an admin" in again.text
        new = await user_by_email(app, "new.admin@example.org")
        assert new is not None and new.is_admin and new.password_hash is None
        assert (await user_by_email(app, existing.email)).is_admin  # type: ignore[union-attr]
        token = url.rsplit("/", 1)[1]
        reset = await client.post(
            "/api/v1/auth/password/reset", json={"token": token, "password": "her own passphrase"}
        )
        assert reset.status_code == 204
        signed = await client.post(
            "/api/v1/auth/login",
            json={"email": "new.admin@example.org", "password": "her own passphrase"},
        )
        assert signed.status_code == 200 and signed.json()["user"]["is_admin"] is True


class TestDisabling:
    async def test_disabling_signs_the_account_out_everywhere_and_stops_sign_in(
        self, app: FastAPI, factory: Factory, client: httpx.AsyncClient
    ) -> None:
        admin = await factory.user(is_admin=True)
        person = await factory.user(display_name="Person")
        headers = await factory.auth(person)
        cookie = await session_token(app, person)
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
        async with visitor(app, admin) as web:
            response = await submit(web, "/admin", f"/admin/people/{person.id}/disable", {})
            assert response.status_code == 303
            listed = await web.get(response.headers["location"])
        assert "disabled since" in listed.text
        assert f'action="/admin/people/{person.id}/enable"' in listed.text
        assert f'action="/admin/people/{person.id}/disable"' not in listed.text
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
        async with visitor(app) as web:
            web.cookies.set(SESSION_COOKIE, cookie)
            home = await web.get("/")
            assert "Person" not in home.text and 'href="/login"' in home.text
            page_login = await submit(
                web, "/login", "/login", {"email": person.email, "password": PASSWORD}
            )
        assert page_login.status_code == 403 and "This account is disabled" in page_login.text
        refused = await login(client, person)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "account_disabled"
        async with visitor(app, admin) as web:
            enabled = await submit(web, "/admin", f"/admin/people/{person.id}/enable", {})
        assert enabled.status_code == 303
        assert (await login(client, person)).status_code == 200
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 401  # stays ended

    async def test_a_wrong_password_for_a_disabled_account_says_nothing_more(
        self, app: FastAPI, factory: Factory, client: httpx.AsyncClient
    ) -> None:
        admin = await factory.user(is_admin=True)
        person = await factory.user()
        async with visitor(app, admin) as web:
            await submit(web, "/admin", f"/admin/people/{person.id}/disable", {})
        response = await login(client, person, "not the password")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_credentials"

    async def test_an_admin_is_not_offered_to_disable_themselves(
        self, app: FastAPI, factory: Factory
    ) -> None:
        admin = await factory.user(is_admin=True)
        async with visitor(app, admin) as web:
            page = await web.get("/admin")
            forged = await submit(web, "/admin", f"/admin/people/{admin.id}/disable", {})
        assert f'action="/admin/people/{admin.id}/disable"' not in page.text
        assert forged.status_code == 403


class TestSiteLog:
    async def test_every_site_wide_act_is_logged_with_who_and_whom(
        self, app: FastAPI, factory: Factory
    ) -> None:
        admin = await factory.user(is_admin=True, display_name="Site Keeper")
        person = await factory.user(display_name="Rosa Parra", email="rosa@example.org")
        async with visitor(app, admin) as web:
            for path in ("disable", "enable", "reset"):
                await submit(web, "/admin", f"/admin/people/{person.id}/{path}", {})
            await submit(web, "/admin", "/admin/admins", {"email": person.email})
            page = await web.get("/admin")
        log = page.text.split('id="site-log-heading"', 1)[1]
        rows = re.findall(r"<tr>\s*<td>.*?</tr>", log, re.S)
        acts = ["Made an admin", "Made a password link", "Enabled the account again"]
        acts.append("Disabled the account")
        assert [next(a for a in acts if a in row) for row in rows] == acts  # newest first
        assert all(
            "Site Keeper" in row and "Rosa Parra &lt;rosa@example.org&gt;" in row for row in rows
        )
        async with factory.session() as session:
            entries = (await session.exec(select(AuditEntry))).all()
        assert {(e.dialogue_id, e.actor_id, e.target_id) for e in entries} == {
            (None, admin.id, person.id)
        }

    async def test_the_command_line_is_named_as_the_actor(
        self, app: FastAPI, factory: Factory, settings: Settings
    ) -> None:
        admin = await factory.user(is_admin=True)
        person = await factory.user(email="cli@example.org")
        assert await reset_password(settings, email=person.email, password=None)
        await reset_password(settings, email=person.email, password="a new long passphrase")
        async with visitor(app, admin) as web:
            log = (await web.get("/admin")).text.split('id="site-log-heading"', 1)[1]
        assert log.count("The command line") == 2
        assert "Set the password" in log and "Made a password link" in log

    async def test_it_is_translated(self, app: FastAPI, factory: Factory) -> None:
        admin = await factory.user(is_admin=True, language="fr")
        person = await factory.user()
        async with visitor(app, admin) as web:
            await submit(web, "/admin", f"/admin/people/{person.id}/disable", {})
            page = await web.get("/admin")
        assert "Journal du site" in page.text and "A désactivé le compte" in page.text
