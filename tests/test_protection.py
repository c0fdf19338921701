"""Protection: CSRF on forms and cookie-authenticated API calls, security headers, login limits."""

from __future__ import annotations

import pytest

from dialogue.access import SESSION_COOKIE
from dialogue.accounts.models import AuthToken
from dialogue.config import Settings
from dialogue.csrf import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER
from dialogue.state import app_state
from tests.factories import PASSWORD, Factory
from tests.helpers import assert_error, browser, count, csrf_from, session_token, sign_in_browser

JSON = {"accept": "application/json"}


class TestCsrfOnForms:
    async def test_login_form_without_the_field(self, app, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            await web.get("/login")  # the cookie is there, the field is not
            response = await web.post("/login", data={"email": user.email, "password": PASSWORD})
            assert response.status_code == 403
            assert response.headers["content-type"].startswith("text/html")
            assert SESSION_COOKIE not in web.cookies
            as_json = await web.post(
                "/login", data={"email": user.email, "password": PASSWORD}, headers=JSON
            )
            assert_error(as_json, 403, "csrf_failed")
        assert await count(app, AuthToken) == 0

    async def test_login_form_with_a_wrong_field(self, app, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            page = await web.get("/login")
            wrong = csrf_from(page.text)[::-1]
            response = await web.post(
                "/login",
                data={"email": user.email, "password": PASSWORD, CSRF_FIELD: wrong},
                headers=JSON,
            )
            assert_error(response, 403, "csrf_failed")
            assert SESSION_COOKIE not in web.cookies
        assert await count(app, AuthToken) == 0

    async def test_login_form_with_a_field_but_no_cookie(self, app, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            page = await web.get("/login")
            token = csrf_from(page.text)
            web.cookies.clear()
            response = await web.post(
                "/login",
                data={"email": user.email, "password": PASSWORD, CSRF_FIELD: token},
                headers=JSON,
            )
            assert_error(response, 403, "csrf_failed")

    async def test_login_form_with_the_page_token_works(self, app, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            page = await web.get("/login")
            token = csrf_from(page.text)
            assert page.cookies[CSRF_COOKIE] == token
            response = await web.post(
                "/login", data={"email": user.email, "password": PASSWORD, CSRF_FIELD: token}
            )
            assert response.status_code == 303
            assert SESSION_COOKIE in web.cookies
        assert await count(app, AuthToken) == 1

    async def test_the_token_stays_the_same_across_pages(self, app) -> None:
        async with browser(app) as web:
            first = csrf_from((await web.get("/login")).text)
            second = csrf_from((await web.get("/login")).text)
            assert first == second == web.cookies[CSRF_COOKIE]

    async def test_each_browser_gets_its_own_token(self, app) -> None:
        async with browser(app) as one, browser(app) as two:
            assert csrf_from((await one.get("/login")).text) != csrf_from(
                (await two.get("/login")).text
            )

    async def test_the_csrf_cookie_is_http_only_and_lax(self, app) -> None:
        async with browser(app) as web:
            page = await web.get("/login")
            cookie = next(
                v
                for k, v in page.headers.multi_items()
                if k == "set-cookie" and v.startswith(f"{CSRF_COOKIE}=")
            )
            attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
            assert {"httponly", "samesite=lax"} <= attributes


class TestCsrfOnApi:
    async def test_cookie_request_without_the_header_is_refused(
        self, app, factory: Factory
    ) -> None:
        user = await factory.user(display_name="Unchanged")
        async with browser(app) as web:
            await sign_in_browser(web, email=user.email, password=PASSWORD)
            response = await web.patch("/api/v1/me", json={"display_name": "Forged"})
            assert_error(response, 403, "csrf_failed")
            assert (await web.get("/api/v1/me")).json()["display_name"] == "Unchanged"

    async def test_cookie_request_with_a_wrong_header_is_refused(
        self, app, factory: Factory
    ) -> None:
        user = await factory.user()
        async with browser(app) as web:
            await sign_in_browser(web, email=user.email, password=PASSWORD)
            response = await web.patch(
                "/api/v1/me", json={"display_name": "Forged"}, headers={CSRF_HEADER: "guess"}
            )
            assert_error(response, 403, "csrf_failed")

    async def test_cookie_request_with_the_header_works(self, app, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            token = await sign_in_browser(web, email=user.email, password=PASSWORD)
            response = await web.patch(
                "/api/v1/me", json={"display_name": "Changed"}, headers={CSRF_HEADER: token}
            )
            assert response.status_code == 200, response.text
            assert response.json()["display_name"] == "Changed"

    async def test_cookie_logout_without_the_header_keeps_the_session(
        self, app, factory: Factory
    ) -> None:
        user = await factory.user()
        async with browser(app) as web:
            await sign_in_browser(web, email=user.email, password=PASSWORD)
            assert_error(await web.post("/api/v1/auth/logout"), 403, "csrf_failed")
            assert (await web.get("/api/v1/me")).status_code == 200

    async def test_a_cross_site_form_post_to_the_api_is_refused(
        self, app, factory: Factory
    ) -> None:
        """A form on another site can send text/plain with our cookies but no header."""
        admin = await factory.user(is_admin=True)
        raw = await session_token(app, admin)
        async with browser(app) as web:
            web.cookies.set(SESSION_COOKIE, raw)
            response = await web.post(
                "/api/v1/dialogues",
                content=b'{"slug": "forged", "title": "Forged"}',
                headers={"content-type": "text/plain"},
            )
            assert_error(response, 403, "csrf_failed")

    async def test_bearer_requests_need_no_csrf(self, client, factory: Factory) -> None:
        user = await factory.user()
        response = await client.patch(
            "/api/v1/me", json={"display_name": "Script"}, headers=await factory.auth(user)
        )
        assert response.status_code == 200
        assert response.json()["display_name"] == "Script"

    async def test_bearer_wins_over_a_stale_cookie(self, app, factory: Factory) -> None:
        user = await factory.user()
        headers = await factory.auth(user)
        async with browser(app) as web:
            web.cookies.set(SESSION_COOKIE, "stale-value")
            response = await web.patch(
                "/api/v1/me", json={"display_name": "Script"}, headers=headers
            )
            assert response.status_code == 200

    async def test_safe_methods_need_no_csrf(self, app, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            web.cookies.set(SESSION_COOKIE, await session_token(app, user))
            assert (await web.get("/api/v1/me")).status_code == 200


CSP_PAGES = ["/", "/login", "/no-such-page", "/healthz", "/api/v1/dialogues", "/api/v1/nope"]


class TestSecurityHeaders:
    @pytest.mark.parametrize("path", CSP_PAGES)
    async def test_headers_on_pages_and_api(self, client, path: str) -> None:
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        directives = {
            part.strip().split()[0]: part.strip().split()[1:]
            for part in csp.split(";")
            if part.strip()
        }
        assert "script-src" in directives
        assert "'unsafe-inline'" not in directives["script-src"]
        assert "'unsafe-eval'" not in directives["script-src"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in directives.get("default-src", [])
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] in (
            "same-origin",
            "no-referrer",
            "strict-origin",
        )

    async def test_headers_on_errors_before_routing(self, client) -> None:
        response = await client.post(
            "/api/v1/auth/login",
            content=b" " * (2 * 1024 * 1024),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 413
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"

    async def test_headers_on_a_post(self, app, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            page = await web.get("/login")
            response = await web.post(
                "/login",
                data={"email": user.email, "password": PASSWORD, CSRF_FIELD: csrf_from(page.text)},
            )
            assert response.status_code == 303
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


class TestLoginRateLimit:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        """Small limits: each attempt costs an argon2 hash, on purpose."""
        return settings.model_copy(update={"login_per_address": 4, "login_per_account": 3})

    async def test_the_limits_come_from_the_settings(self, app) -> None:
        assert app_state(app).limits.login_by_address.limit == 4
        assert app_state(app).limits.login_by_account.limit == 3

    async def test_per_address(self, app, factory: Factory) -> None:
        limit = app_state(app).settings.login_per_address
        user = await factory.user()
        async with browser(app, address="203.0.113.7") as web:
            for n in range(limit):
                # Distinct unknown accounts, so only the address limit can trip.
                response = await web.post(
                    "/api/v1/auth/login",
                    json={"email": f"nobody{n}@example.org", "password": "wrong password"},
                )
                assert response.status_code == 401, (n, response.text)
            blocked = await web.post(
                "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
            )
            assert_error(blocked, 429, "rate_limited")
            retry_after = int(blocked.headers["retry-after"])
            window = app_state(app).settings.login_window_seconds
            assert 1 <= retry_after <= window
        # Another address is not affected, and right credentials work there.
        async with browser(app, address="203.0.113.8") as other:
            response = await other.post(
                "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
            )
            assert response.status_code == 200
        assert await count(app, AuthToken) == 1

    async def test_successful_logins_count_against_the_address(self, app, factory: Factory) -> None:
        limit = app_state(app).settings.login_per_address
        user = await factory.user()
        async with browser(app, address="203.0.113.9") as web:
            for _ in range(limit):
                ok = await web.post(
                    "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
                )
                assert ok.status_code == 200
            blocked = await web.post(
                "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
            )
            assert_error(blocked, 429, "rate_limited")

    async def test_per_account_across_addresses(self, app, factory: Factory) -> None:
        limit = app_state(app).settings.login_per_account
        victim = await factory.user()
        bystander = await factory.user()
        for n in range(limit):
            async with browser(app, address=f"198.51.100.{n + 1}") as web:
                response = await web.post(
                    "/api/v1/auth/login",
                    json={"email": victim.email, "password": f"guess number {n}"},
                )
                assert response.status_code == 401
        async with browser(app, address="198.51.100.200") as fresh:
            # Even the right password is refused while the account is locked...
            blocked = await fresh.post(
                "/api/v1/auth/login",
                json={"email": victim.email.upper(), "password": PASSWORD},
            )
            assert_error(blocked, 429, "rate_limited")
            assert int(blocked.headers["retry-after"]) >= 1
            # ...but other accounts from the same address are not.
            ok = await fresh.post(
                "/api/v1/auth/login", json={"email": bystander.email, "password": PASSWORD}
            )
            assert ok.status_code == 200

    async def test_a_success_clears_the_account_failures(self, app, factory: Factory) -> None:
        limit = app_state(app).settings.login_per_account
        user = await factory.user()
        wrong = {"email": user.email, "password": "wrong password"}
        good = {"email": user.email, "password": PASSWORD}
        addresses = (f"192.0.2.{n}" for n in range(1, 100))  # away from the address limit
        for _round in range(2):
            for _ in range(limit - 1):
                async with browser(app, address=next(addresses)) as web:
                    assert (await web.post("/api/v1/auth/login", json=wrong)).status_code == 401
            async with browser(app, address=next(addresses)) as web:
                assert (await web.post("/api/v1/auth/login", json=good)).status_code == 200

    async def test_the_html_form_answers_429(self, app, factory: Factory) -> None:
        limit = app_state(app).settings.login_per_account
        user = await factory.user()
        async with browser(app) as web:
            token = csrf_from((await web.get("/login")).text)
            for _ in range(limit):
                response = await web.post(
                    "/login",
                    data={"email": user.email, "password": "wrong password", CSRF_FIELD: token},
                )
                assert response.status_code == 401
            blocked = await web.post(
                "/login", data={"email": user.email, "password": PASSWORD, CSRF_FIELD: token}
            )
            assert blocked.status_code == 429
            assert blocked.headers["content-type"].startswith("text/html")
            assert int(blocked.headers["retry-after"]) >= 1
            assert 'role="alert"' in blocked.text
            assert SESSION_COOKIE not in web.cookies
        assert await count(app, AuthToken) == 0
