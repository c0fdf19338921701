"""Logs and metrics name a request's route by its full template, prefixes included; and the
parts of FastAPI that this relies on (`dialogue.adapters.route_templates`)."""

from __future__ import annotations

from typing import Any

import fastapi.routing
import httpx
import pytest
from fastapi import APIRouter, FastAPI

from dialogue.adapters import route_templates
from dialogue.adapters.route_templates import route_template
from tests.adapters.contract import Contract

FASTAPI = Contract("fastapi", "dialogue.adapters.route_templates")
# Registered routes must live as long as the process (their ids key the map), as the site's do.
REGISTERED: list[Any] = []


async def seen_route(app: FastAPI, path: str) -> Any:
    """What the router put in the scope as the matched route, for a GET of `path`."""
    seen: dict[str, Any] = {}

    async def remember(scope: Any, receive: Any, send: Any) -> None:
        await app(scope, receive, send)
        seen["template"] = route_template(scope)
        seen["route"] = scope.get("route")

    transport = httpx.ASGITransport(app=remember)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await client.get(path)
    return seen


class TestWhatFastApiDoes:
    def test_it_still_offers_every_route_with_its_context(self) -> None:
        FASTAPI.attributes(fastapi.routing, "iter_route_contexts")
        FASTAPI.attributes(fastapi.routing.RouteContext, "original_route", "path_format")

    async def test_the_scope_holds_the_included_routers_own_route(self) -> None:
        inner = APIRouter()

        @inner.get("/items/{item_id}")
        async def item(item_id: int) -> dict[str, int]:
            return {"id": item_id}

        outer = APIRouter(prefix="/api/v1")
        outer.include_router(inner)
        app = FastAPI()
        app.router.routes.extend(outer.routes)
        seen = await seen_route(app, "/api/v1/items/5")
        # The reason for the adapter: without it, the prefix would be lost.
        FASTAPI.holds(seen["route"].path == "/items/{item_id}", "scope['route'] changed")
        assert seen["template"] == "/items/{item_id}"  # not registered: the route's own path
        REGISTERED.append(tuple(outer.routes))
        route_templates.register(REGISTERED[-1])
        assert (await seen_route(app, "/api/v1/items/5"))["template"] == "/api/v1/items/{item_id}"


@pytest.mark.sqlite_only
async def test_the_sites_routes_read_with_their_prefixes(db_kind: str, app: FastAPI) -> None:
    seen = await seen_route(app, "/api/v1/threads/12/posts")
    assert seen["template"] == "/api/v1/threads/{thread_id}/posts"
    assert (await seen_route(app, "/d/some-dialogue/report"))["template"] == "/d/{slug}/report"
    assert (await seen_route(app, "/no/such/page"))["template"] == "unmatched"
