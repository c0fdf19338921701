"""Gzip in the app itself: pages, CSS, JS and JSON shrink for a client that accepts it, and
nothing else changes (no gzip without Accept-Encoding, none for already-compressed files)."""

from __future__ import annotations

import gzip

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from dialogue.config import Settings
from dialogue.middleware import Compression
from dialogue.synthesis.render.registry import REPORT_FORMATS
from tests.factories import Factory
from tests.web import scenes
from tests.web.clients import visitor


async def raw_get(
    client: httpx.AsyncClient, url: str, encoding: str
) -> tuple[httpx.Response, bytes]:
    """The answer and its body as sent on the wire (httpx would otherwise decode it)."""
    async with client.stream("GET", url, headers={"Accept-Encoding": encoding}) as response:
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    return response, body


async def twelve_post_thread(app: FastAPI, factory: Factory) -> str:
    s = await scenes.scene(factory)
    thread, _ = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
    await scenes.many_replies(app, s.dialogue, s.theme, thread, s.bob, 11)
    return f"/d/{s.dialogue.slug}/threads/{thread.id}"


async def test_thread_page_is_gzipped_and_much_smaller(app: FastAPI, factory: Factory) -> None:
    url = await twelve_post_thread(app, factory)
    async with visitor(app) as browser:
        plain, plain_body = await raw_get(browser, url, "identity")
        packed, packed_body = await raw_get(browser, url, "gzip")
    assert plain.status_code == packed.status_code == 200
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert int(packed.headers["content-length"]) == len(packed_body)
    assert gzip.decompress(packed_body).count(b'class="post-item"') == 12
    assert plain_body.count(b'class="post-item"') == 12
    # The figure in docs/performance.md (run with -s to see it).
    print(f"12-post thread page: {len(plain_body)} B plain, {len(packed_body)} B gzipped")
    assert len(packed_body) * 4 < len(plain_body), (len(packed_body), len(plain_body))


@pytest.mark.parametrize(
    ("path", "media"),
    [("/static/css/site.css", "text/css"), ("/static/js/live.js", "javascript")],
)
async def test_static_files_are_gzipped(app: FastAPI, path: str, media: str) -> None:
    async with visitor(app) as browser:
        packed, packed_body = await raw_get(browser, path, "gzip")
        plain, plain_body = await raw_get(browser, path, "identity")
    assert media in packed.headers["content-type"]
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(packed_body) == plain_body
    assert len(packed_body) < len(plain_body)


async def test_json_answers_are_gzipped(app: FastAPI, factory: Factory) -> None:
    url = await twelve_post_thread(app, factory)
    thread_id = url.rsplit("/", 1)[1]
    api = f"/api/v1/threads/{thread_id}/posts"
    async with visitor(app) as browser:
        packed, packed_body = await raw_get(browser, api, "gzip, deflate")
        plain, plain_body = await raw_get(browser, api, "identity")
    assert packed.status_code == 200
    assert packed.headers["content-type"] == "application/json"
    assert packed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert gzip.decompress(packed_body) == plain_body


async def test_no_gzip_without_accept_encoding(app: FastAPI, settings: Settings) -> None:
    async with visitor(app) as browser:
        browser.headers.pop("Accept-Encoding")
        async with browser.stream("GET", "/static/css/site.css") as response:
            body = b"".join([chunk async for chunk in response.aiter_raw()])
    assert "accept-encoding" not in {k.lower() for k in response.request.headers}
    assert "content-encoding" not in response.headers
    assert body == (settings.static_dir / "css" / "site.css").read_bytes()


async def test_small_answers_are_sent_as_they_are(app: FastAPI) -> None:
    async with visitor(app) as browser:
        response, body = await raw_get(browser, "/healthz", "gzip")
    assert "content-encoding" not in response.headers
    assert body == b'{"status":"ok"}'


def answering(media_type: str, body: bytes) -> ASGIApp:
    """An app that answers every request with `body` as `media_type`."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", media_type.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


@pytest.mark.parametrize("fmt", sorted(REPORT_FORMATS))
async def test_report_formats_already_compressed_pass_through(fmt: str) -> None:
    """PDF and DOCX reports are compressed already: sent byte for byte; the text formats shrink."""
    report = REPORT_FORMATS[fmt]
    body = b"report " * 1000
    transport = httpx.ASGITransport(app=Compression(answering(report.media_type, body)))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response, sent = await raw_get(client, "/", "gzip")
    if fmt in ("pdf", "docx"):
        assert "content-encoding" not in response.headers
        assert sent == body
    else:
        assert response.headers["content-encoding"] == "gzip"
        assert gzip.decompress(sent) == body


async def test_a_200_post_threads_first_load_stays_small(app: FastAPI, factory: Factory) -> None:
    """Fifty posts a page: the first load of a long thread is the first fifty and a link on,
    whatever the thread's length."""
    s = await scenes.scene(factory)
    thread, _ = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
    await scenes.many_replies(app, s.dialogue, s.theme, thread, s.bob, 199)
    url = f"/d/{s.dialogue.slug}/threads/{thread.id}"
    async with visitor(app, s.alice) as browser:
        _page, body = await raw_get(browser, url, "gzip")
    html = gzip.decompress(body)
    assert html.count(b'class="post-item"') == 50
    assert b'class="more"' in html  # the next fifty, one link away
    print(f"200-post thread, first page: {len(html)} B plain, {len(body)} B gzipped")
    assert len(body) < 16 * 1024, len(body)
