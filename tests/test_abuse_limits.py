"""Abuse limits per account and per address on every action anyone can repeat cheaply.

The settings set each limit low (two per account, three per address) and the tests go one
past it: under the limit the action works, past it the API answers 429 with `Retry-After`
and a page answers 429 with a readable message in the reader's language, never JSON.
Counting is the shared limiter's (`dialogue.ratelimit`); across instances through Redis it
is shown by tests/live/test_scale_out.py and tests/test_ratelimit.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from dialogue.access import SESSION_COOKIE
from dialogue.accounts.models import User
from dialogue.config import Settings
from dialogue.csrf import CSRF_FIELD
from dialogue.state import app_state
from tests.factories import Factory
from tests.helpers import assert_error, browser, invite, session_token
from tests.test_password_reset import reset_token
from tests.web import scenes
from tests.web.clients import page_csrf

pytestmark = pytest.mark.sqlite_only  # counting is the same whatever the database

API = "/api/v1"
PER_ACCOUNT = 2
PER_ADDRESS = 3
ACTIONS = (
    "password_forgot",
    "password_reset",
    "invitation_accept",
    "reactions",
    "flags",
    "concerns",
    "search",
)
STRONG = "a long and unusual passphrase"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    low: dict[str, int] = {}
    for action in ACTIONS:
        low |= {f"{action}_per_account": PER_ACCOUNT, f"{action}_per_address": PER_ADDRESS}
    return settings.model_copy(
        update=low | {"posts_per_minute": PER_ACCOUNT, "posts_per_minute_per_address": PER_ADDRESS}
    )


def assert_limited(response: httpx.Response, settings: Settings, action: str) -> None:
    assert_error(response, 429, "rate_limited")
    window = int(getattr(settings, f"{action}_window_seconds"))
    assert 1 <= int(response.headers["retry-after"]) <= window


def assert_limited_page(response: httpx.Response, *, french: str) -> None:
    """A page, not JSON: the message in the reader's language (French here)."""
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert int(response.headers["retry-after"]) >= 1
    assert french in response.text, response.text


_counter = iter(range(1, 250))


def fresh_address() -> str:
    """An address nothing has counted against yet, so only the account limit can trip."""
    return f"198.51.100.{next(_counter)}"


