"""Every route declares its policy: a route without a `PolicyCheck` in its dependencies fails here.

The check is structural (it reads each route's dependency tree), so a route added tomorrow
is covered the day it is added. `PolicyCheck` also performs the CSRF check, which the last
tests confirm by sending every unsafe route a request that lacks the token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute
from starlette.routing import Mount, Route

from dialogue import access
from dialogue.access import SESSION_COOKIE, Access, PolicyCheck, allow
from dialogue.app import create_app
from dialogue.config import Settings
from dialogue.policy import Action
from tests.factories import Factory
from tests.helpers import assert_error, browser, session_token

# The only routes allowed to have no policy, each for a stated reason.
EXEMPT_MOUNTS = {"/static"}  # files on disk, the same for everyone
EXEMPT_FRAMEWORK_ROUTES = {
    "/api/v1/openapi.json",  # FastAPI's schema of the public API
    "/api/docs",  # FastAPI's Swagger page for that schema
    "/docs/oauth2-redirect",  # FastAPI's Swagger OAuth helper page
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _socket_checks() -> tuple[type, ...]:
    """The websocket form of the policy check, where the live domain defines one."""
    socket_check = getattr(access, "SocketPolicyCheck", None)
    return (PolicyCheck, socket_check) if isinstance(socket_check, type) else (PolicyCheck,)


@dataclass(frozen=True)
class RouteInfo:
    kind: str  # "http", "websocket", "mount", "framework"
    path: str
    methods: frozenset[str]
    name: str
    dependant: Any
    endpoint: Any = None

    def __str__(self) -> str:
        methods = ",".join(sorted(self.methods)) or "WS"
        return f"{methods} {self.path} ({self.name})"


def routes_of(app: FastAPI) -> list[RouteInfo]:
    """Every route the app serves, flattened through included routers.

    Newer FastAPI keeps included routers as nodes of `app.routes` and resolves them through
    `iter_route_contexts`; older releases copy every route into `app.routes` directly.
    """
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI
        items: list[Any] = list(app.routes)
    else:
        items = list(iter_route_contexts(app.routes))
    found = []
    for item in items:
        original = getattr(item, "original_route", item)
        path = str(getattr(item, "path", None) or getattr(original, "path", ""))
        name = str(getattr(item, "name", None) or getattr(original, "name", ""))
        methods = frozenset(getattr(item, "methods", None) or ())
        dependant = getattr(item, "dependant", None)
        if isinstance(original, APIRoute):
            kind = "http"
        elif isinstance(original, APIWebSocketRoute):
            kind = "websocket"
        elif isinstance(original, Mount):
            kind = "mount"
        elif isinstance(original, Route):
            kind = "framework"
        else:
            kind = type(original).__name__
        endpoint = getattr(item, "endpoint", None) or getattr(original, "endpoint", None)
        found.append(RouteInfo(kind, path, methods, name, dependant, endpoint))
    return found


def policy_checks(dependant: Any, *, websocket: bool = False) -> Iterator[Any]:
    """Every dependency callable in the tree that is a policy check.

    HTTP routes need `PolicyCheck` itself; a websocket route may use the socket form of it.
    """
    accepted = _socket_checks() if websocket else (PolicyCheck,)
    stack = [dependant] if dependant is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node.call, accepted):
            yield node.call
        stack.extend(node.dependencies)


def undeclared_routes(app: FastAPI) -> list[str]:
    """Each route that serves requests without a declared policy, named for the failure message."""
    problems = []
    for route in routes_of(app):
        if route.kind == "mount" and route.path in EXEMPT_MOUNTS:
            continue
        if route.kind == "framework" and route.path in EXEMPT_FRAMEWORK_ROUTES:
            continue
        if route.kind not in ("http", "websocket"):
            problems.append(f"{route}: a {route.kind} route the policy test cannot inspect")
            continue
        checks = list(policy_checks(route.dependant, websocket=route.kind == "websocket"))
        if not checks:
            problems.append(f"{route}: no PolicyCheck in its dependencies (use allow(Action.X))")
        elif len({c.action for c in checks}) > 1:
            actions = sorted(str(c.action) for c in checks)
            problems.append(f"{route}: several policies {actions}")
    return problems


@pytest.fixture(scope="module")
def full_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """The real app, built but not started: the routes are all there before the lifespan."""
    path = tmp_path_factory.mktemp("routes") / "unused.db"
    return create_app(Settings(environment="test", database_url=f"sqlite:///{path}"))


class TestEveryRouteDeclaresItsPolicy:
    def test_no_route_is_undeclared(self, full_app: FastAPI) -> None:
        problems = undeclared_routes(full_app)
        assert not problems, "routes without a policy:\n  " + "\n  ".join(problems)

    def test_the_walk_sees_the_known_routes(self, full_app: FastAPI) -> None:
        seen = {(m, r.path) for r in routes_of(full_app) for m in r.methods}
        expected = {
            ("POST", "/api/v1/auth/login"),
            ("GET", "/api/v1/me"),
            ("PATCH", "/api/v1/dialogues/{slug}"),
            ("PATCH", "/api/v1/themes/{theme_id}"),
            ("GET", "/healthz"),
            ("GET", "/"),
            ("POST", "/login"),
            ("POST", "/invitations/{token}"),
        }
        assert expected <= seen, expected - seen

    def test_every_exemption_still_exists(self, full_app: FastAPI) -> None:
        routes = routes_of(full_app)
        mounts = {r.path for r in routes if r.kind == "mount"}
        framework = {r.path for r in routes if r.kind == "framework"}
        assert mounts >= EXEMPT_MOUNTS
        assert framework >= EXEMPT_FRAMEWORK_ROUTES, "stale exemption: remove it from the list"

    def test_exempt_paths_are_not_api_routes(self, full_app: FastAPI) -> None:
        """An exemption covers FastAPI's own page, never an app route at the same path."""
        for route in routes_of(full_app):
            if route.path in EXEMPT_FRAMEWORK_ROUTES | EXEMPT_MOUNTS:
                assert route.kind in ("framework", "mount"), route

    def test_every_html_post_route_is_covered(self, full_app: FastAPI) -> None:
        html_posts = [
            r
            for r in routes_of(full_app)
            if r.kind == "http" and "POST" in r.methods and not r.path.startswith("/api/")
        ]
        assert {r.path for r in html_posts} >= {"/login", "/logout", "/invitations/{token}"}
        uncovered = [str(r) for r in html_posts if not any(policy_checks(r.dependant))]
        assert not uncovered, f"HTML forms without PolicyCheck (no CSRF check): {uncovered}"

    def test_the_policy_actions_are_known(self, full_app: FastAPI) -> None:
        for route in routes_of(full_app):
            for check in policy_checks(route.dependant, websocket=route.kind == "websocket"):
                assert isinstance(check.action, Action), route


