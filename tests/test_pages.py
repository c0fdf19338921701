"""The server-rendered pages: home, sign-in, language, landmarks, local assets, error pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from dialogue.config import PROJECT_ROOT
from dialogue.csrf import CSRF_FIELD
from dialogue.policy import Role
from dialogue.state import app_state
from tests.conftest import error_of
from tests.factories import PASSWORD, Factory
from tests.helpers import browser, csrf_from, session_token


class Links(HTMLParser):
    """Every URL-bearing attribute of a page, and the order of its elements."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        for name, value in attrs:
            if name in ("src", "href", "action", "srcset", "poster", "data") and value:
                self.urls.append((tag, name, value))


def parse(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def lang_of(html: str) -> str:
    found = re.search(r'<html[^>]*\blang="([^"]+)"', html)
    assert found, "no lang on <html>"
    return found.group(1)


class TestHome:
    async def test_lists_public_dialogues_to_everyone(self, client, factory: Factory) -> None:
        await factory.dialogue(visibility="public", title="Open forum on care work")
        response = await client.get("/")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "Open forum on care work" in response.text

    async def test_hides_invite_dialogues_from_outsiders(
        self, app, client, factory: Factory
    ) -> None:
        secret = await factory.dialogue(visibility="invite", title="Closed circle of survivors")
        await factory.dialogue(visibility="public", title="Open forum")
        anonymous = await client.get("/")
        assert "Open forum" in anonymous.text
        assert "Closed circle of survivors" not in anonymous.text
        assert secret.slug not in anonymous.text
        outsider = await factory.user()
        async with browser(app) as web:
            web.cookies.set("dialogue_session", await session_token(app, outsider))
            page = await web.get("/")
        assert "Open forum" in page.text
        assert "Closed circle of survivors" not in page.text

    async def test_shows_invite_dialogues_to_members_and_admins(
        self, app, factory: Factory
    ) -> None:
        secret = await factory.dialogue(visibility="invite", title="Closed circle")
        member = await factory.member(secret, Role.EXPERT)
        admin = await factory.user(is_admin=True)
        for user in (member, admin):
            async with browser(app) as web:
                web.cookies.set("dialogue_session", await session_token(app, user))
                page = await web.get("/")
            assert "Closed circle" in page.text
            assert f'href="/d/{secret.slug}"' in page.text

    async def test_titles_are_escaped(self, client, factory: Factory) -> None:
        await factory.dialogue(visibility="public", title="<script>alert(1)</script>")
        page = await client.get("/")
        assert "<script>alert(1)</script>" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text

    async def test_an_empty_home_says_so(self, client) -> None:
        page = await client.get("/")
        assert page.status_code == 200
        assert 'href="/login"' in page.text


class TestLoginPage:
    async def test_the_form(self, client) -> None:
        page = await client.get("/login")
        assert page.status_code == 200
        form = re.search(r'<form method="post" action="/login"[^>]*>(.*?)</form>', page.text, re.S)
        assert form, page.text
        body = form.group(1)
        assert f'name="{CSRF_FIELD}"' in body and csrf_from(page.text)
        assert re.search(r'<label for="email">', body)
        assert re.search(
            r'<input id="email" name="email" type="email"[^>]*autocomplete="username"', body
        )
        assert re.search(r'<label for="password">', body)
        assert re.search(r'<input id="password" name="password" type="password"', body)

    async def test_next_is_kept_when_it_is_local(self, client) -> None:
        page = await client.get("/login", params={"next": "/d/forum"})
        assert 'name="next" value="/d/forum"' in page.text

    @pytest.mark.parametrize(
        "target", ["//evil.example", "https://evil.example/", "/\\evil.example", "javascript:x"]
    )
    async def test_next_never_leaves_the_site(self, client, target: str) -> None:
        page = await client.get("/login", params={"next": target})
        assert 'name="next" value="/"' in page.text

    async def test_a_failed_sign_in_keeps_the_email_escaped(self, app) -> None:
        async with browser(app) as web:
            token = csrf_from((await web.get("/login")).text)
            email = '"><script>x</script>@example.org'
            page = await web.post(
                "/login", data={"email": email, "password": "wrong", CSRF_FIELD: token}
            )
        assert page.status_code == 401
        assert 'role="alert"' in page.text
        assert "<script>x</script>" not in page.text
        assert "&#34;&gt;&lt;script&gt;" in page.text or "&quot;&gt;&lt;script&gt;" in page.text

    async def test_signing_in_goes_to_next(self, app, factory: Factory) -> None:
        user = await factory.user()
        async with browser(app) as web:
            token = csrf_from((await web.get("/login")).text)
            response = await web.post(
                "/login",
                data={
                    "email": user.email,
                    "password": PASSWORD,
                    "next": "/d/forum",
                    CSRF_FIELD: token,
                },
            )
            assert response.status_code == 303 and response.headers["location"] == "/d/forum"
            home = await web.get("/")
        assert user.display_name in home.text
        assert 'action="/logout"' in home.text


class TestLanguage:
    @pytest.mark.parametrize(
        ("accept", "lang"),
        [
            ("fr", "fr"),
            ("fr-FR,fr;q=0.9,en;q=0.8", "fr"),
            ("es", "es"),
            ("pt-BR", "pt"),
            ("de", "en"),
            ("de, fr;q=0.5", "fr"),
            ("en;q=0.2, es;q=0.9", "es"),
            ("", "en"),
        ],
    )
    async def test_html_lang_follows_accept_language(self, client, accept: str, lang: str) -> None:
        page = await client.get("/login", headers={"accept-language": accept})
        assert lang_of(page.text) == lang

    async def test_the_language_cookie_wins(self, app) -> None:
        async with browser(app) as web:
            web.cookies.set("dialogue_lang", "pt")
            page = await web.get("/", headers={"accept-language": "fr"})
        assert lang_of(page.text) == "pt"

    async def test_a_signed_in_users_language_wins(self, app, factory: Factory) -> None:
        user = await factory.user(language="es")
        async with browser(app) as web:
            web.cookies.set("dialogue_session", await session_token(app, user))
            page = await web.get("/", headers={"accept-language": "fr"})
        assert lang_of(page.text) == "es"

    async def test_one_request_does_not_leak_its_language(self, client) -> None:
        await client.get("/login", headers={"accept-language": "fr"})
        page = await client.get("/login")
        assert lang_of(page.text) == "en"

    async def test_error_pages_follow_it_too(self, client) -> None:
        page = await client.get("/missing", headers={"accept-language": "fr"})
        assert page.status_code == 404 and lang_of(page.text) == "fr"


class TestLandmarks:
    @pytest.mark.parametrize("path", ["/", "/login", "/missing"])
    async def test_skip_link_and_main(self, client, path: str) -> None:
        page = await client.get(path)
        links = parse(page.text)
        head = ("html", "head", "meta", "title", "link", "script")
        body_tags = [t for t in links.tags if t[0] not in head]
        first_tag, first_attrs = body_tags[1]  # right after <body>
        assert body_tags[0][0] == "body"
        assert first_tag == "a" and first_attrs.get("href") == "#main"
        assert body_tags[2][0] == "a" and body_tags[2][1].get("id") == "quick-exit"
        mains = [attrs for tag, attrs in links.tags if tag == "main"]
        assert len(mains) == 1 and mains[0].get("id") == "main"
        assert any(tag == "nav" and attrs.get("aria-label") for tag, attrs in links.tags)
        assert re.search(r"<title>[^<]+</title>", page.text)


EXTERNAL = re.compile(r"^\s*(https?:)?//", re.I)


class TestNoExternalUrls:
    @pytest.mark.parametrize("path", ["/", "/login", "/missing"])
    async def test_rendered_pages_load_nothing_from_elsewhere(
        self, client, factory: Factory, path: str
    ) -> None:
        await factory.dialogue(visibility="public", summary="See https://example.org for more.")
        page = await client.get(path)
        # The quick exit is the one way out on purpose: a link the reader follows, not a load.
        way_out = ("a", "href", app_state(factory.app).settings.quick_exit_url)
        external = [u for u in parse(page.text).urls if EXTERNAL.match(u[2]) and u != way_out]
        assert external == []

    def test_the_base_layout_has_no_absolute_urls(self) -> None:
        source = (PROJECT_ROOT / "templates" / "base.html").read_text(encoding="utf-8")
        assert "http://" not in source and "https://" not in source
        attributes = re.findall(r'\b(?:src|href|action)="([^"]*)"', source)
        assert attributes, "the layout links its stylesheet and pages"
        assert not [a for a in attributes if EXTERNAL.match(a)]

    def test_no_template_loads_a_script_or_style_from_elsewhere(self) -> None:
        offenders = []
        for path in (PROJECT_ROOT / "templates").rglob("*.html"):
            for value in re.findall(
                r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]*)"', path.read_text()
            ):
                if EXTERNAL.match(value):
                    offenders.append(f"{path.relative_to(PROJECT_ROOT)}: {value}")
        assert offenders == []


class TestErrorPages:
    async def test_404_is_an_html_page(self, client) -> None:
        response = await client.get("/no/such/page")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "<main" in response.text and "Not found." in response.text
        assert 'href="/"' in response.text

    async def test_404_as_json_when_asked(self, client) -> None:
        response = await client.get("/no/such/page", headers={"accept": "application/json"})
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"

    async def test_an_anonymous_logout_is_an_html_401(self, app) -> None:
        async with browser(app) as web:
            token = csrf_from((await web.get("/login")).text)
            response = await web.post("/logout", data={CSRF_FIELD: token})
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("text/html")
        assert "Please sign in." in response.text

    async def test_an_unknown_invitation_is_an_html_404(self, client) -> None:
        response = await client.get("/invitations/not-a-token")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "This invitation does not exist." in response.text
