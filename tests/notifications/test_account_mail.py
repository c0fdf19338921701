"""Invitations and password resets by e-mail, received by a real SMTP server."""

from __future__ import annotations

import re

from fastapi import FastAPI

from dialogue.state import app_state
from tests.factories import Factory
from tests.helpers import browser, session_token
from tests.notifications.smtp_sink import Received, SmtpSink
from tests.web.clients import submit, visitor

NEW = "a brand new passphrase"


def link(got: Received, pattern: str) -> str:
    found = re.search(r"http://testserver(/" + pattern + r"[^\s\"<]*)", got.part("plain"))
    assert found, got.part("plain")
    return found.group(1)


class TestInvitationMail:
    async def test_the_api_invitation_is_mailed_with_everything_the_invitee_needs(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        owner = await factory.user(is_admin=True, display_name="Wanjiru Kamau")
        dialogue = await factory.dialogue(owner=owner, title="Work with men and boys")
        answer = await factory.client.post(
            f"/api/v1/dialogues/{dialogue.slug}/invitations",
            json={"email": "Invitee@Example.org", "role": "expert"},
            headers=await factory.auth(owner),
        )
        assert answer.status_code == 201, answer.text
        [got] = await smtp.wait_for(1)
        assert got.recipients == ["invitee@example.org"]
        assert got.message["Subject"] == "Invitation to “Work with men and boys”"
        text, html = got.part("plain"), got.part("html")
        for part in (text, html):
            assert "Wanjiru Kamau" in part and "Expert" in part
            assert answer.json()["url"] in part
            assert f"/d/{dialogue.slug}/conduct" in part
            assert "Be respectful" in part  # the code of conduct itself
            assert "/mail/unsubscribe/" in part
        assert "an organizer invited this address" in text
        assert got.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # The link opens the invitation page, and it works.
        async with browser(app) as visitor_client:
            page = await visitor_client.get(link(got, "invitations/"))
        assert page.status_code == 200 and "Work with men and boys" in page.text

    async def test_the_bulk_form_mails_each_invitee_in_their_language(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        owner = await factory.user(is_admin=True)
        dialogue = await factory.dialogue(owner=owner)
        await factory.user(email="known@example.org", language="fr")
        async with visitor(app, owner) as client:
            page = f"/d/{dialogue.slug}/moderation/members"
            answer = await submit(
                client,
                page,
                f"/d/{dialogue.slug}/moderation/invitations",
                {"role": "participant", "emails": "known@example.org\nnew@example.org"},
            )
        assert answer.status_code == 303, answer.text
        await smtp.wait_for(2)
        [french] = smtp.to("known@example.org")
        [english] = smtp.to("new@example.org")
        assert french.message["Subject"].startswith("Invitation à")
        assert "Participant" in english.part("plain")
        assert "/invitations/" in french.part("plain")

    async def test_an_address_that_stopped_invitations_gets_none(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        owner = await factory.user(is_admin=True)
        first, second = await factory.dialogue(owner=owner), await factory.dialogue(owner=owner)
        headers = await factory.auth(owner)
        body = {"email": "quiet@example.org", "role": "participant"}
        await factory.client.post(
            f"/api/v1/dialogues/{first.slug}/invitations", json=body, headers=headers
        )
        [got] = await smtp.wait_for(1)
        one_click = got.message["List-Unsubscribe"].strip("<>").removeprefix("http://testserver")
        async with browser(app) as client:  # no cookie, no CSRF token: RFC 8058
            done = await client.post(one_click, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and "no more e-mails" in done.text
        answer = await factory.client.post(
            f"/api/v1/dialogues/{second.slug}/invitations", json=body, headers=headers
        )
        assert answer.status_code == 201  # the organizer still gets the link
        async with app_state(app).database.session() as session:
            from sqlmodel import select

            from dialogue.notifications.models import OutboxMessage

            rows = (await session.exec(select(OutboxMessage))).all()
        assert len(rows) == 1


class TestPasswordMail:
    async def test_forgot_always_answers_202_and_mails_only_a_real_account(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        user = await factory.user(email="ana@example.org", language="es")
        other_session = await session_token(app, user)
        for email in ("nobody@example.org", "ANA@example.org"):
            answer = await factory.client.post(
                "/api/v1/auth/password/forgot", json={"email": email}
            )
            assert answer.status_code == 202 and answer.json() == {"status": "accepted"}
        [got] = await smtp.wait_for(1)
        assert got.recipients == ["ana@example.org"]
        assert got.message["Subject"] == "Establecer una nueva contraseña"
        path = link(got, "password/reset/")
        token = path.rsplit("/", 1)[1]
        async with browser(app) as client:
            assert (await client.get(path)).status_code == 200
        reset = await factory.client.post(
            "/api/v1/auth/password/reset", json={"token": token, "password": NEW}
        )
        assert reset.status_code == 204
        again = await factory.client.post(
            "/api/v1/auth/password/reset", json={"token": token, "password": NEW + "!"}
        )
        assert again.status_code == 409
        me = await factory.client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {other_session}"}
        )
        assert me.status_code == 401
        login = await factory.client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": NEW}
        )
        assert login.status_code == 200

    async def test_asking_twice_at_once_sends_one_mail(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        await factory.user(email="bo@example.org")
        for _ in range(3):
            await factory.client.post(
                "/api/v1/auth/password/forgot", json={"email": "bo@example.org"}
            )
        await smtp.wait_for(1)
        async with app_state(app).database.session() as session:
            from sqlmodel import select

            from dialogue.notifications.models import OutboxMessage

            assert len((await session.exec(select(OutboxMessage))).all()) == 1

    async def test_the_sign_in_page_leads_to_the_forgot_form(
        self, app: FastAPI, factory: Factory, smtp: SmtpSink
    ) -> None:
        await factory.user(email="cy@example.org")
        async with browser(app) as client:
            login = await client.get("/login")
            assert 'href="/password/forgot"' in login.text
            answer = await submit(
                client, "/password/forgot", "/password/forgot", {"email": "cy@example.org"}
            )
            assert answer.status_code == 303
            shown = await client.get(answer.headers["location"])
            assert "on its way" in shown.text
        [got] = await smtp.wait_for(1)
        assert "/password/reset/" in got.part("html")
