"""One request through the app before it takes any: FastAPI plans its routes lazily.

FastAPI builds each route's request plan (dependencies, body model, response model) on the
first request that reaches it: about 0.2 s for this app's routes on an idle machine and
seconds on a loaded one, all of it holding the event loop, so every open websocket of the
instance waits with that first visitor. `dialogue serve` sends this request before uvicorn
listens (the plans belong to the app object, not to an event loop), not the app's lifespan:
every test starts one, and planning routes it never calls cost the suite minutes. A path that
no route matches makes the router try, and so plan, every one.

That lazy planning is FastAPI's private behaviour: tests/adapters/test_warmup.py checks it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message

WARM_UP_PATH = "/.well-known/dialogue-warm-up"  # matches no route, on purpose


async def warm_up_routes(app: ASGIApp) -> int:
    """Send the app a GET for a path nothing serves; returns the status it answered (404)."""
    answered: list[int] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            answered.append(int(message["status"]))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": WARM_UP_PATH,
        "raw_path": WARM_UP_PATH.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
    }
    await app(scope, receive, send)
    return answered[0] if answered else 0