def _tiny_app() -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/declared")
    async def declared(_access: Annotated[Access, allow(Action.PUBLIC)]) -> dict[str, str]:
        return {}

    @app.get("/undeclared")
    async def undeclared() -> dict[str, str]:
        return {}

    async def helper() -> int:
        return 1

    @app.post("/helper-only")
    async def helper_only(_value: Annotated[int, Depends(helper)]) -> dict[str, str]:
        return {}

    nested = APIRouter()

    @nested.get("/deep")
    async def deep() -> dict[str, str]:
        return {}

    guarded = APIRouter()

    @guarded.get("/guarded")
    async def guarded_route() -> dict[str, str]:
        return {}

    outer = APIRouter(prefix="/outer")
    outer.include_router(nested, prefix="/nested")
    app.include_router(outer)
    app.include_router(guarded, dependencies=[allow(Action.SIGNED_IN)])

    async def websocket_endpoint(websocket: Any) -> None:
        return None

    app.add_api_websocket_route("/ws/open", websocket_endpoint)
    return app


class TestTheWalkerDetectsOmissions:
    def test_it_names_each_undeclared_route(self) -> None:
        problems = undeclared_routes(_tiny_app())
        named = {re.sub(r" \(.*", "", p) for p in problems}
        assert named == {
            "GET /undeclared",
            "POST /helper-only",
            "GET /outer/nested/deep",
            "WS /ws/open",
        }, problems
        assert all("no PolicyCheck" in p for p in problems)

    def test_a_router_level_policy_counts(self) -> None:
        paths = [p for p in undeclared_routes(_tiny_app()) if "/guarded" in p]
        assert paths == []

    def test_an_unknown_route_kind_is_reported(self) -> None:
        app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
        app.add_route("/raw", lambda request: None)
        problems = undeclared_routes(app)
        assert len(problems) == 1 and "/raw" in problems[0]

    def test_an_exempt_path_served_by_an_api_route_is_not_exempt(self) -> None:
        app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

        @app.get("/api/docs")
        async def sneaky() -> dict[str, str]:
            return {}

        assert [p.split(" (")[0] for p in undeclared_routes(app)] == ["GET /api/docs"]


