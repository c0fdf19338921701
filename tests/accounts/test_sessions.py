"""Sessions and tokens: a new session at each sign-in, and every old one ended when the
password changes, is reset, or the account is disabled.

The design, as docs/security.md says: changing one's own password keeps the session or
token it was done with (the person stays signed in there) and ends every other; a reset
ends all of them (the page that used the link then signs that browser in afresh); a
disabled account loses all of them. A ban is per dialogue: it ends nothing elsewhere, and
the dialogue refuses the banned person at once on every session they hold.
"""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from dialogue.access import SESSION_COOKIE
from dialogue.accounts.models import TokenKind, User
from dialogue.csrf import CSRF_FIELD
from tests.factories import PASSWORD, Factory
from tests.helpers import assert_error, browser, csrf_from, session_token
from tests.test_password_reset import reset_token
from tests.web import scenes
from tests.web.clients import submit, visitor

API = "/api/v1"
NEW = "a quite different passphrase"


async def api_me(app: FastAPI, *, token: str | None = None, cookie: str | None = None) -> int:
    """The status of `GET /api/v1/me` with this bearer token or session cookie alone."""
    async with browser(app) as client:
        if cookie is not None:
            client.cookies.set(SESSION_COOKIE, cookie)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return (await client.get(f"{API}/me", headers=headers)).status_code


async def profile_page(app: FastAPI, cookie: str) -> httpx.Response:
    async with browser(app) as client:
        client.cookies.set(SESSION_COOKIE, cookie)
        return await client.get("/me")


def sent_to_sign_in(response: httpx.Response) -> bool:
    return response.status_code in (302, 303) and response.headers["location"].startswith("/login")


