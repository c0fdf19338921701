"""The app plans every route while it starts, so no visitor waits for that."""

from __future__ import annotations

import fastapi.routing
import httpx
import pytest

from dialogue.app import create_app
from dialogue.config import Settings
from dialogue.warmup import WARM_UP_PATH, warm_up_routes


async def test_after_start_no_request_plans_a_route(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned: list[str] = []
    plan = fastapi.routing._populate_api_route_state

    def counting(*args: object, **kwargs: object) -> None:
        planned.append(str(args[1]))
        plan(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fastapi.routing, "_populate_api_route_state", counting)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        at_start = len(planned)
        assert at_start > 50  # the lifespan planned them (the API alone has ~100 routes)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for path in ("/healthz", "/api/v1/dialogues", "/login", "/api/v1/threads/1/posts"):
                await client.get(path)
        assert planned[at_start:] == []


async def test_the_warm_up_path_serves_nothing(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert await warm_up_routes(app) == 404
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.get(WARM_UP_PATH)).status_code == 404
