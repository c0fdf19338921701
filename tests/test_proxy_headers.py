"""Behind a reverse proxy: the forwarded client address and scheme, believed only from a
trusted proxy, with a real uvicorn run the way `dialogue serve` runs it (`dialogue.serving`).

What is believed matters twice: the per-address limits count the client's address, and
cookies are `Secure` when the client reached the proxy over HTTPS. The test client connects
from 127.0.0.1, so it is the proxy when 127.0.0.1 is trusted and a stranger otherwise.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from http.cookies import SimpleCookie

import httpx
import pytest

from dialogue.access import SESSION_COOKIE
from dialogue.config import Settings
from dialogue.csrf import CSRF_COOKIE, CSRF_FIELD
from tests.factories import PASSWORD, Factory
from tests.servers import ThreadServer

pytestmark = pytest.mark.sqlite_only  # what uvicorn believes does not depend on the database

PER_ADDRESS = 2
TRUSTED = "127.0.0.1"
SOMEONE_ELSE = "192.0.2.1"  # a proxy elsewhere: the test client is not it


def serve(settings: Settings, forwarded_allow_ips: str) -> ThreadServer:
    return ThreadServer(
        settings.model_copy(
            update={
                "forwarded_allow_ips": forwarded_allow_ips,
                "password_forgot_per_address": PER_ADDRESS,
            }
        )
    ).start()


@pytest.fixture
def behind_proxy(settings: Settings) -> Iterator[ThreadServer]:
    server = serve(settings, TRUSTED)
    yield server
    server.stop()


@pytest.fixture
def not_behind_proxy(settings: Settings) -> Iterator[ThreadServer]:
    server = serve(settings, SOMEONE_ELSE)
    yield server
    server.stop()


_asked = itertools.count()


async def ask_for_link(server: ThreadServer, forwarded_for: str) -> int:
    """For a new e-mail address each time, so only the limit per client address can trip."""
    async with httpx.AsyncClient(base_url=server.url) as http:
        answer = await http.post(
            "/api/v1/auth/password/forgot",
            json={"email": f"someone{next(_asked)}@example.org"},
            headers={"X-Forwarded-For": forwarded_for},
        )
    return answer.status_code


def set_cookies(response: httpx.Response) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return jar


async def sign_in_over_https(server: ThreadServer, email: str) -> tuple[SimpleCookie, ...]:
    """The form's GET and POST as a browser behind an HTTPS proxy makes them."""
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.30"}
    async with httpx.AsyncClient(base_url=server.url) as http:
        page = await http.get("/login", headers=https)
        first = set_cookies(page)
        csrf = first[CSRF_COOKIE].value
        signed_in = await http.post(
            "/login",
            data={"email": email, "password": PASSWORD, CSRF_FIELD: csrf},
            headers={**https, "Cookie": f"{CSRF_COOKIE}={csrf}"},
        )
        assert signed_in.status_code == 303, signed_in.text
    return first, set_cookies(signed_in)


class TestClientAddress:
    async def test_from_a_trusted_proxy_the_forwarded_address_is_counted(
        self, behind_proxy: ThreadServer
    ) -> None:
        for _ in range(PER_ADDRESS):
            assert await ask_for_link(behind_proxy, "203.0.113.20") == 202
        assert await ask_for_link(behind_proxy, "203.0.113.20") == 429
        # Another visitor behind the same proxy has a limit of their own...
        assert await ask_for_link(behind_proxy, "203.0.113.21") == 202
        # ...and a visitor cannot pass for another by sending the header themselves: the
        # proxy appends the address it saw, and that one counts.
        assert await ask_for_link(behind_proxy, "198.51.100.99, 203.0.113.20") == 429

    async def test_from_anyone_else_the_header_is_ignored(
        self, not_behind_proxy: ThreadServer
    ) -> None:
        for n in range(PER_ADDRESS):
            assert await ask_for_link(not_behind_proxy, f"203.0.113.{40 + n}") == 202
        # A new forwarded address each time changes nothing: the peer's address counts.
        assert await ask_for_link(not_behind_proxy, "203.0.113.49") == 429


class TestSecureCookies:
    async def test_behind_an_https_proxy_the_cookies_are_secure(
        self, factory: Factory, behind_proxy: ThreadServer
    ) -> None:
        user = await factory.user()
        page, signed_in = await sign_in_over_https(behind_proxy, user.email)
        assert page[CSRF_COOKIE]["secure"]
        session = signed_in[SESSION_COOKIE]
        assert session["secure"] and session["httponly"]
        assert session["samesite"].lower() == "lax"

    async def test_a_claim_of_https_from_an_untrusted_peer_is_not_believed(
        self, factory: Factory, not_behind_proxy: ThreadServer
    ) -> None:
        user = await factory.user()
        page, signed_in = await sign_in_over_https(not_behind_proxy, user.email)
        assert not page[CSRF_COOKIE]["secure"]
        assert not signed_in[SESSION_COOKIE]["secure"]  # DIALOGUE_COOKIE_SECURE is off here
