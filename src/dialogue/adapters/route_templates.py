"""The full path template of the route that took a request, for logs and metrics.

FastAPI (0.165 here) keeps included routers lazy: the route it puts in `scope["route"]` is
the router's own, whose `path` lacks the prefixes it was included under (`/threads/...`
for `/api/v1/threads/...`). `fastapi.routing.iter_route_contexts` gives each route with
its full template. The site's routes are made once per process (`app.site_routes`, which
registers them here) and the map from route to template is built from them on the first
request that needs it; that also plans every route, as a first request matching none would.

tests/adapters/test_route_templates.py checks what this relies on.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute
from starlette.types import Scope

_registered: list[Sequence[BaseRoute]] = []
_templates: dict[int, str] = {}  # id of a route object (they live as long as the process)
_lock = threading.Lock()


def register(routes: Sequence[BaseRoute]) -> None:
    """Routes that live as long as the process, whose templates `route_template` reads."""
    with _lock:
        _registered.append(routes)


def _template_of(route: object) -> str | None:
    if _registered:
        with _lock:
            while _registered:
                for context in iter_route_contexts(_registered.pop()):
                    if context.path_format is not None:
                        _templates.setdefault(id(context.original_route), context.path_format)
    return _templates.get(id(route))


def route_template(scope: Scope) -> str:
    """The template of the matched route (`unmatched` when none took the request)."""
    route = scope.get("route")
    if route is None:
        return "unmatched"
    full = _template_of(route)
    if full is not None:
        return full
    path: object = getattr(route, "path", None)  # a route added to one app only (tests)
    return path if isinstance(path, str) else "unmatched"
