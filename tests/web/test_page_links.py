"""No page offers what its reader is refused: every page, as every role, links only to pages
that open for that reader.

A crawler per kind of caller starts where that person starts (the front page, their
profile and notices, the admin page for an admin) and follows every link to this site,
breadth first, failing on a link that answers 403 or 404 (or 500) for that caller. New pages
are covered as soon as something links to them; a page nothing links to is the other
failure the issue names ("no page reachable only by typing its address"), which the role
matrix covers by path.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from dialogue.accounts.models import User
from dialogue.policy import Role
from tests.factories import Factory
from tests.web.clients import visitor
from tests.web.scenes import reply, start_thread

pytestmark = pytest.mark.sqlite_only

MAX_PAGES = 250  # per caller: the scene has a few dozen pages; this bounds a runaway crawl
_HREF = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"', re.IGNORECASE)
# Not pages: the static files, the JSON API and the live socket have their own tests.
_SKIPPED = ("/static/", "/api/", "/ws/")

CALLERS = (
    "anonymous",
    "outsider",
    "observer",
    "participant",
    "expert",
    "advisor",
    "moderator",
    "organizer",
    "admin",
)


@dataclass
class Crawl:
    caller: str
    seen: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)  # "link (status) on page"
    visited: list[str] = field(default_factory=list)


def _key(url: str) -> tuple[str, tuple[str, ...]]:
    """Pages differing only in a query value (`after_id=3`, `after_id=4`) are one page."""
    parts = urlsplit(url)
    return parts.path, tuple(sorted(name for name, _ in parse_qsl(parts.query)))


def _links(html: str) -> list[str]:
    links = []
    for raw in _HREF.findall(html):
        href = unescape(raw).split("#", 1)[0]
        if href.startswith("/") and not href.startswith("//") and not href.startswith(_SKIPPED):
            links.append(href)
    return links


async def crawl(client: httpx.AsyncClient, caller: str, starts: list[str]) -> Crawl:
    result = Crawl(caller)
    queue: deque[tuple[str, str]] = deque((start, "(start)") for start in starts)
    while queue and len(result.visited) < MAX_PAGES:
        url, found_on = queue.popleft()
        if _key(url) in result.seen:
            continue
        result.seen.add(_key(url))
        response = await client.get(url)
        result.visited.append(url)
        if response.status_code in (403, 404) or response.status_code >= 500:
            result.refused.append(f"{url} ({response.status_code}) on {found_on}")
            continue
        if "text/html" in response.headers.get("content-type", ""):
            queue.extend((link, url) for link in _links(response.text))
    return result


@pytest.fixture
async def scene(app: FastAPI, factory: Factory) -> dict[str, User | None]:
    """An open invite-only dialogue with every role, two themes, threads, an anonymous post."""
    admin = await factory.user(is_admin=True, display_name="Site Admin")
    dialogue = await factory.dialogue(owner=admin, visibility="invite", allow_anonymous=True)
    people: dict[str, User | None] = {"anonymous": None, "admin": admin}
    people["outsider"] = await factory.user(display_name="Outsider")
    for role in ("observer", "participant", "expert", "advisor", "moderator", "organizer"):
        people[role] = await factory.member(dialogue, Role(role), display_name=role.title())
    first = await factory.theme(dialogue, title="Accountability")
    await factory.theme(dialogue, title="Later", open_now=False)
    participant, expert = people["participant"], people["expert"]
    assert participant is not None and expert is not None
    thread, post = await start_thread(app, dialogue, first, participant, title="What works")
    await reply(app, dialogue, first, thread, expert, parent=post, body="A reply")
    await start_thread(app, dialogue, first, participant, title="Unnamed", anonymous=True)
    return people


@pytest.mark.parametrize("caller", CALLERS)
async def test_no_link_leads_to_a_refusal(
    app: FastAPI, scene: dict[str, User | None], caller: str
) -> None:
    user = scene[caller]
    starts = ["/"]
    if user is not None:
        starts += ["/me", "/notifications"]
    if caller == "admin":
        starts.append("/admin")
    async with visitor(app, user) as client:
        result = await crawl(client, caller, starts)
    assert not result.refused, "\n".join(result.refused)
    assert len(result.visited) < MAX_PAGES, "the crawl did not finish"
    if caller in ("observer", "participant", "organizer"):
        # The crawl reached the dialogue's reading pages, so it tested what they link to.
        assert any("/threads/" in url for url in result.visited), result.visited