@asynccontextmanager
async def french_visitor(
    app: FastAPI, user: User | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(app, address="203.0.113.50", cookies={"dialogue_lang": "fr"}) as client:
        if user is not None:  # a signed-in person reads their profile's language
            async with app_state(app).database.session() as session:
                row = await session.get(User, user.id)
                assert row is not None
                row.language = "fr"
                await session.commit()
            client.cookies.set(SESSION_COOKIE, await session_token(app, user))
        yield client


async def post_form(client: httpx.AsyncClient, page: str, action: str, data: dict[str, str]):
    shown = await client.get(page)
    assert shown.status_code < 500, shown.text
    return await client.post(action, data={CSRF_FIELD: page_csrf(shown.text), **data})


class TestPasswordForgot:
    async def test_per_address_asked_about_known_or_not_alike(
        self, app: FastAPI, factory: Factory, settings: Settings
    ) -> None:
        user = await factory.user()
        refusals = []
        for email in (user.email, "nobody-here@example.org"):
            for _ in range(PER_ACCOUNT):
                async with browser(app, address=fresh_address()) as web:
                    sent = await web.post(f"{API}/auth/password/forgot", json={"email": email})
                    assert sent.status_code == 202, sent.text
            async with browser(app, address=fresh_address()) as web:
                refused = await web.post(
                    f"{API}/auth/password/forgot", json={"email": email.upper()}
                )
            assert_limited(refused, settings, "password_forgot")
            refusals.append(refused.json())
        # The refusal is the same for an address with an account and one without.
        assert refusals[0] == refusals[1]

    async def test_per_client_address(self, app: FastAPI, settings: Settings) -> None:
        async with browser(app, address="203.0.113.1") as web:
            for n in range(PER_ADDRESS):
                sent = await web.post(
                    f"{API}/auth/password/forgot", json={"email": f"someone{n}@example.org"}
                )
                assert sent.status_code == 202, sent.text
            refused = await web.post(
                f"{API}/auth/password/forgot", json={"email": "another@example.org"}
            )
            assert_limited(refused, settings, "password_forgot")
        async with browser(app, address="203.0.113.2") as other:
            sent = await other.post(
                f"{API}/auth/password/forgot", json={"email": "another@example.org"}
            )
            assert sent.status_code == 202

    async def test_the_page_says_so_in_the_readers_language(self, app: FastAPI) -> None:
        async with french_visitor(app) as web:
            for n in range(PER_ADDRESS):
                sent = await post_form(
                    web, "/password/forgot", "/password/forgot", {"email": f"p{n}@example.org"}
                )
                assert sent.status_code == 303, sent.text
            refused = await post_form(
                web, "/password/forgot", "/password/forgot", {"email": "last@example.org"}
            )
        assert_limited_page(refused, french="Trop de demandes de lien")
        assert 'role="alert"' in refused.text and 'value="last@example.org"' in refused.text


class TestPasswordReset:
    async def test_per_client_address(self, app: FastAPI, factory: Factory, settings) -> None:
        user = await factory.user()
        token = await reset_token(app, user)
        async with browser(app, address="203.0.113.3") as web:
            for n in range(PER_ADDRESS):
                guess = await web.post(
                    f"{API}/auth/password/reset", json={"token": f"guess-{n}", "password": STRONG}
                )
                assert_error(guess, 404, "reset_not_found")
            refused = await web.post(
                f"{API}/auth/password/reset", json={"token": token, "password": STRONG}
            )
            assert_limited(refused, settings, "password_reset")
        async with browser(app, address="203.0.113.4") as other:
            used = await other.post(
                f"{API}/auth/password/reset", json={"token": token, "password": STRONG}
            )
            assert used.status_code == 204, used.text

    async def test_per_account(self, app: FastAPI, factory: Factory, settings) -> None:
        token = await reset_token(app, await factory.user())
        for _ in range(PER_ACCOUNT):
            async with browser(app, address=fresh_address()) as web:
                weak = await web.post(
                    f"{API}/auth/password/reset", json={"token": token, "password": "password123"}
                )
                assert_error(weak, 422, "invalid")
        async with browser(app, address=fresh_address()) as web:
            refused = await web.post(
                f"{API}/auth/password/reset", json={"token": token, "password": STRONG}
            )
        assert_limited(refused, settings, "password_reset")

    async def test_the_page_says_so(self, app: FastAPI, factory: Factory) -> None:
        token = await reset_token(app, await factory.user())
        page = f"/password/reset/{token}"
        async with french_visitor(app) as web:
            for _ in range(PER_ACCOUNT):
                weak = await post_form(web, page, page, {"password": "short"})
                assert weak.status_code == 422
            refused = await post_form(web, page, page, {"password": STRONG})
        assert_limited_page(refused, french="Trop de tentatives de définir un mot de passe")


class TestInvitationAccept:
    async def test_per_client_address(self, app: FastAPI, factory: Factory, settings) -> None:
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="invitee@example.org")
        body = {"display_name": "Ines", "password": STRONG}
        async with browser(app, address="203.0.113.5") as web:
            for n in range(PER_ADDRESS):
                guess = await web.post(f"{API}/invitations/guess-{n}/accept", json=body)
                assert_error(guess, 404, "invitation_not_found")
            refused = await web.post(f"{API}/invitations/{token}/accept", json=body)
            assert_limited(refused, settings, "invitation_accept")
        async with browser(app, address="203.0.113.6") as other:
            accepted = await other.post(f"{API}/invitations/{token}/accept", json=body)
            assert accepted.status_code == 200, accepted.text

    async def test_per_invited_account(self, app: FastAPI, factory: Factory, settings) -> None:
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="invitee@example.org")
        for _ in range(PER_ACCOUNT):
            async with browser(app, address=fresh_address()) as web:
                weak = await web.post(
                    f"{API}/invitations/{token}/accept",
                    json={"display_name": "Ines", "password": "1234567890"},
                )
                assert_error(weak, 422, "invalid")
        async with browser(app, address=fresh_address()) as web:
            refused = await web.post(
                f"{API}/invitations/{token}/accept", json={"display_name": "I", "password": STRONG}
            )
        assert_limited(refused, settings, "invitation_accept")

    async def test_per_signed_in_account(self, app: FastAPI, factory: Factory, settings) -> None:
        member = await factory.user()
        headers = await factory.auth(member)
        tokens = [
            await invite(app, await factory.dialogue(), email=member.email)
            for _ in range(PER_ACCOUNT + 1)
        ]
        for token in tokens[:PER_ACCOUNT]:
            async with browser(app, address=fresh_address()) as web:
                joined = await web.post(f"{API}/invitations/{token}/accept", headers=headers)
                assert joined.status_code == 200, joined.text
        async with browser(app, address=fresh_address()) as web:
            refused = await web.post(f"{API}/invitations/{tokens[-1]}/accept", headers=headers)
        assert_limited(refused, settings, "invitation_accept")

    async def test_the_page_says_so(self, app: FastAPI, factory: Factory) -> None:
        dialogue = await factory.dialogue()
        token = await invite(app, dialogue, email="invitee@example.org")
        page = f"/invitations/{token}"
        async with french_visitor(app) as web:
            for _ in range(PER_ACCOUNT):
                weak = await post_form(web, page, page, {"display_name": "I", "password": "x"})
                assert weak.status_code == 422
            refused = await post_form(web, page, page, {"display_name": "I", "password": STRONG})
        assert_limited_page(refused, french="Trop de tentatives d’accepter une invitation")


