"""`dialogue serve` plans every route before it listens, so no visitor waits for that; and the
lazy planning of FastAPI's that this relies on."""

from __future__ import annotations

import gc
import inspect
from typing import Any

import fastapi.routing
import httpx
import pytest
import uvicorn
from fastapi import APIRouter, FastAPI

from dialogue import cli
from dialogue.adapters import warmup
from dialogue.adapters.warmup import WARM_UP_PATH, warm_up_routes
from dialogue.app import create_app
from dialogue.config import Settings
from tests.adapters.contract import Contract

FASTAPI = Contract("fastapi", "dialogue.adapters.warmup")


def count_planning(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The path of every route FastAPI plans from now on, in order."""
    FASTAPI.attributes(fastapi.routing, "_populate_api_route_state")
    plan = fastapi.routing._populate_api_route_state
    FASTAPI.holds(
        list(inspect.signature(plan).parameters)[:3] == ["route", "path", "endpoint"],
        f"routes are planned by _populate_api_route_state{inspect.signature(plan)}",
    )
    planned: list[str] = []

    def counting(*args: object, **kwargs: object) -> None:
        planned.append(str(args[1]))
        plan(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fastapi.routing, "_populate_api_route_state", counting)
    return planned


async def test_once_warmed_up_no_request_plans_a_route(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned = count_planning(monkeypatch)
    app = create_app(settings)
    assert await warm_up_routes(app) == 404  # as `serve` does: before the app starts
    warmed = len(planned)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for path in ("/healthz", "/api/v1/dialogues", "/login", "/api/v1/threads/1/posts"):
                await client.get(path)
            assert (await client.get(WARM_UP_PATH)).status_code == 404
    assert planned[warmed:] == []


def test_serve_warms_up_before_freezing_and_listening(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []

    async def warm(app: Any) -> int:
        steps.append("warm up")
        return 404

    monkeypatch.setenv("DIALOGUE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DIALOGUE_ENVIRONMENT", "test")
    monkeypatch.setenv("DIALOGUE_SECRET_KEY", "test-secret")
    monkeypatch.setattr(warmup, "warm_up_routes", warm)
    monkeypatch.setattr(gc, "collect", lambda: 0)
    monkeypatch.setattr(gc, "freeze", lambda: steps.append("freeze"))
    monkeypatch.setattr(gc, "set_threshold", lambda *args: None)
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: steps.append("listen"))
    cli.serve(migrate=False)
    assert steps == ["warm up", "freeze", "listen"]


async def test_fastapi_plans_included_routes_on_the_first_request_that_tries_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What warm_up_routes relies on: planning is lazy, one unmatched request plans every
    included route, and the plans stay with the app, before its lifespan ever starts."""
    planned = count_planning(monkeypatch)
    router = APIRouter()

    @router.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @router.post("/items")
    async def add(name: str) -> dict[str, str]:
        return {"name": name}

    app = FastAPI()
    app.include_router(router, prefix="/api")
    at_start = list(planned)
    FASTAPI.holds(
        "/api/items/{item_id}" not in at_start,
        "include_router plans the included routes at once: warm_up_routes has nothing to"
        " do and can go",
    )
    assert await warm_up_routes(app) == 404
    FASTAPI.holds(
        sorted(planned[len(at_start) :]) == ["/api/items", "/api/items/{item_id}"],
        "a request for a path no route serves no longer plans every included route (it"
        f" planned {planned[len(at_start) :]})",
    )
    warmed = len(planned)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/api/items/3")).json() == {"id": 3}
        assert (await client.post("/api/items", params={"name": "a"})).status_code == 200
    FASTAPI.holds(
        planned[warmed:] == [],
        f"routes are planned again on later requests ({planned[warmed:]}): plans no longer"
        " stay with the app",
    )
