"""Logs: one JSON line per request and per websocket session, with its request id, naming the
route's template (never a token in the path, a query string or who asked)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from websockets.asyncio.client import connect

from dialogue.config import Settings
from dialogue.logs import JsonFormatter, RequestIdFilter, TextFormatter, logging_config
from tests.factories import Factory
from tests.servers import ProcessServer
from tests.web import scenes

pytestmark = pytest.mark.sqlite_only  # what is logged does not depend on the database

ACCESS_KEYS = {"time", "level", "logger", "message", "request_id"}
REQUEST_KEYS = ACCESS_KEYS | {"method", "route", "status", "duration_ms"}
SOCKET_KEYS = ACCESS_KEYS | {
    "route",
    "dialogue_id",
    "outcome",
    "close_code",
    "duration_ms",
    "frames_in",
    "frames_out",
}
TOKEN = "Zm9vYmFyLXNlY3JldC10b2tlbg"


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line the server wrote must be one JSON object."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def access_lines(lines: list[dict[str, Any]], request_id: str) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("request_id") == request_id]


def wait_for_lines(server: ProcessServer, request_id: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while True:
        lines = json_lines(server.log_text())
        if len(access_lines(lines, request_id)) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


@pytest.fixture
def serving(settings: Settings) -> Iterator[ProcessServer]:
    """`dialogue serve` as operators run it, logging JSON."""
    server = ProcessServer(
        {
            "DIALOGUE_DATABASE_URL": settings.database_url,
            "DIALOGUE_SECRET_KEY": settings.secret_key,
            "DIALOGUE_LOG_FORMAT": "json",
        }
    ).start(timeout=60)
    yield server
    server.stop()


async def test_dialogue_serve_logs_one_json_line_per_request_and_socket(
    db_kind: str, factory: Factory, serving: ProcessServer
) -> None:
    s = await scenes.scene(factory)
    thread, _first = await scenes.start_thread(factory.app, s.dialogue, s.theme, s.alice)
    token = await factory.token(s.alice)
    bearer = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=serving.url) as http:
        kept = await http.get("/healthz", headers={"X-Request-ID": "lb-7f3a9c2e-0001"})
        assert kept.headers["x-request-id"] == "lb-7f3a9c2e-0001"
        replaced = await http.get("/healthz", headers={"X-Request-ID": "two words"})
        made = replaced.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", made)
        unsubscribe = await http.get(
            f"/mail/unsubscribe/{TOKEN}?kind=digest", headers={"X-Request-ID": "unsub-000001"}
        )
        anonymous = await http.post(
            f"/api/v1/threads/{thread.id}/posts",
            json={"body": "Said without my name", "anonymous": True},
            headers={**bearer, "X-Request-ID": "anon-post-0001"},
        )
        assert anonymous.status_code == 201, anonymous.text
    socket_url = f"{serving.ws_url}/ws/dialogues/{s.dialogue.slug}"
    async with connect(
        socket_url,
        additional_headers={**bearer, "X-Request-ID": "socket-000001"},
        compression=None,
    ) as ws:
        assert ws.response.headers["x-request-id"] == "socket-000001"
        assert json.loads(await ws.recv())["type"] == "hello"
        await ws.send(json.dumps({"type": "ping"}))
        while json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] != "pong":
            pass
        await ws.close(1000)

    lines = wait_for_lines(serving, "socket-000001", 1)
    [health] = access_lines(lines, "lb-7f3a9c2e-0001")  # exactly one line per request
    assert set(health) == REQUEST_KEYS
    assert (health["logger"], health["message"], health["method"]) == (
        "dialogue.access",
        "request",
        "GET",
    )
    assert (health["route"], health["status"]) == ("/healthz", 200)
    assert isinstance(health["duration_ms"], float) and health["duration_ms"] >= 0
    assert len(access_lines(lines, made)) == 1

    [unsub] = access_lines(lines, "unsub-000001")
    assert (
        unsub["route"] == "/mail/unsubscribe/{token}" and unsub["status"] == unsubscribe.status_code
    )
    [post] = access_lines(lines, "anon-post-0001")
    assert set(post) == REQUEST_KEYS  # nothing that says who posted
    assert (post["route"], post["status"]) == ("/api/v1/threads/{thread_id}/posts", 201)

    [socket] = access_lines(lines, "socket-000001")
    assert set(socket) == SOCKET_KEYS
    assert (socket["message"], socket["route"]) == ("websocket", "/ws/dialogues/{slug}")
    assert socket["dialogue_id"] == s.dialogue.id
    assert (socket["outcome"], socket["close_code"]) == ("client_closed", 1000)
    assert socket["frames_in"] == 1 and socket["frames_out"] >= 2  # hello and pong at least

    raw = serving.log_text()
    assert TOKEN not in raw and "kind=digest" not in raw and token not in raw
    assert "Said without my name" not in raw and s.alice.email not in raw
    assert not [line for line in lines if line["logger"] == "uvicorn.access"]
    assert s.dialogue.slug not in raw  # uvicorn's own websocket lines are left out


@pytest.fixture
def captured(app: FastAPI) -> Iterator[io.StringIO]:
    """The app's log records as `dialogue serve` formats them, JSON, into a buffer."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


async def test_a_line_logged_inside_a_request_carries_its_id(
    db_kind: str, app: FastAPI, client: httpx.AsyncClient, captured: io.StringIO
) -> None:
    async def noisy() -> dict[str, str]:
        logging.getLogger("dialogue.somewhere").warning("something to look at")
        return {}

    app.router.add_api_route("/test/noisy", noisy)  # this app's routes only
    answer = await client.get("/test/noisy", headers={"X-Request-ID": "inside-000001"})
    assert answer.status_code == 200
    inside, access = access_lines(json_lines(captured.getvalue()), "inside-000001")
    assert (inside["logger"], inside["level"]) == ("dialogue.somewhere", "WARNING")
    assert inside["message"] == "something to look at"
    assert (access["message"], access["route"]) == ("request", "/test/noisy")


def test_text_format_is_one_readable_line_with_the_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "dialogue.access", "levelno": 20, "levelname": "INFO", "msg": "request"}
    )
    record.fields = {"method": "GET", "route": "/healthz", "status": 200}
    record.request_id = "abc12345"
    line = TextFormatter().format(record)
    assert re.fullmatch(
        r"\S+Z INFO dialogue.access request method=GET route=/healthz status=200"
        r" request_id=abc12345",
        line,
    )


def test_production_defaults_to_json_and_uvicorns_access_log_is_off() -> None:
    production = Settings(environment="production", secret_key="x" * 40)
    config = logging_config(production)
    assert config["formatters"]["dialogue"]["()"] is JsonFormatter
    assert config["loggers"]["uvicorn.access"]["propagate"] is False
    assert logging_config(Settings())["formatters"]["dialogue"]["()"] is TextFormatter
    chosen = logging_config(Settings(log_format="json"))
    assert chosen["formatters"]["dialogue"]["()"] is JsonFormatter
