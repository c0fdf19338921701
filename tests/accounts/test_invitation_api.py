"""`POST /api/v1/invitations/{token}/accept`: the optional quotation consent, and the
language a new account starts with."""

from __future__ import annotations

from fastapi import FastAPI

from tests.factories import PASSWORD, Factory
from tests.helpers import browser, invite


class TestInvitationApi:
    async def test_accept_takes_the_consent_and_the_request_language(
        self, app: FastAPI, factory: Factory
    ) -> None:
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="api@example.org")
        async with browser(app, headers={"Accept-Language": "pt-BR"}) as client:
            answer = await client.post(
                f"/api/v1/invitations/{token}/accept",
                json={"display_name": "Ana", "password": PASSWORD, "quote_consent": "named"},
            )
        assert answer.status_code == 200, answer.text
        assert answer.json()["user"]["quote_consent"] == "named"
        assert answer.json()["user"]["language"] == "pt"