async def posts_to_act_on(factory: Factory, n: int) -> tuple[scenes.Scene, list[int]]:
    s = await scenes.scene(factory)
    thread, first = await scenes.start_thread(factory.app, s.dialogue, s.theme, s.alice)
    more = await scenes.many_replies(factory.app, s.dialogue, s.theme, thread, s.alice, n - 1)
    return s, [first.id or 0, *more]


class TestPosting:
    async def test_per_account(self, app: FastAPI, factory: Factory, settings) -> None:
        s, (post, *_) = await posts_to_act_on(factory, 1)
        thread = (await scenes.post_row(app, post)).thread_id
        url, headers = f"{API}/threads/{thread}/posts", await factory.auth(s.bob)
        for n in range(PER_ACCOUNT):
            async with browser(app, address=fresh_address()) as web:
                ok = await web.post(url, json={"body": f"Reply {n}"}, headers=headers)
                assert ok.status_code == 201, ok.text
        async with browser(app, address=fresh_address()) as web:
            refused = await web.post(url, json={"body": "One more"}, headers=headers)
        assert_error(refused, 429, "rate_limited")
        assert 1 <= int(refused.headers["retry-after"]) <= 60

    async def test_per_client_address(self, app: FastAPI, factory: Factory, settings) -> None:
        """Several accounts from one address: the address's limit, not each account's."""
        s, (post, *_) = await posts_to_act_on(factory, 1)
        thread = (await scenes.post_row(app, post)).thread_id
        url = f"{API}/threads/{thread}/posts"
        bob, alice = await factory.auth(s.bob), await factory.auth(s.alice)
        organizer = await factory.auth(s.organizer)
        async with browser(app, address="203.0.113.9") as web:
            for n, headers in enumerate((bob, alice, bob)):
                ok = await web.post(url, json={"body": f"Reply {n}"}, headers=headers)
                assert ok.status_code == 201, ok.text
            refused = await web.post(url, json={"body": "One more"}, headers=organizer)
            assert_error(refused, 429, "rate_limited")
        async with browser(app, address=fresh_address()) as web:
            elsewhere = await web.post(url, json={"body": "From elsewhere"}, headers=alice)
            assert elsewhere.status_code == 201, elsewhere.text  # alice herself is under hers

    async def test_the_page_says_so(self, app: FastAPI, factory: Factory) -> None:
        s, (post, *_) = await posts_to_act_on(factory, 1)
        thread = (await scenes.post_row(app, post)).thread_id
        thread_page = f"/d/{s.dialogue.slug}/threads/{thread}"
        action = f"{thread_page}/posts"
        async with french_visitor(app, s.bob) as web:
            for n in range(PER_ACCOUNT):
                ok = await post_form(web, thread_page, action, {"body": f"Reply {n}"})
                assert ok.status_code == 303, ok.text
            refused = await post_form(web, thread_page, action, {"body": "One more"})
        assert refused.status_code == 429, refused.text
        assert "trop vite" in refused.text


