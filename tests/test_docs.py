"""The organizers' guide stays a walk through pages, and its integrators' appendix stays true.

Organizers of an e-dialogue are programme staff: the guide never asks them for `curl` or an
API call. The API examples for developers live in its last section only, and each request
there names a route the server really has, so the appendix cannot drift from the API.
"""

from __future__ import annotations

import re

import pytest
from httpx import AsyncClient

from dialogue.config import PROJECT_ROOT
from tests.dialogues.cast import API

GUIDE = PROJECT_ROOT / "docs" / "organizers.md"
APPENDIX = "## Appendix: API examples for integrators"
REQUEST = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/api/v1/\S+)$", re.MULTILINE)

pytestmark = pytest.mark.sqlite_only


def _parts() -> tuple[str, str]:
    body, found, appendix = GUIDE.read_text(encoding="utf-8").partition(APPENDIX)
    assert found, f"{GUIDE.name} has no section {APPENDIX!r}"
    return body, appendix


def test_the_guide_uses_no_curl_and_its_body_no_api() -> None:
    body, appendix = _parts()
    assert "curl" not in body + appendix
    assert "/api/v1" not in body
    assert "\n## " not in appendix, "the appendix is the guide's last section"


async def test_every_request_in_the_appendix_is_a_route_of_the_api(client: AsyncClient) -> None:
    _body, appendix = _parts()
    schema = (await client.get(f"{API}/openapi.json")).json()
    routes = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{}", path))
        for path, operations in schema["paths"].items()
        for method in operations
    }
    requests = REQUEST.findall(appendix)
    assert len(requests) >= 8, requests
    for method, target in requests:
        path = target.split("?")[0].replace("accountability-men-boys", "{}")
        assert (method, re.sub(r"\{[^}]+\}", "{}", path)) in routes, (method, target)
