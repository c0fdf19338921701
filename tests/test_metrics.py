"""`/metrics`: Prometheus' format, for the configured addresses or token only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from dialogue.app import create_app
from dialogue.config import Settings

pytestmark = pytest.mark.sqlite_only  # counts and a route; nothing database-specific


async def test_loopback_reads_the_gauges_and_request_latency_by_route(
    db_kind: str, client: httpx.AsyncClient
) -> None:
    assert (await client.get("/healthz")).status_code == 200
    answer = await client.get("/metrics")  # the test client's address is 127.0.0.1
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    body = answer.text
    assert "dialogue_open_websockets 0.0" in body
    assert "dialogue_moderation_queue 0.0" in body
    assert "dialogue_report_jobs_waiting 0.0" in body
    assert 'dialogue_request_seconds_count{method="GET",route="/healthz"} 1.0' in body


@pytest.fixture
async def closed_app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(
        settings.model_copy(update={"metrics_allow": (), "metrics_token": "scrape-me"})
    )
    async with application.router.lifespan_context(application):
        yield application


async def test_elsewhere_it_takes_the_token_and_says_nothing_without(
    db_kind: str, closed_app: FastAPI
) -> None:
    transport = httpx.ASGITransport(app=closed_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
        assert (await web.get("/metrics")).status_code == 404
        wrong = await web.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 404
        right = await web.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert right.status_code == 200 and "dialogue_open_websockets" in right.text
