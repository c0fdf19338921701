"""New passwords: at least ten characters and none of the common ones shipped with the
project, on every path that sets one (invitation, reset, change; pages and API), with the
reason in the person's language."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from dialogue.accounts.passwords import MIN_LENGTH, common_passwords, is_common
from tests.factories import PASSWORD, Factory
from tests.helpers import assert_error, invite
from tests.test_password_reset import reset_token
from tests.web.clients import submit, visitor

API = "/api/v1"
COMMON_FR = "Ce mot de passe fait partie des plus courants"
COMMON_ES = "Esta contraseña es una de las más comunes"
COMMON_PT = "Esta senha é uma das mais comuns"


class TestTheList:
    def test_it_is_long_and_has_the_local_favourites(self) -> None:
        listed = common_passwords()
        assert len(listed) > 2000
        assert {"123456", "password", "qwerty", "iloveyou", "azerty"} <= listed
        assert {"motdepasse", "soleil", "contraseña", "teamo", "senha123", "flamengo"} <= listed

    @pytest.mark.parametrize(
        "password",
        [
            "1234567890",
            "Password123!",
            "P@ssw0rd2024",
            "2024soleil!!",
            "MOTDEPASSE",
            "Contraseña1",
            "senha123456",
            "qwertyuiop",
            "iloveyou<3<3",
            "zzzzzzzzzzzz",
        ],
    )
    def test_common_ones_and_their_usual_disguises_are_refused(self, password: str) -> None:
        assert len(password) >= MIN_LENGTH and is_common(password)

    @pytest.mark.parametrize(
        "password",
        [PASSWORD, "a long admin passphrase", "velvet tractor umbrella 42", "Jx7#qP2!vL9m"],
    )
    def test_others_pass(self, password: str) -> None:
        assert not is_common(password)


class TestEveryPathRefusesThem:
    async def test_accepting_an_invitation(
        self, app: FastAPI, factory: Factory, client: httpx.AsyncClient
    ) -> None:
        token = await invite(app, await factory.dialogue(), email="new@example.org")
        refused = await client.post(
            f"{API}/invitations/{token}/accept",
            json={"display_name": "Noor", "password": "motdepasse"},
            headers={"Accept-Language": "fr"},
        )
        error = assert_error(refused, 422, "invalid")
        assert error["message"].startswith(COMMON_FR)
        assert error["fields"][0]["field"] == "password"
        accepted = await client.post(
            f"{API}/invitations/{token}/accept",
            json={"display_name": "Noor", "password": PASSWORD},
        )
        assert accepted.status_code == 200, accepted.text  # the refusal spent nothing

    async def test_a_reset(self, app: FastAPI, factory: Factory, client: httpx.AsyncClient):
        token = await reset_token(app, await factory.user())
        refused = await client.post(
            f"{API}/auth/password/reset",
            json={"token": token, "password": "contraseña"},
            headers={"Accept-Language": "es"},
        )
        assert assert_error(refused, 422, "invalid")["message"].startswith(COMMON_ES)
        short = await client.post(
            f"{API}/auth/password/reset", json={"token": token, "password": "abc"}
        )
        assert "10" in assert_error(short, 422, "invalid")["message"]
        used = await client.post(
            f"{API}/auth/password/reset", json={"token": token, "password": PASSWORD + "!"}
        )
        assert used.status_code == 204, used.text

    async def test_a_change(self, factory: Factory, client: httpx.AsyncClient) -> None:
        user = await factory.user(language="pt")
        refused = await client.post(
            f"{API}/me/password",
            json={"current_password": PASSWORD, "password": "senha123456"},
            headers=await factory.auth(user),
        )
        assert assert_error(refused, 422, "invalid")["message"].startswith(COMMON_PT)

    async def test_the_pages(self, app: FastAPI, factory: Factory) -> None:
        token = await reset_token(app, await factory.user())
        page = f"/password/reset/{token}"
        async with visitor(app) as web:
            web.cookies.set("dialogue_lang", "fr")
            refused = await submit(web, page, page, {"password": "Motdepasse1"})
            assert refused.status_code == 422 and COMMON_FR in refused.text
        invitation = await invite(app, await factory.dialogue(), email="page@example.org")
        page = f"/invitations/{invitation}"
        async with visitor(app) as web:
            refused = await submit(
                web, page, page, {"display_name": "Pia", "password": "qwertyuiop"}
            )
            assert refused.status_code == 422 and "most common" in refused.text
