"""Bad input gets the contract's error shape and status, never a 500, and changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import col, update

from dialogue.accounts import service as accounts
from dialogue.accounts.models import Invitation, User
from dialogue.csrf import CSRF_FIELD
from dialogue.db import utcnow
from dialogue.errors import Conflict
from dialogue.policy import Role
from dialogue.state import app_state
from tests.factories import PASSWORD, Factory
from tests.helpers import (
    assert_error,
    browser,
    count,
    csrf_from,
    invitation_by_email,
    invite,
    snapshot,
    user_by_email,
)

LOGIN = "/api/v1/auth/login"
MIB = 1024 * 1024


def field_names(error: dict[str, object]) -> set[str]:
    fields = error["fields"]
    assert isinstance(fields, list)
    return {item["field"] for item in fields}


class TestMalformedJson:
    async def test_login_with_broken_json_is_422(self, app, client, factory: Factory) -> None:
        before = await snapshot(app)
        response = await client.post(
            LOGIN,
            content=b'{"email": "a@x.org", "password": ',
            headers={"content-type": "application/json"},
        )
        error = assert_error(response, 422, "invalid")
        assert "JSON" in error["message"]
        assert await snapshot(app) == before

    async def test_profile_update_with_broken_json_changes_nothing(
        self, app, client, factory: Factory
    ) -> None:
        user = await factory.user(display_name="Before")
        headers = {**await factory.auth(user), "content-type": "application/json"}
        response = await client.patch(
            "/api/v1/me", content=b"{display_name: After}", headers=headers
        )
        assert_error(response, 422, "invalid")
        me = await client.get("/api/v1/me", headers=headers)
        assert me.json()["display_name"] == "Before"

    async def test_a_json_array_where_an_object_is_expected(self, client) -> None:
        response = await client.post(LOGIN, json=["a@x.org", PASSWORD])
        assert_error(response, 422, "invalid")


class TestMissingFields:
    async def test_login_without_fields_names_both(self, client) -> None:
        error = assert_error(await client.post(LOGIN, json={}), 422, "invalid")
        assert field_names(error) == {"email", "password"}

    async def test_login_without_a_body(self, client) -> None:
        assert_error(await client.post(LOGIN), 422, "invalid")

    async def test_dialogue_create_without_slug_and_title(
        self, app, client, factory: Factory
    ) -> None:
        admin = await factory.user(is_admin=True)
        headers = await factory.auth(admin)
        before = await snapshot(app)
        response = await client.post(
            "/api/v1/dialogues", json={"summary": "no slug"}, headers=headers
        )
        error = assert_error(response, 422, "invalid")
        assert {"slug", "title"} <= field_names(error)
        assert await snapshot(app) == before


class TestWrongTypes:
    async def test_login_with_non_strings(self, client) -> None:
        error = assert_error(
            await client.post(LOGIN, json={"email": 5, "password": ["x"]}), 422, "invalid"
        )
        assert field_names(error) == {"email", "password"}

    async def test_dialogue_create_with_wrong_types(self, app, client, factory: Factory) -> None:
        admin = await factory.user(is_admin=True)
        headers = await factory.auth(admin)
        before = await snapshot(app)
        response = await client.post(
            "/api/v1/dialogues",
            json={"slug": "ok-slug", "title": "T", "allow_anonymous": "perhaps", "visibility": 3},
            headers=headers,
        )
        error = assert_error(response, 422, "invalid")
        assert {"allow_anonymous", "visibility"} <= field_names(error)
        assert await snapshot(app) == before

    async def test_bad_slug_pattern(self, app, client, factory: Factory) -> None:
        admin = await factory.user(is_admin=True)
        headers = await factory.auth(admin)
        before = await snapshot(app)
        response = await client.post(
            "/api/v1/dialogues", json={"slug": "Not A Slug!", "title": "T"}, headers=headers
        )
        assert field_names(assert_error(response, 422, "invalid")) == {"slug"}
        assert await snapshot(app) == before

    async def test_profile_with_a_number_for_a_name(self, client, factory: Factory) -> None:
        user = await factory.user(display_name="Kept")
        headers = await factory.auth(user)
        response = await client.patch("/api/v1/me", json={"display_name": 12}, headers=headers)
        assert field_names(assert_error(response, 422, "invalid")) == {"display_name"}
        assert (await client.get("/api/v1/me", headers=headers)).json()["display_name"] == "Kept"


class TestExtraFields:
    async def test_login_with_an_extra_field(self, client, factory: Factory) -> None:
        user = await factory.user()
        response = await client.post(
            LOGIN, json={"email": user.email, "password": PASSWORD, "remember": True}
        )
        assert field_names(assert_error(response, 422, "invalid")) == {"remember"}

    async def test_profile_cannot_make_its_owner_admin(self, app, client, factory: Factory) -> None:
        user = await factory.user()
        headers = await factory.auth(user)
        response = await client.patch("/api/v1/me", json={"is_admin": True}, headers=headers)
        assert field_names(assert_error(response, 422, "invalid")) == {"is_admin"}
        assert (await client.get("/api/v1/me", headers=headers)).json()["is_admin"] is False
        stored = await user_by_email(app, user.email)
        assert stored is not None and stored.is_admin is False

    async def test_invitation_accept_cannot_choose_its_role(
        self, app, client, factory: Factory
    ) -> None:
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="newcomer@example.org", role=Role.OBSERVER)
        before = await snapshot(app)
        response = await client.post(
            f"/api/v1/invitations/{token}/accept",
            json={"display_name": "New", "password": PASSWORD, "role": "organizer"},
        )
        assert field_names(assert_error(response, 422, "invalid")) == {"role"}
        assert await snapshot(app) == before
        assert (await invitation_by_email(app, "newcomer@example.org")).accepted_at is None


class TestDuplicateEmail:
    async def test_invitation_for_an_existing_email_in_other_case(
        self, app, client, factory: Factory
    ) -> None:
        await factory.user(email="a@x.org")
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="A@x.org")
        before = await snapshot(app)
        response = await client.post(
            f"/api/v1/invitations/{token}/accept",
            json={"display_name": "Second A", "password": PASSWORD},
        )
        assert_error(response, 403, "sign_in_required")
        assert await snapshot(app) == before
        # The refused accept did not use up the invitation.
        assert (await invitation_by_email(app, "a@x.org")).accepted_at is None

    async def test_the_service_refuses_a_case_variant(self, app, factory: Factory) -> None:
        async with app_state(app).database.session() as session:
            await accounts.create_user(session=session, email="a@x.org", password=PASSWORD)
            await session.commit()
        async with app_state(app).database.session() as session:
            with pytest.raises(Conflict) as raised:
                await accounts.create_user(session=session, email=" A@X.org ", password=PASSWORD)
        assert (raised.value.status, raised.value.code) == (409, "email_taken")
        assert await count(app, User) == 1

    async def test_two_concurrent_creations_leave_one_account(self, app) -> None:
        async def create(email: str) -> User:
            async with app_state(app).database.session() as session:
                user = await accounts.create_user(session=session, email=email, password=PASSWORD)
                await session.commit()
                return user

        results = await asyncio.gather(
            create("same@x.org"), create("SAME@x.org"), return_exceptions=True
        )
        conflicts = [r for r in results if isinstance(r, Conflict)]
        created = [r for r in results if isinstance(r, User)]
        assert len(created) == 1 and len(conflicts) == 1, results
        assert conflicts[0].code == "email_taken"
        assert await count(app, User) == 1


@pytest.fixture
async def invitation_token(app, factory: Factory) -> str:
    dialogue = await factory.dialogue()
    return await invite(app, dialogue, email="guest@example.org", role=Role.EXPERT)


class TestInvitationRefusals:
    async def test_expired(self, app, client, invitation_token: str) -> None:
        async with app_state(app).database.session() as session:
            await session.exec(
                update(Invitation)  # type: ignore[call-overload]
                .where(col(Invitation.email) == "guest@example.org")
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
            await session.commit()
        before = await snapshot(app)
        response = await client.post(
            f"/api/v1/invitations/{invitation_token}/accept",
            json={"display_name": "Guest", "password": PASSWORD},
        )
        assert_error(response, 409, "invitation_expired")
        assert await snapshot(app) == before

    async def test_reused(self, app, client, invitation_token: str) -> None:
        url = f"/api/v1/invitations/{invitation_token}/accept"
        first = await client.post(url, json={"display_name": "Guest", "password": PASSWORD})
        assert first.status_code == 200, first.text
        before = await snapshot(app)
        again = await client.post(url, json={"display_name": "Other", "password": PASSWORD})
        assert_error(again, 409, "invitation_used")
        signed_in = await client.post(
            url, headers={"Authorization": f"Bearer {first.json()['token']}"}
        )
        assert_error(signed_in, 409, "invitation_used")
        assert await snapshot(app) == before

    async def test_unknown_token(self, app, client, invitation_token: str) -> None:
        before = await snapshot(app)
        response = await client.post(
            "/api/v1/invitations/not-a-real-token/accept",
            json={"display_name": "Guest", "password": PASSWORD},
        )
        assert_error(response, 404, "invitation_not_found")
        assert await snapshot(app) == before

    async def test_new_account_needs_name_and_password(
        self, app, client, invitation_token: str
    ) -> None:
        before = await snapshot(app)
        response = await client.post(f"/api/v1/invitations/{invitation_token}/accept")
        error = assert_error(response, 422, "invalid")
        assert field_names(error) == {"display_name", "password"}
        assert await snapshot(app) == before
        assert (await invitation_by_email(app, "guest@example.org")).accepted_at is None

    async def test_short_password(self, app, client, invitation_token: str) -> None:
        before = await snapshot(app)
        response = await client.post(
            f"/api/v1/invitations/{invitation_token}/accept",
            json={"display_name": "Guest", "password": "short"},
        )
        assert field_names(assert_error(response, 422, "invalid")) == {"password"}
        assert await snapshot(app) == before


class TestFailedLogin:
    async def test_wrong_password_and_unknown_email_answer_alike(
        self, app, client, factory: Factory
    ) -> None:
        user = await factory.user()
        before = await snapshot(app)
        wrong_password = await client.post(
            LOGIN, json={"email": user.email, "password": "not the password"}
        )
        unknown_email = await client.post(
            LOGIN, json={"email": "nobody@example.org", "password": "not the password"}
        )
        first = assert_error(wrong_password, 401, "invalid_credentials")
        second = assert_error(unknown_email, 401, "invalid_credentials")
        assert first == second
        assert wrong_password.content == unknown_email.content
        assert await snapshot(app) == before  # no token was issued


async def _chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b" " * piece


class TestOversizeBody:
    async def test_declared_length_over_the_limit(self, app, client) -> None:
        before = await snapshot(app)
        response = await client.post(
            LOGIN, content=b" " * (MIB + 1), headers={"content-type": "application/json"}
        )
        assert_error(response, 413, "payload_too_large")
        assert await snapshot(app) == before

    async def test_chunked_stream_over_the_limit(self, app, client) -> None:
        before = await snapshot(app)
        request = client.build_request(
            "POST", LOGIN, content=_chunks(MIB + 1), headers={"content-type": "application/json"}
        )
        assert "content-length" not in request.headers
        assert request.headers["transfer-encoding"] == "chunked"
        response = await client.send(request)
        assert_error(response, 413, "payload_too_large")
        assert await snapshot(app) == before

    async def test_chunked_invitation_accept_over_the_limit(
        self, app, client, factory: Factory
    ) -> None:
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="big@example.org")
        before = await snapshot(app)
        response = await client.post(
            f"/api/v1/invitations/{token}/accept",
            content=_chunks(2 * MIB),
            headers={"content-type": "application/json"},
        )
        assert_error(response, 413, "payload_too_large")
        assert await snapshot(app) == before

    async def test_a_body_at_the_limit_is_read(self, client) -> None:
        body = b'{"email": "a@x.org", "password": "wrong password"}'
        padded = body + b" " * (MIB - len(body))
        assert len(padded) == MIB
        response = await client.post(
            LOGIN, content=padded, headers={"content-type": "application/json"}
        )
        assert_error(response, 401, "invalid_credentials")

    async def test_malformed_content_length(self, client) -> None:
        request = client.build_request(
            "POST", LOGIN, content=b"{}", headers={"content-type": "application/json"}
        )
        request.headers["content-length"] = "many"
        assert_error(await client.send(request), 400, "bad_request")


class TestUnknownRoute:
    async def test_under_the_api_is_json(self, client) -> None:
        response = await client.get("/api/v1/no-such-thing")
        assert_error(response, 404, "not_found")

    async def test_elsewhere_is_an_html_page(self, client) -> None:
        response = await client.get("/no-such-page")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "<main" in response.text and "Not found." in response.text


class TestWrongMethod:
    async def test_put_on_me(self, client, factory: Factory) -> None:
        user = await factory.user()
        response = await client.put("/api/v1/me", headers=await factory.auth(user))
        assert_error(response, 405, "method_not_allowed")
        assert "GET" in response.headers.get("allow", "")

    async def test_get_on_login(self, client) -> None:
        assert_error(await client.get(LOGIN), 405, "method_not_allowed")


class TestNonIntegerPathId:
    async def test_theme_id(self, app, client, factory: Factory) -> None:
        admin = await factory.user(is_admin=True)
        headers = await factory.auth(admin)
        before = await snapshot(app)
        response = await client.patch("/api/v1/themes/abc", json={"title": "x"}, headers=headers)
        assert_error(response, 404, "not_found")
        assert await snapshot(app) == before

    async def test_member_user_id(self, app, client, factory: Factory) -> None:
        admin = await factory.user(is_admin=True)
        dialogue = await factory.dialogue(owner=admin)
        headers = await factory.auth(admin)
        before = await snapshot(app)
        response = await client.put(
            f"/api/v1/dialogues/{dialogue.slug}/members/abc",
            json={"role": "expert"},
            headers=headers,
        )
        assert_error(response, 404, "not_found")  # an id no row can have names nothing
        assert await snapshot(app) == before

    @pytest.mark.parametrize("theme_id", [0, 2**31, 2**70])
    async def test_theme_id_out_of_range(self, client, factory: Factory, theme_id: int) -> None:
        admin = await factory.user(is_admin=True)
        response = await client.patch(
            f"/api/v1/themes/{theme_id}", json={"title": "x"}, headers=await factory.auth(admin)
        )
        assert_error(response, 404, "not_found")

    async def test_member_user_id_out_of_range(self, app, client, factory: Factory) -> None:
        admin = await factory.user(is_admin=True)
        dialogue = await factory.dialogue(owner=admin)
        headers = await factory.auth(admin)
        before = await snapshot(app)
        response = await client.put(
            f"/api/v1/dialogues/{dialogue.slug}/members/{2**40}",
            json={"role": "expert"},
            headers=headers,
        )
        assert_error(response, 404, "not_found")  # an id no row can have names nothing
        assert await snapshot(app) == before


class TestNullValues:
    """Leaving a field out keeps it; a null for a field that cannot be empty is bad input."""

    @pytest.mark.parametrize("field", ["display_name", "organization", "language", "timezone"])
    async def test_profile_nulls_change_nothing(
        self, app, client, factory: Factory, field: str
    ) -> None:
        user = await factory.user(organization="Council", timezone="Africa/Nairobi")
        headers = await factory.auth(user)
        response = await client.patch("/api/v1/me", json={field: None}, headers=headers)
        assert response.status_code == 200, response.text
        me = (await client.get("/api/v1/me", headers=headers)).json()
        assert (me["organization"], me["timezone"]) == ("Council", "Africa/Nairobi")

    @pytest.mark.parametrize("field", ["country", "quote_consent"])
    async def test_profile_nulls_clear_optional_fields(
        self, client, factory: Factory, field: str
    ) -> None:
        user = await factory.user(country="KE", quote_consent="named")
        headers = await factory.auth(user)
        response = await client.patch("/api/v1/me", json={field: None}, headers=headers)
        assert response.status_code == 200 and response.json()[field] is None

    async def test_member_trusted_null(self, app, client, factory: Factory) -> None:
        admin = await factory.user(is_admin=True)
        dialogue = await factory.dialogue(owner=admin)
        member = await factory.member(dialogue, Role.PARTICIPANT)
        headers = await factory.auth(admin)
        before = await snapshot(app)
        response = await client.put(
            f"/api/v1/dialogues/{dialogue.slug}/members/{member.id}",
            json={"trusted": None},
            headers=headers,
        )
        assert field_names(assert_error(response, 422, "invalid")) == {"trusted"}
        assert await snapshot(app) == before


class TestValuesTheDatabaseRefuses:
    """PostgreSQL text cannot hold NUL characters; such input is a 422 there, never a 500."""

    async def test_nul_in_a_slug(self, client, db_kind: str) -> None:
        response = await client.get("/api/v1/dialogues/a%00b")
        if db_kind == "postgresql":
            assert_error(response, 422, "invalid")
        else:
            assert_error(response, 404, "not_found")

    async def test_nul_in_a_login_email(self, app, client) -> None:
        """Refused before any query, so SQLite and PostgreSQL answer alike."""
        before = await snapshot(app)
        response = await client.post(LOGIN, json={"email": "a\u0000@x.org", "password": "pw"})
        assert_error(response, 422, "invalid")
        assert await snapshot(app) == before

    async def test_nul_in_profile_text(self, app, client, factory: Factory) -> None:
        user = await factory.user(organization="Council")
        headers = await factory.auth(user)
        response = await client.patch(
            "/api/v1/me", json={"organization": "a\u0000b"}, headers=headers
        )
        assert_error(response, 422, "invalid")
        stored = await user_by_email(app, user.email)
        assert stored is not None and stored.organization == "Council"

    async def test_the_page_form_answers_an_html_422(self, app, db_kind: str) -> None:
        async with browser(app) as web:
            token = csrf_from((await web.get("/login")).text)
            response = await web.post(
                "/login", data={"email": "a\u0000@x.org", "password": "pw", CSRF_FIELD: token}
            )
        assert response.status_code == (422 if db_kind == "postgresql" else 401)
        assert response.headers["content-type"].startswith("text/html")
