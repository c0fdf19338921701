"""The site icon: linked from every page, and /favicon.ico answers with it instead of a 404."""

from __future__ import annotations

from fastapi import FastAPI

from dialogue.config import Settings
from dialogue.web.assets import static_assets
from tests.web.clients import visitor


async def test_every_page_links_the_icon_and_the_link_resolves(app: FastAPI) -> None:
    async with visitor(app) as browser:
        page = await browser.get("/login")
        href = static_assets(Settings().static_dir).url("img/icon.svg")
        assert href.startswith("/static/img/icon.") and href.endswith(".svg")
        assert f'<link rel="icon" href="{href}" type="image/svg+xml">' in page.text
        icon = await browser.get(href)
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.content.startswith(b"<svg")


async def test_favicon_ico_answers_with_the_icon(app: FastAPI, settings: Settings) -> None:
    async with visitor(app) as browser:
        answer = await browser.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/svg+xml"
    assert answer.headers["cache-control"] == "public, max-age=86400"
    assert answer.content == (settings.static_dir / "img" / "icon.svg").read_bytes()
