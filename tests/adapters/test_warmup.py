"""`dialogue serve` plans every route before it listens, so no visitor waits for that."""

from __future__ import annotations

import gc
from typing import Any

import fastapi.routing
import httpx
import pytest
import uvicorn

from dialogue import cli
from dialogue.adapters import warmup
from dialogue.adapters.warmup import WARM_UP_PATH, warm_up_routes
from dialogue.app import create_app
from dialogue.config import Settings


async def test_once_warmed_up_no_request_plans_a_route(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned: list[str] = []
    plan = fastapi.routing._populate_api_route_state

    def counting(*args: object, **kwargs: object) -> None:
        planned.append(str(args[1]))
        plan(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(fastapi.routing, "_populate_api_route_state", counting)
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
