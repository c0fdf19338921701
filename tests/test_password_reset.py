"""Password-reset links: stored hashed, used once, expiring, and ending every other session."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlmodel import select

from dialogue.access import SESSION_COOKIE
from dialogue.accounts import resets
from dialogue.accounts.models import PasswordReset, User
from dialogue.events.publish import commit
from dialogue.state import app_state
from tests.factories import PASSWORD, Factory
from tests.helpers import assert_error, session_token
from tests.web.clients import submit, visitor

NEW = "a brand new passphrase"


async def reset_token(app: FastAPI, user: User, lifetime: timedelta = resets.RESET_LIFETIME) -> str:
    async with app_state(app).database.session() as session:
        row = await session.get(User, user.id)
        assert row is not None
        token = await resets.create_reset(
            session=session, user=row, created_by=None, lifetime=lifetime
        )
        await commit(session)
        return token


async def login(client: httpx.AsyncClient, user: User, password: str) -> int:
    response = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": password}
    )
    return response.status_code


class TestApi:
    async def test_sets_the_password_once_and_ends_every_token(
        self, app: FastAPI, factory: Factory, client: httpx.AsyncClient
    ) -> None:
        user = await factory.user()
        headers = await factory.auth(user)
        token = await reset_token(app, user)
        async with app_state(app).database.session() as session:
            stored = (await session.exec(select(PasswordReset.token_hash))).all()
        assert token not in stored  # only its digest is kept
        response = await client.post(
            "/api/v1/auth/password/reset", json={"token": token, "password": NEW}
        )
        assert response.status_code == 204, response.text
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
        assert await login(client, user, PASSWORD) == 401
        assert await login(client, user, NEW) == 200
        again = await client.post(
            "/api/v1/auth/password/reset", json={"token": token, "password": "yet another one!"}
        )
        assert_error(again, 409, "reset_used")

    async def test_an_expired_or_unknown_link_is_refused(
        self, app: FastAPI, factory: Factory, client: httpx.AsyncClient
    ) -> None:
        user = await factory.user()
        expired = await reset_token(app, user, lifetime=timedelta(seconds=-1))
        response = await client.post(
            "/api/v1/auth/password/reset", json={"token": expired, "password": NEW}
        )
        assert_error(response, 409, "reset_expired")
        unknown = await client.post(
            "/api/v1/auth/password/reset", json={"token": "nothing-like-it", "password": NEW}
        )
        assert_error(unknown, 404, "reset_not_found")
        short = await client.post(
            "/api/v1/auth/password/reset", json={"token": expired, "password": "short"}
        )
        assert_error(short, 422, "invalid")
        assert await login(client, user, PASSWORD) == 200

    async def test_a_newer_link_voids_the_older_one(
        self, app: FastAPI, factory: Factory, client: httpx.AsyncClient
    ) -> None:
        user = await factory.user()
        older = await reset_token(app, user)
        await reset_token(app, user)
        response = await client.post(
            "/api/v1/auth/password/reset", json={"token": older, "password": NEW}
        )
        assert_error(response, 409, "reset_used")


class TestPage:
    async def test_whoever_holds_it_sets_a_password_and_only_that_browser_stays_signed_in(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user(display_name="Holder")
        old_cookie = await session_token(app, user)
        token = await reset_token(app, user)
        async with visitor(app) as web:
            page = await web.get(f"/password/reset/{token}")
            assert page.status_code == 200 and user.email in page.text
            assert page.headers["cache-control"] == "no-store"
            short = await submit(
                web, f"/password/reset/{token}", f"/password/reset/{token}", {"password": "short"}
            )
            assert short.status_code == 422 and "at least 10 characters" in short.text
            done = await submit(
                web, f"/password/reset/{token}", f"/password/reset/{token}", {"password": NEW}
            )
            assert done.status_code == 303
            assert "Holder" in (await web.get("/")).text  # signed in by the new session
            used = await web.get(f"/password/reset/{token}")
        assert used.status_code == 409 and "already been used" in used.text
        async with visitor(app) as other:
            other.cookies.set(SESSION_COOKIE, old_cookie)
            assert "Holder" not in (await other.get("/")).text

    async def test_an_expired_link_shows_why(self, app: FastAPI, factory: Factory) -> None:
        token = await reset_token(app, await factory.user(), lifetime=timedelta(seconds=-1))
        async with visitor(app) as web:
            page = await web.get(f"/password/reset/{token}")
        assert page.status_code == 409 and "expired" in page.text
