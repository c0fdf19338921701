"""The links to the moderation workspace: each shown only to a reader the policy lets use it."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

from tests.factories import Factory
from tests.web.moderation_scene import StaffScene, staff_scene

WORKSPACE = (
    "",
    "/handover",
    "/notes",
    "/audit",
    "/appeals",
    "/unmask",
    "/members",
    "/codebook",
)
# Who may open each page of the workspace (the contract's "Pages" table and the policy).
MAY_OPEN = {
    "moderator": set(WORKSPACE),
    "organizer": set(WORKSPACE),
    "advisor": {"/audit", "/appeals", "/members"},
    "participant": set(),
}


@pytest.fixture
async def world(app: FastAPI, factory: Factory) -> StaffScene:
    return await staff_scene(app, factory)


def nav_links(html: str, label: str) -> set[str]:
    start = html.index(f'<nav class="dialogue-nav" aria-label="{label}">')
    nav = html[start : html.index("</nav>", start)]
    return set(re.findall(r'href="([^"]+)"', nav))


class TestDialogueNav:
    @pytest.mark.parametrize("who", list(MAY_OPEN))
    async def test_links_per_role(self, world: StaffScene, who: str) -> None:
        page = await world.page(world.people()[who])
        links = nav_links(page.text, "This dialogue")
        base = f"/d/{world.slug}/moderation"
        workspace = {link.removeprefix(base) for link in links if link.startswith(base)}
        if who in ("moderator", "organizer"):
            assert workspace == {""}  # the queue, whose own navigation has the rest
        elif who == "advisor":
            assert workspace == {"/audit", "/appeals"}
        else:
            assert workspace == set()

    async def test_a_visitor_gets_no_workspace_link(self, world: StaffScene) -> None:
        page = await world.page(None)
        assert "/moderation" not in page.text


class TestModerationNav:
    @pytest.mark.parametrize("who", ["moderator", "organizer", "advisor"])
    async def test_each_link_opens_for_its_reader(self, world: StaffScene, who: str) -> None:
        user = world.people()[who]
        base = f"/d/{world.slug}/moderation"
        page = await world.page(user, f"{base}/audit")
        assert page.status_code == 200
        links = nav_links(page.text, "Moderation")
        workspace = {link.removeprefix(base) for link in links if link.startswith(base)}
        assert workspace == MAY_OPEN[who]
        for path in WORKSPACE:  # what is linked opens; what is not is refused
            status = (await world.page(user, base + path)).status_code
            assert status == (200 if path in MAY_OPEN[who] else 403), (who, path, status)
