"""The layers stay apart: routes never commit, and domain code never reaches into HTTP.

The request's session dependency is the unit of work (`dialogue.access.get_session`); a
route that commits itself would send its events before the rest of the request is done
and could commit half a use case. Domain modules are shared by the API, the pages, the
websocket and the CLI, so they must not depend on any one of them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import dialogue

SOURCE = Path(dialogue.__file__).parent
# Modules that answer HTTP requests or sockets, or wire them up: they may use the request
# dependencies. Everything else is domain code.
HTTP_LAYER = {"access.py", "app.py", "main.py", "health.py", "paths.py", "live/endpoint.py"}


def modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SOURCE.rglob("*.py")):
        name = path.relative_to(SOURCE).as_posix()
        yield name, ast.parse(path.read_text(), filename=name)


def is_route_module(name: str) -> bool:
    return name.startswith("web/") or Path(name).name.startswith("api")


def is_http_layer(name: str) -> bool:
    return is_route_module(name) or name in HTTP_LAYER or Path(name).name == "dependencies.py"


def imported(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_no_route_commits() -> None:
    calls = [
        f"{name}:{node.lineno}"
        for name, tree in modules()
        if is_route_module(name)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "commit")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "commit")
        )
    ]
    assert calls == [], "routes leave committing to the session dependency"


def test_only_the_http_layer_imports_web_or_access() -> None:
    # app.py mounts the page routers and installs their error handlers.
    may_import_web = {"app.py"}
    reaching = sorted(
        f"{name} imports {module}"
        for name, tree in modules()
        if not name.startswith("web/")
        for module in set(imported(tree))
        if (
            (module == "dialogue.web" or module.startswith("dialogue.web."))
            and name not in may_import_web
        )
        or (module == "dialogue.access" and not is_http_layer(name))
    )
    assert reaching == []


def test_the_walk_sees_the_source_tree() -> None:
    names = {name for name, _tree in modules()}
    assert {"access.py", "threads/writer.py", "web/pages.py", "dialogues/api.py"} <= names
