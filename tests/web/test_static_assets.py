"""Static files under content-hashed names: a year's cache, gzipped ahead of time, module
imports renamed too; the plain names still answer with a short cache."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from dialogue.config import Settings
from dialogue.web.assets import StaticAssets, static_assets
from tests.web.clients import visitor

HASHED = re.compile(r'(?:href|src)="(/static/[\w/.-]+\.[0-9a-f]{10}\.\w+)"')


async def raw(browser: httpx.AsyncClient, url: str, encoding: str) -> tuple[httpx.Response, bytes]:
    async with browser.stream("GET", url, headers={"Accept-Encoding": encoding}) as answer:
        return answer, b"".join([chunk async for chunk in answer.aiter_raw()])


async def test_pages_name_hashed_files_cached_for_a_year_and_gzipped(
    app: FastAPI, settings: Settings
) -> None:
    async with visitor(app) as browser:
        page = await browser.get("/login")
        named = HASHED.findall(page.text)
        assert {Path(u).name.split(".")[0] for u in named} >= {"icon", "site", "quick-exit"}
        for url in named:
            packed, body = await raw(browser, url, "gzip")
            plain, plain_body = await raw(browser, url, "identity")
            assert packed.status_code == plain.status_code == 200, url
            assert packed.headers["cache-control"] == "public, max-age=31536000, immutable"
            assert packed.headers["content-encoding"] == "gzip"
            assert "accept-encoding" in packed.headers["vary"].lower()
            assert "content-encoding" not in plain.headers
            assert gzip.decompress(body) == plain_body
            again = await browser.get(url, headers={"If-None-Match": packed.headers["etag"]})
            assert again.status_code == 304
        plain_name = await browser.get("/static/css/site.css")
    assert plain_name.status_code == 200
    assert plain_name.headers["cache-control"] == "public, max-age=3600"
    assert plain_name.content == (settings.static_dir / "css" / "site.css").read_bytes()


async def test_a_module_imports_its_neighbours_by_their_hashed_names(app: FastAPI) -> None:
    assets = static_assets(Settings().static_dir)
    async with visitor(app) as browser:
        live = await browser.get(assets.url("js/live.js"))
    connection = Path(assets.url("js/live-connection.js")).name
    assert f'from "./{connection}";' in live.text
    assert 'from "./live-connection.js"' not in live.text


def test_a_change_in_an_imported_module_renames_its_importers(tmp_path: Path) -> None:
    shutil.copytree(Settings().static_dir, tmp_path / "static")
    before = StaticAssets(tmp_path / "static")
    connection = tmp_path / "static" / "js" / "live-connection.js"
    connection.write_text(connection.read_text() + "\n// changed\n")
    after = StaticAssets(tmp_path / "static")
    for name in ("js/live-connection.js", "js/live.js", "js/moderation-queue.js"):
        assert before.url(name) != after.url(name), name
    assert before.url("css/site.css") == after.url("css/site.css")


@pytest.mark.parametrize("path", ["/static/css/../../pyproject.toml", "/static/nope.abcdef0123.js"])
async def test_nothing_outside_and_nothing_unknown(app: FastAPI, path: str) -> None:
    async with visitor(app) as browser:
        answer = await browser.get(path)
    assert answer.status_code == 404