class TestReactions:
    async def test_per_account(self, app: FastAPI, factory: Factory, settings) -> None:
        s, (post, *_) = await posts_to_act_on(factory, 1)
        headers = await factory.auth(s.bob)
        url = f"{API}/posts/{post}/reaction"
        for kind in ("agree", "pass")[:PER_ACCOUNT]:
            async with browser(app, address=fresh_address()) as web:
                ok = await web.put(url, json={"kind": kind}, headers=headers)
                assert ok.status_code == 200, ok.text
        async with browser(app, address=fresh_address()) as web:
            refused = await web.put(url, json={"kind": "disagree"}, headers=headers)
        assert_limited(refused, settings, "reactions")
        async with browser(app, address=fresh_address()) as web:
            other = await web.put(url, json={"kind": "agree"}, headers=await factory.auth(s.alice))
            assert other.status_code == 200, other.text  # another account is not refused

    async def test_per_client_address(self, app: FastAPI, factory: Factory, settings) -> None:
        s, (post, *_) = await posts_to_act_on(factory, 1)
        url = f"{API}/posts/{post}/reaction"
        bob, alice = await factory.auth(s.bob), await factory.auth(s.alice)
        async with browser(app, address="203.0.113.7") as web:
            for headers in (bob, alice, bob):
                ok = await web.put(url, json={"kind": "agree"}, headers=headers)
                assert ok.status_code == 200, ok.text
            refused = await web.put(url, json={"kind": "pass"}, headers=alice)
            assert_limited(refused, settings, "reactions")

    async def test_the_page_says_so(self, app: FastAPI, factory: Factory) -> None:
        s, (post, *_) = await posts_to_act_on(factory, 1)
        thread_page = f"/d/{s.dialogue.slug}/threads/{(await scenes.post_row(app, post)).thread_id}"
        action = f"/d/{s.dialogue.slug}/posts/{post}/reaction"
        async with french_visitor(app, s.bob) as web:
            for _ in range(PER_ACCOUNT):
                ok = await post_form(web, thread_page, action, {"kind": "agree"})
                assert ok.status_code == 303, ok.text
            refused = await post_form(web, thread_page, action, {"kind": "pass"})
        assert_limited_page(refused, french="Vous réagissez trop vite")


class TestFlags:
    async def test_per_account(self, app: FastAPI, factory: Factory, settings) -> None:
        s, posts = await posts_to_act_on(factory, PER_ACCOUNT + 1)
        headers = await factory.auth(s.bob)
        for post in posts[:PER_ACCOUNT]:
            async with browser(app, address=fresh_address()) as web:
                made = await web.post(
                    f"{API}/posts/{post}/flags", json={"reason": "other"}, headers=headers
                )
                assert made.status_code == 201, made.text
        async with browser(app, address=fresh_address()) as web:
            refused = await web.post(
                f"{API}/posts/{posts[-1]}/flags", json={"reason": "other"}, headers=headers
            )
        assert_limited(refused, settings, "flags")

    async def test_per_client_address(self, app: FastAPI, factory: Factory, settings) -> None:
        s, posts = await posts_to_act_on(factory, 2)
        bob, organizer = await factory.auth(s.bob), await factory.auth(s.organizer)
        async with browser(app, address="203.0.113.8") as web:
            for post, headers in ((posts[0], bob), (posts[1], bob), (posts[0], organizer)):
                made = await web.post(
                    f"{API}/posts/{post}/flags", json={"reason": "other"}, headers=headers
                )
                assert made.status_code == 201, made.text
            refused = await web.post(
                f"{API}/posts/{posts[1]}/flags", json={"reason": "other"}, headers=organizer
            )
            assert_limited(refused, settings, "flags")  # the organizer's first there

    async def test_the_page_says_so(self, app: FastAPI, factory: Factory) -> None:
        s, posts = await posts_to_act_on(factory, PER_ACCOUNT + 1)
        thread_id = (await scenes.post_row(app, posts[0])).thread_id
        page = f"/d/{s.dialogue.slug}/threads/{thread_id}"
        async with french_visitor(app, s.bob) as web:
            for post in posts[:PER_ACCOUNT]:
                action = f"/d/{s.dialogue.slug}/posts/{post}/flag"
                made = await post_form(web, page, action, {"reason": "other"})
                assert made.status_code == 303, made.text
            action = f"/d/{s.dialogue.slug}/posts/{posts[-1]}/flag"
            refused = await post_form(web, page, action, {"reason": "other"})
        assert_limited_page(refused, french="Vous avez signalé de nombreux messages")


