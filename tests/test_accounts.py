"""Accounts: signing in and out, profiles, browser sessions, stored secrets, invitations."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import pytest
from sqlmodel import col, select, update

from dialogue.access import SESSION_COOKIE
from dialogue.accounts.models import AuthToken, TokenKind, User
from dialogue.csrf import CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER
from dialogue.db import utcnow
from dialogue.dialogues.models import Membership
from dialogue.policy import Role
from dialogue.state import app_state
from tests.factories import PASSWORD, Factory
from tests.helpers import (
    assert_error,
    browser,
    count,
    invitation_by_email,
    invite,
    session_token,
    sign_in_browser,
    snapshot,
    user_by_email,
)

LOGIN = "/api/v1/auth/login"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(client, email: str, password: str = PASSWORD) -> str:
    response = await client.post(LOGIN, json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


class TestApiLogin:
    async def test_token_opens_me(self, client, factory: Factory) -> None:
        user = await factory.user(display_name="Amina", organization="Council")
        response = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["user"]["id"] == user.id and body["user"]["email"] == user.email
        me = await client.get("/api/v1/me", headers=bearer(body["token"]))
        assert me.status_code == 200
        assert set(me.json()) == {
            "id",
            "email",
            "display_name",
            "organization",
            "country",
            "language",
            "timezone",
            "quote_consent",
            "digest",
            "hide_presence",
            "is_admin",
        }
        assert me.json()["display_name"] == "Amina"
        assert me.json()["organization"] == "Council"

    async def test_email_letter_case_does_not_matter(self, client, factory: Factory) -> None:
        user = await factory.user(email="mixed@example.org")
        token = await login(client, "  MIXED@Example.org ")
        assert (await client.get("/api/v1/me", headers=bearer(token))).json()["id"] == user.id

    async def test_me_without_a_token(self, client) -> None:
        assert_error(await client.get("/api/v1/me"), 401, "unauthenticated")

    async def test_me_with_a_made_up_token(self, client) -> None:
        response = await client.get("/api/v1/me", headers=bearer("made-up"))
        assert_error(response, 401, "unauthenticated")


class TestApiLogout:
    async def test_logout_revokes_the_token(self, client, factory: Factory) -> None:
        user = await factory.user()
        token = await login(client, user.email)
        response = await client.post("/api/v1/auth/logout", headers=bearer(token))
        assert response.status_code == 204 and response.content == b""
        assert_error(await client.get("/api/v1/me", headers=bearer(token)), 401, "unauthenticated")
        again = await client.post("/api/v1/auth/logout", headers=bearer(token))
        assert_error(again, 401, "unauthenticated")

    async def test_logout_revokes_only_that_token(self, client, factory: Factory) -> None:
        user = await factory.user()
        first, second = await login(client, user.email), await login(client, user.email)
        assert (await client.post("/api/v1/auth/logout", headers=bearer(first))).status_code == 204
        assert (await client.get("/api/v1/me", headers=bearer(second))).status_code == 200


class TestProfileUpdate:
    async def test_valid_values_are_stored(self, app, client, factory: Factory) -> None:
        user = await factory.user()
        headers = await factory.auth(user)
        changes = {
            "display_name": "Léa",
            "organization": "Réseau",
            "country": "fr",
            "timezone": "Europe/Paris",
            "language": "fr",
            "quote_consent": "anonymous",
        }
        response = await client.patch("/api/v1/me", json=changes, headers=headers)
        assert response.status_code == 200, response.text
        expected = {**changes, "country": "FR"}
        assert {k: response.json()[k] for k in changes} == expected
        stored = await user_by_email(app, user.email)
        assert stored is not None
        assert {k: getattr(stored, k) for k in changes} == expected

    @pytest.mark.parametrize("consent", ["named", "anonymous", "none"])
    async def test_each_quote_consent(self, client, factory: Factory, consent: str) -> None:
        headers = await factory.auth(await factory.user())
        response = await client.patch(
            "/api/v1/me", json={"quote_consent": consent}, headers=headers
        )
        assert response.status_code == 200 and response.json()["quote_consent"] == consent

    async def test_partial_update_keeps_the_rest(self, client, factory: Factory) -> None:
        user = await factory.user(timezone="Africa/Nairobi", country="KE")
        headers = await factory.auth(user)
        response = await client.patch("/api/v1/me", json={"language": "es"}, headers=headers)
        assert response.status_code == 200
        assert response.json()["timezone"] == "Africa/Nairobi"
        assert response.json()["country"] == "KE"
        assert response.json()["language"] == "es"

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("country", "ZZ"),  # "unknown region", not a country
            ("country", "EU"),
            ("country", "QQ"),
            ("country", "FRA"),
            ("country", "France"),
            ("timezone", "Mars/Olympus_Mons"),
            ("timezone", "europe/paris"),
            ("timezone", "../../etc/passwd"),
            ("language", "de"),
            ("language", "english"),
            ("quote_consent", "sometimes"),
            ("display_name", ""),
        ],
    )
    async def test_invalid_values_are_refused(
        self, app, client, factory: Factory, field: str, value: str
    ) -> None:
        user = await factory.user(country="KE", timezone="Africa/Nairobi")
        headers = await factory.auth(user)
        response = await client.patch("/api/v1/me", json={field: value}, headers=headers)
        error = assert_error(response, 422, "invalid")
        assert [f["field"] for f in error["fields"]] == [field]
        stored = await user_by_email(app, user.email)
        assert stored is not None
        assert (stored.country, stored.timezone, stored.language) == ("KE", "Africa/Nairobi", "en")


class TestBrowserSession:
    async def test_login_form_sets_a_protected_cookie(self, app, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            page = await web.get("/login")
            token = page.cookies[CSRF_COOKIE]
            response = await web.post(
                "/login",
                data={"email": user.email, "password": PASSWORD, CSRF_FIELD: token, "next": "/"},
            )
            assert response.status_code == 303
            assert response.headers["location"] == "/"
            cookie = next(
                v
                for k, v in response.headers.multi_items()
                if k == "set-cookie" and v.startswith(f"{SESSION_COOKIE}=")
            )
            attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
            assert "httponly" in attributes
            assert "samesite=lax" in attributes
            assert "path=/" in attributes
            me = await web.get("/api/v1/me")
            assert me.status_code == 200 and me.json()["id"] == user.id

    async def test_the_cookie_is_secure_behind_https(self, app, factory: Factory) -> None:
        app_state(app).settings.cookie_secure = True
        user = await factory.user()
        async with browser(app, base_url="https://testserver") as web:
            page = await web.get("/login")
            token = page.cookies[CSRF_COOKIE]
            response = await web.post(
                "/login", data={"email": user.email, "password": PASSWORD, CSRF_FIELD: token}
            )
            assert response.status_code == 303
            cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
            session = next(c for c in cookies if c.startswith(f"{SESSION_COOKIE}="))
            assert "secure" in {part.strip().lower() for part in session.split(";")}

    async def test_wrong_password_on_the_form_sets_no_session(self, app, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            page = await web.get("/login")
            response = await web.post(
                "/login",
                data={
                    "email": user.email,
                    "password": "wrong password",
                    CSRF_FIELD: page.cookies[CSRF_COOKIE],
                },
            )
            assert response.status_code == 401
            assert "Wrong email or password." in response.text
            assert SESSION_COOKIE not in web.cookies
        assert await count(app, AuthToken) == 0

    async def test_next_only_goes_to_this_site(self, app, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            page = await web.get("/login")
            response = await web.post(
                "/login",
                data={
                    "email": user.email,
                    "password": PASSWORD,
                    "next": "//evil.example/steal",
                    CSRF_FIELD: page.cookies[CSRF_COOKIE],
                },
            )
            assert response.status_code == 303 and response.headers["location"] == "/"

    async def test_logout_form_revokes_the_session_server_side(self, app, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            csrf = await sign_in_browser(web, email=user.email, password=PASSWORD)
            old_cookie = web.cookies[SESSION_COOKIE]
            response = await web.post("/logout", data={CSRF_FIELD: csrf})
            assert response.status_code == 303 and response.headers["location"] == "/"
        # Replaying the old cookie value from another browser: the server no longer honours it.
        async with browser(app) as replay:
            replay.cookies.set(SESSION_COOKIE, old_cookie)
            assert_error(await replay.get("/api/v1/me"), 401, "unauthenticated")
        async with app_state(app).database.session() as session:
            stored = (await session.exec(select(AuthToken))).one()
        assert stored.kind == TokenKind.SESSION and stored.revoked_at is not None

    async def test_logout_without_csrf_keeps_the_session(self, app, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            await sign_in_browser(web, email=user.email, password=PASSWORD)
            response = await web.post("/logout", data={})
            assert response.status_code == 403
            assert (await web.get("/api/v1/me")).status_code == 200

    async def test_api_logout_with_the_cookie_revokes_the_session(
        self, app, factory: Factory
    ) -> None:
        user = await factory.user()
        async with browser(app) as web:
            csrf = await sign_in_browser(web, email=user.email, password=PASSWORD)
            response = await web.post("/api/v1/auth/logout", headers={CSRF_HEADER: csrf})
            assert response.status_code == 204
            assert_error(await web.get("/api/v1/me"), 401, "unauthenticated")


class TestStoredSecrets:
    async def test_passwords_are_stored_with_argon2id(self, app, client, factory: Factory) -> None:
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="new@example.org")
        response = await client.post(
            f"/api/v1/invitations/{token}/accept",
            json={"display_name": "New", "password": PASSWORD},
        )
        assert response.status_code == 200, response.text
        stored = await user_by_email(app, "new@example.org")
        assert stored is not None and stored.password_hash is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash

    async def test_tokens_are_stored_as_digests(self, app, client, factory: Factory) -> None:
        user = await factory.user()
        token = await login(client, user.email)
        async with app_state(app).database.session() as session:
            stored = (await session.exec(select(AuthToken))).all()
        assert len(stored) == 1
        assert stored[0].token_hash != token
        assert token not in stored[0].token_hash
        assert stored[0].token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert stored[0].kind == TokenKind.API

    async def test_session_cookies_are_stored_as_digests(self, app, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            await sign_in_browser(web, email=user.email, password=PASSWORD)
            raw = web.cookies[SESSION_COOKIE]
        async with app_state(app).database.session() as session:
            stored = (await session.exec(select(AuthToken))).one()
        assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest() != raw


class TestExpiredTokens:
    async def test_an_expired_api_token_is_refused(self, app, client, factory: Factory) -> None:
        user = await factory.user()
        token = await login(client, user.email)
        assert (await client.get("/api/v1/me", headers=bearer(token))).status_code == 200
        async with app_state(app).database.session() as session:
            await session.exec(update(AuthToken).values(expires_at=utcnow() - timedelta(seconds=1)))
            await session.commit()
        assert_error(await client.get("/api/v1/me", headers=bearer(token)), 401, "unauthenticated")

    async def test_an_expired_session_cookie_is_refused(self, app, factory: Factory) -> None:
        user = await factory.user()
        raw = await session_token(app, user)
        async with app_state(app).database.session() as session:
            await session.exec(update(AuthToken).values(expires_at=utcnow() - timedelta(minutes=1)))
            await session.commit()
        async with browser(app) as web:
            web.cookies.set(SESSION_COOKIE, raw)
            assert_error(await web.get("/api/v1/me"), 401, "unauthenticated")


async def membership_of(app, user_id: int) -> list[Membership]:
    async with app_state(app).database.session() as session:
        return list(
            (await session.exec(select(Membership).where(col(Membership.user_id) == user_id))).all()
        )


class TestInvitations:
    async def test_accept_creates_the_account(self, app, client, factory: Factory) -> None:
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="Invitee@Example.org", role=Role.EXPERT)
        response = await client.post(
            f"/api/v1/invitations/{token}/accept",
            json={"display_name": "Invitee", "password": PASSWORD},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["role"] == "expert"
        assert body["user"]["email"] == "invitee@example.org"
        assert body["user"]["display_name"] == "Invitee"
        me = await client.get("/api/v1/me", headers=bearer(body["token"]))
        assert me.json()["id"] == body["user"]["id"]
        # The new account can sign in with the password it chose.
        assert await login(client, "invitee@example.org")
        [membership] = await membership_of(app, body["user"]["id"])
        assert (membership.dialogue_id, membership.role) == (dialogue.id, "expert")
        invitation = await invitation_by_email(app, "invitee@example.org")
        assert invitation.accepted_at is not None
        assert invitation.accepted_by == body["user"]["id"]

    async def test_accept_when_signed_in(self, app, client, factory: Factory) -> None:
        user = await factory.user()
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email=user.email, role=Role.ADVISOR)
        users_before = await count(app, User)
        response = await client.post(
            f"/api/v1/invitations/{token}/accept", headers=await factory.auth(user)
        )
        assert response.status_code == 200, response.text
        assert response.json()["role"] == "advisor"
        assert response.json()["user"]["id"] == user.id
        assert await count(app, User) == users_before
        assert [m.role for m in await membership_of(app, user.id or 0)] == ["advisor"]

    async def test_an_existing_account_must_sign_in_first(
        self, app, client, factory: Factory
    ) -> None:
        user = await factory.user()
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email=user.email.upper())
        before = await snapshot(app)
        refused = await client.post(
            f"/api/v1/invitations/{token}/accept",
            json={"display_name": "Impostor", "password": "another password"},
        )
        assert_error(refused, 403, "sign_in_required")
        assert await snapshot(app) == before
        # The owner of the account can still use the invitation after signing in.
        accepted = await client.post(
            f"/api/v1/invitations/{token}/accept", headers=await factory.auth(user)
        )
        assert accepted.status_code == 200, accepted.text
        # The refused attempt did not change the password.
        assert await login(client, user.email)

    async def test_the_role_is_fixed_by_the_inviter(self, app, client, factory: Factory) -> None:
        organizer = await factory.user()
        dialogue = await factory.dialogue(owner=organizer)
        created = await client.post(
            f"/api/v1/dialogues/{dialogue.slug}/invitations",
            json={"email": "obs@example.org", "role": "observer"},
            headers=await factory.auth(organizer),
        )
        assert created.status_code == 201, created.text
        token = created.json()["token"]
        assert created.json()["url"].endswith(f"/invitations/{token}")
        escalation = await client.post(
            f"/api/v1/invitations/{token}/accept",
            json={"display_name": "Obs", "password": PASSWORD, "role": "organizer"},
        )
        assert_error(escalation, 422, "invalid")
        accepted = await client.post(
            f"/api/v1/invitations/{token}/accept",
            json={"display_name": "Obs", "password": PASSWORD},
        )
        assert accepted.status_code == 200 and accepted.json()["role"] == "observer"
        [membership] = await membership_of(app, accepted.json()["user"]["id"])
        assert membership.role == "observer"

    async def test_single_use_under_concurrency(self, app, client, factory: Factory) -> None:
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="race@example.org")
        url = f"/api/v1/invitations/{token}/accept"
        users_before = await count(app, User)
        responses = await asyncio.gather(
            client.post(url, json={"display_name": "First", "password": PASSWORD}),
            client.post(url, json={"display_name": "Second", "password": PASSWORD}),
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200, 409], [r.text for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert_error(loser, 409, "invitation_used")
        assert await count(app, User) == users_before + 1
        assert await count(app, Membership) == 2  # the organizer and the winner

    async def test_single_use_under_concurrency_when_signed_in(
        self, app, client, factory: Factory
    ) -> None:
        first, second = await factory.user(), await factory.user()
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email=first.email, role=Role.MODERATOR)
        url = f"/api/v1/invitations/{token}/accept"
        responses = await asyncio.gather(
            client.post(url, headers=await factory.auth(first)),
            client.post(url, headers=await factory.auth(second)),
        )
        assert sorted(r.status_code for r in responses) == [200, 409]
        members = await membership_of(app, first.id or 0) + await membership_of(app, second.id or 0)
        assert [m.role for m in members] == ["moderator"]

    async def test_an_expired_invitation_is_refused(self, app, client, factory: Factory) -> None:
        dialogue = await factory.dialogue()
        token = await invite(
            app, dialogue, email="late@example.org", lifetime=timedelta(seconds=-1)
        )
        before = await snapshot(app)
        response = await client.post(
            f"/api/v1/invitations/{token}/accept",
            json={"display_name": "Late", "password": PASSWORD},
        )
        assert_error(response, 409, "invitation_expired")
        assert await snapshot(app) == before

    async def test_the_invitation_lasts_the_configured_days(
        self, app, client, factory: Factory
    ) -> None:
        organizer = await factory.user()
        dialogue = await factory.dialogue(owner=organizer)
        before = utcnow()
        created = await client.post(
            f"/api/v1/dialogues/{dialogue.slug}/invitations",
            json={"email": "x@example.org", "role": "participant"},
            headers=await factory.auth(organizer),
        )
        assert created.status_code == 201
        invitation = await invitation_by_email(app, "x@example.org")
        days = app_state(app).settings.invitation_days
        expires = invitation.expires_at
        assert before + timedelta(days=days) <= expires <= utcnow() + timedelta(days=days)

    async def test_the_invitation_page_accepts_with_a_form(self, app, factory: Factory) -> None:
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="form@example.org", role=Role.PARTICIPANT)
        async with browser(app) as web:
            page = await web.get(f"/invitations/{token}")
            assert page.status_code == 200
            response = await web.post(
                f"/invitations/{token}",
                data={
                    "display_name": "Form",
                    "password": PASSWORD,
                    CSRF_FIELD: page.cookies[CSRF_COOKIE],
                },
            )
            assert response.status_code == 303
            assert response.headers["location"] == f"/d/{dialogue.slug}"
            me = await web.get("/api/v1/me")
            assert me.status_code == 200 and me.json()["email"] == "form@example.org"


class TestInvitationKeepsAnExistingRole:
    async def test_member_opening_an_invitation_keeps_their_role(self, client, factory) -> None:
        d = await factory.dialogue(visibility="invite")
        organizer = await factory.member(d, "organizer", email="keeper@example.org")
        invited = await client.post(
            f"/api/v1/dialogues/{d.slug}/invitations",
            json={"email": "keeper@example.org", "role": "observer"},
            headers=await factory.auth(organizer),
        )
        assert invited.status_code == 201, invited.text
        accepted = await client.post(
            f"/api/v1/invitations/{invited.json()['token']}/accept",
            headers=await factory.auth(organizer),
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["role"] == "organizer"
        shown = await client.get(
            f"/api/v1/dialogues/{d.slug}", headers=await factory.auth(organizer)
        )
        assert shown.json()["role"] == "organizer"