def _fill(path: str) -> str:
    """A concrete URL for a route path; any value will do, the CSRF check comes first."""
    return re.sub(
        r"\{([^}:]+)(:[^}]*)?\}", lambda m: "x" if m.group(1) in ("slug", "token") else "1", path
    )


# POSTs a mail client sends without our cookies (RFC 8058 one-click unsubscribe): their
# path's signature stands in for the CSRF token.
SIGNED_LINK_ROUTES = {("POST", "/mail/unsubscribe/{token}")}


def _signed(route: RouteInfo) -> bool:
    return bool(getattr(route.endpoint, access.SIGNED_LINK, False))


def _unsafe_routes(app: FastAPI, *, api: bool) -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in routes_of(app)
        if route.kind == "http" and route.path.startswith("/api/") == api and not _signed(route)
        for method in route.methods & UNSAFE
    )


class TestSignedLinks:
    def test_only_the_listed_routes_skip_the_csrf_check(self, full_app: FastAPI) -> None:
        signed = {
            (method, route.path)
            for route in routes_of(full_app)
            if route.kind == "http" and _signed(route)
            for method in route.methods
        }
        assert signed == SIGNED_LINK_ROUTES

    async def test_a_forged_signature_is_refused(self, app, client) -> None:
        response = await client.post(
            "/mail/unsubscribe/eC5vcmc.AAAA",
            data={"List-Unsubscribe": "One-Click"},
            headers={"accept": "application/json"},
        )
        assert response.status_code == 404


class TestPolicyCheckEnforcesCsrf:
    async def test_every_html_form_refuses_a_post_without_the_token(self, app, client) -> None:
        routes = _unsafe_routes(app, api=False)
        assert ("POST", "/login") in routes
        failures = []
        for method, path in routes:
            response = await client.request(
                method,
                _fill(path),
                data={"anything": "1"},
                headers={"accept": "application/json"},
            )
            if response.status_code != 403 or response.json()["error"]["code"] != "csrf_failed":
                failures.append(f"{method} {path}: {response.status_code} {response.text[:120]}")
        assert not failures, "forms that skipped the CSRF check:\n  " + "\n  ".join(failures)

    async def test_every_unsafe_api_route_refuses_a_cookie_without_the_header(
        self, app, factory: Factory
    ) -> None:
        user = await factory.user(is_admin=True)
        raw = await session_token(app, user)
        routes = _unsafe_routes(app, api=True)
        assert ("PATCH", "/api/v1/me") in routes
        failures = []
        async with browser(app) as web:
            web.cookies.set(SESSION_COOKIE, raw)
            for method, path in routes:
                response = await web.request(method, _fill(path), json={})
                if response.status_code != 403 or response.json()["error"]["code"] != "csrf_failed":
                    failures.append(
                        f"{method} {path}: {response.status_code} {response.text[:120]}"
                    )
            # The session itself is still good: only the unsafe requests were refused.
            assert (await web.get("/api/v1/me")).status_code == 200
        assert not failures, "API routes that skipped the CSRF check:\n  " + "\n  ".join(failures)

    async def test_the_refusal_has_the_contract_shape(self, client) -> None:
        response = await client.post(
            "/logout", data={"x": "1"}, headers={"accept": "application/json"}
        )
        assert_error(response, 403, "csrf_failed")
