"""Accepting an invitation: the quotation consent is asked on the way in, and a new account
keeps the language the invitation was read in."""

from __future__ import annotations

from fastapi import FastAPI

from dialogue.accounts import service as accounts
from dialogue.accounts.models import User
from dialogue.state import app_state
from tests.factories import PASSWORD, Factory
from tests.helpers import browser, invite
from tests.web.clients import submit, visitor
from tests.web.html import main, text


async def account(app: FastAPI, email: str) -> User:
    async with app_state(app).database.session() as session:
        user = await accounts.get_user_by_email(session=session, email=email)
        assert user is not None
        return user


class TestInvitationPage:
    async def test_the_consent_is_asked_with_its_meaning(
        self, app: FastAPI, factory: Factory
    ) -> None:
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="new@example.org")
        async with visitor(app) as client:
            page = await client.get(f"/invitations/{token}")
        body = main(page.text)
        for value in ("named", "anonymous", "none"):
            assert f'name="quote_consent" value="{value}"' in body
        assert "nothing in the report will identify you" in text(body)
        assert 'value="none" checked' in body  # quoting is never assumed

    async def test_the_role_is_named_in_the_reader_s_language(
        self, app: FastAPI, factory: Factory
    ) -> None:
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="expert@example.org", role="expert")
        async with browser(app, headers={"Accept-Language": "fr"}) as client:
            page = await client.get(f"/invitations/{token}")
        assert "Rôle : Expert·e" in text(main(page.text))  # not the stored value "expert"

    async def test_a_new_account_keeps_the_consent_and_the_page_language(
        self, app: FastAPI, factory: Factory
    ) -> None:
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="amina@example.org")
        async with browser(app, headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}) as client:
            page = f"/invitations/{token}"
            shown = await client.get(page)
            assert '<html lang="fr">' in shown.text
            answer = await submit(
                client,
                page,
                page,
                {"display_name": "Amina", "password": PASSWORD, "quote_consent": "anonymous"},
            )
        assert answer.status_code == 303
        user = await account(app, "amina@example.org")
        assert (user.language, user.quote_consent) == ("fr", "anonymous")

    async def test_a_signed_in_member_sees_and_changes_their_consent(
        self, app: FastAPI, factory: Factory
    ) -> None:
        dialogue = await factory.dialogue()
        user = await factory.user(quote_consent="named", language="es")
        token = await invite(app, dialogue, email=user.email)
        async with visitor(app, user) as client:
            page = f"/invitations/{token}"
            shown = await client.get(page)
            assert 'value="named" checked' in shown.text
            answer = await submit(client, page, page, {"quote_consent": "none"})
        assert answer.status_code == 303
        stored = await account(app, user.email)
        assert (stored.quote_consent, stored.language) == ("none", "es")

    async def test_an_unknown_consent_is_refused_without_joining(
        self, app: FastAPI, factory: Factory
    ) -> None:
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="x@example.org")
        async with visitor(app) as client:
            page = f"/invitations/{token}"
            answer = await submit(
                client,
                page,
                page,
                {"display_name": "X", "password": PASSWORD, "quote_consent": "everyone"},
            )
        assert answer.status_code == 422
        async with app_state(app).database.session() as session:
            assert await accounts.get_user_by_email(session=session, email="x@example.org") is None