class TestSignInRotatesTheSession:
    async def test_a_planted_session_is_not_the_one_after_sign_in(
        self, app: FastAPI, factory: Factory
    ) -> None:
        victim, attacker = await factory.user(), await factory.user()
        planted = await session_token(app, attacker)  # a real session, put in her browser
        async with browser(app) as web:
            web.cookies.set(SESSION_COOKIE, planted)
            after = await sign_in_form(web, victim)
        assert after and after != planted
        assert await api_me(app, cookie=after) == 200
        assert await api_me(app, cookie=planted) == 401  # whoever knew it is signed out

    async def test_a_made_up_cookie_is_replaced(self, app: FastAPI, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            web.cookies.set(SESSION_COOKIE, "chosen-by-an-attacker")
            after = await sign_in_form(web, user)
        assert after and after != "chosen-by-an-attacker"
        assert await api_me(app, cookie=after) == 200

    async def test_signing_in_again_ends_the_previous_session(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user()
        async with browser(app) as web:
            first = await sign_in_form(web, user)
            second = await sign_in_form(web, user)  # the browser sends the first one along
        assert first and second and first != second
        assert await api_me(app, cookie=first) == 401
        assert await api_me(app, cookie=second) == 200


async def sign_in_form(web: httpx.AsyncClient, user: User) -> str | None:
    """Sign in with the form, sending whatever session cookie the browser holds; the
    session cookie the answer sets."""
    token = csrf_from((await web.get("/login")).text)
    answer = await web.post(
        "/login", data={"email": user.email, "password": PASSWORD, CSRF_FIELD: token}
    )
    assert answer.status_code == 303, answer.text
    web.cookies.clear()  # as one value per name, the browser keeps only the newest
    web.cookies.set(SESSION_COOKIE, answer.cookies[SESSION_COOKIE])
    return answer.cookies.get(SESSION_COOKIE)


class TestPasswordChange:
    async def test_over_the_api_the_token_used_stays_and_every_other_ends(
        self, app: FastAPI, factory: Factory, client: httpx.AsyncClient
    ) -> None:
        user = await factory.user()
        used, other = await factory.token(user), await factory.token(user)
        cookie = await session_token(app, user)
        changed = await client.post(
            f"{API}/me/password",
            json={"current_password": PASSWORD, "password": NEW},
            headers={"Authorization": f"Bearer {used}"},
        )
        assert changed.status_code == 204, changed.text
        assert await api_me(app, token=used) == 200
        assert await api_me(app, token=other) == 401
        assert sent_to_sign_in(await profile_page(app, cookie))
        signed_in = await client.post(
            f"{API}/auth/login", json={"email": user.email, "password": NEW}
        )
        assert signed_in.status_code == 200

    async def test_the_current_password_is_required(
        self, app: FastAPI, factory: Factory, client: httpx.AsyncClient
    ) -> None:
        user = await factory.user()
        other = await factory.token(user)
        headers = await factory.auth(user)
        wrong = await client.post(
            f"{API}/me/password",
            json={"current_password": "not my password", "password": NEW},
            headers=headers,
        )
        assert_error(wrong, 403, "invalid_credentials")
        assert await api_me(app, token=other) == 200  # nothing changed, nobody signed out

    async def test_on_the_profile_page_this_browser_stays_signed_in(
        self, app: FastAPI, factory: Factory
    ) -> None:
        user = await factory.user()
        elsewhere = await session_token(app, user)
        token = await factory.token(user)
        async with visitor(app, user) as web:
            here = web.cookies.get(SESSION_COOKIE)
            changed = await submit(
                web, "/me", "/me/password", {"current_password": PASSWORD, "password": NEW}
            )
            assert changed.status_code == 303
            assert changed.headers["location"] == "/me?password_changed=true"
            shown = await web.get(changed.headers["location"])
            assert shown.status_code == 200 and 'role="status"' in shown.text
        assert here is not None and await api_me(app, cookie=here) == 200
        assert sent_to_sign_in(await profile_page(app, elsewhere))
        assert await api_me(app, token=token) == 401

    async def test_the_page_explains_a_refusal(self, app: FastAPI, factory: Factory) -> None:
        user = await factory.user()
        async with visitor(app, user) as web:
            wrong = await submit(
                web, "/me", "/me/password", {"current_password": "nope", "password": NEW}
            )
            assert wrong.status_code == 403 and "current password is not right" in wrong.text
            weak = await submit(
                web,
                "/me",
                "/me/password",
                {"current_password": PASSWORD, "password": "Azerty1234!"},
            )
            assert weak.status_code == 422 and "most common" in weak.text


class TestResetEndsEverything:
    async def test_old_cookies_and_tokens_stop_working(
        self, app: FastAPI, factory: Factory, client: httpx.AsyncClient
    ) -> None:
        user = await factory.user()
        cookie, token = await session_token(app, user), await factory.token(user)
        link = await reset_token(app, user)
        used = await client.post(
            f"{API}/auth/password/reset", json={"token": link, "password": NEW}
        )
        assert used.status_code == 204, used.text
        assert sent_to_sign_in(await profile_page(app, cookie))
        assert await api_me(app, cookie=cookie) == 401
        assert await api_me(app, token=token) == 401


class TestDisableEndsEverything:
    async def test_old_cookies_and_tokens_stop_working(self, app: FastAPI, factory: Factory):
        admin = await factory.user(is_admin=True)
        user = await factory.user()
        cookie, token = await session_token(app, user), await factory.token(user)
        async with visitor(app, admin) as web:
            done = await submit(web, "/admin", f"/admin/people/{user.id}/disable", {})
            assert done.status_code == 303, done.text
        assert sent_to_sign_in(await profile_page(app, cookie))
        assert await api_me(app, token=token) == 401


class TestBanIsPerDialogue:
    async def test_the_dialogue_refuses_at_once_and_nothing_else_ends(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory, visibility="invite")
        thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        token = await session_token(app, s.bob, kind=TokenKind.API)
        headers = {"Authorization": f"Bearer {token}"}
        async with browser(app) as web:
            banned = await web.post(
                f"{API}/dialogues/{s.dialogue.slug}/members/{s.bob.id}/moderation",
                json={"action": "ban", "reason": "threats", "clause": "1"},
                headers=await factory.auth(s.organizer),
            )
            assert banned.status_code == 200, banned.text
            refused = await web.post(
                f"{API}/threads/{thread.id}/posts",
                json={"body": "still here?", "client_id": scenes.client_id()},
                headers=headers,
            )
            assert refused.status_code in (403, 404), refused.text
            assert (await web.get(f"{API}/me", headers=headers)).status_code == 200