class TestConcerns:
    async def test_per_account(self, app: FastAPI, factory: Factory, settings) -> None:
        s = await scenes.scene(factory)
        headers = await factory.auth(s.bob)
        url = f"{API}/dialogues/{s.dialogue.slug}/concerns"
        for n in range(PER_ACCOUNT):
            async with browser(app, address=fresh_address()) as web:
                made = await web.post(url, json={"body": f"concern {n}"}, headers=headers)
                assert made.status_code == 201, made.text
        async with browser(app, address=fresh_address()) as web:
            refused = await web.post(url, json={"body": "one more"}, headers=headers)
        assert_limited(refused, settings, "concerns")

    async def test_per_client_address(self, app: FastAPI, factory: Factory, settings) -> None:
        s = await scenes.scene(factory)
        url = f"{API}/dialogues/{s.dialogue.slug}/concerns"
        bob, alice = await factory.auth(s.bob), await factory.auth(s.alice)
        async with browser(app, address="203.0.113.9") as web:
            for headers in (bob, alice, bob):
                made = await web.post(url, json={"body": "a concern"}, headers=headers)
                assert made.status_code == 201, made.text
            refused = await web.post(url, json={"body": "a concern"}, headers=alice)
            assert_limited(refused, settings, "concerns")

    async def test_the_page_says_so(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        page = f"/d/{s.dialogue.slug}/concerns"
        async with french_visitor(app, s.bob) as web:
            for n in range(PER_ACCOUNT):
                made = await post_form(web, page, page, {"body": f"concern {n}"})
                assert made.status_code == 303, made.text
            refused = await post_form(web, page, page, {"body": "one more"})
        assert_limited_page(refused, french="Vous avez soulevé de nombreuses préoccupations")


class TestSearch:
    async def test_per_account(self, app: FastAPI, factory: Factory, settings) -> None:
        s = await scenes.scene(factory)
        headers = await factory.auth(s.bob)
        url = f"{API}/dialogues/{s.dialogue.slug}/search"
        for _ in range(PER_ACCOUNT):
            async with browser(app, address=fresh_address()) as web:
                found = await web.get(url, params={"q": "accountability"}, headers=headers)
                assert found.status_code == 200, found.text
        async with browser(app, address=fresh_address()) as web:
            refused = await web.get(url, params={"q": "accountability"}, headers=headers)
        assert_limited(refused, settings, "search")

    async def test_anonymous_readers_per_address(self, app: FastAPI, factory: Factory, settings):
        s = await scenes.scene(factory)  # public: anyone may read and search
        url = f"{API}/dialogues/{s.dialogue.slug}/search"
        async with browser(app, address="203.0.113.10") as web:
            for _ in range(PER_ADDRESS):
                assert (await web.get(url, params={"q": "who"})).status_code == 200
            assert_limited(await web.get(url, params={"q": "who"}), settings, "search")
        async with browser(app, address="203.0.113.11") as other:
            assert (await other.get(url, params={"q": "who"})).status_code == 200

    async def test_the_page_says_so(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        page = f"/d/{s.dialogue.slug}/search"
        async with french_visitor(app, s.bob) as web:
            for _ in range(PER_ACCOUNT):
                assert (await web.get(page, params={"q": "who"})).status_code == 200
            refused = await web.get(page, params={"q": "who"})
        assert_limited_page(refused, french="Trop de recherches")
