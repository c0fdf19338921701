"""Markdown in, sanitised HTML out: what a post may never carry into a reader's page."""

from __future__ import annotations

from html.parser import HTMLParser

from fastapi import FastAPI
from httpx import AsyncClient

from tests.dialogues.cast import API, make_cast, new_post, new_thread
from tests.factories import Factory

HOSTILE = """Hello **world**.

<script>alert('x')</script>

<img src=x onerror="alert(1)">

[click me](javascript:alert(document.cookie))

[also](JaVaScRiPt:alert(1)) and <a href="javascript:alert(2)" onclick="steal()">raw</a>

![pic](javascript:alert(3))

<javascript:alert(4)>

| a | b |
|---|---|
| 1 | 2 |

[partner site](https://example.org/report?id=1)
"""


class Tags(HTMLParser):
    """Every element and attribute the browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def elements_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.elements


class TestSanitisedHtml:
    async def test_no_script_no_event_handler_no_javascript_link(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant")
        post = await new_post(client, cast, "participant", thread["id"], body=HOSTILE)
        for html in (post["body_html"], await self._stored_html(client, cast, post["id"])):
            assert "<script" not in html.lower()
            elements = elements_of(html)
            assert "script" not in {tag for tag, _a in elements}
            assert "img" not in {tag for tag, _a in elements}
            for tag, attrs in elements:
                assert not [name for name in attrs if name.lower().startswith("on")], (tag, attrs)
                href = (attrs.get("href") or "").strip().lower()
                assert not href.startswith("javascript:"), (tag, attrs)
                assert href == "" or href.startswith(("http://", "https://", "mailto:"))
            assert "<strong>world</strong>" in html
            assert "<table>" in html and "<td>1</td>" in html
        # The author's text is kept as written; only its rendering is made safe.
        assert post["body"] == HOSTILE

    async def test_external_links_get_nofollow_noopener(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(
            client, cast, "participant", body="See [the report](https://example.org/r) today."
        )
        links = [a for tag, a in elements_of(thread["post"]["body_html"]) if tag == "a"]
        assert len(links) == 1
        assert links[0]["href"] == "https://example.org/r"
        rel = set((links[0]["rel"] or "").split())
        assert {"nofollow", "noopener"} <= rel

    async def test_edits_are_sanitised_too(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant")
        response = await client.patch(
            f"{API}/posts/{thread['post']['id']}",
            json={"body": "[x](javascript:alert(1)) <script>bad()</script>"},
            headers=cast.h("participant"),
        )
        assert response.status_code == 200, response.text
        html = response.json()["body_html"]
        assert "<script" not in html
        assert not [a for tag, a in elements_of(html) if tag == "a"]

    @staticmethod
    async def _stored_html(client: AsyncClient, cast: object, post_id: int) -> str:
        from tests.dialogues.cast import Cast

        assert isinstance(cast, Cast)
        response = await client.get(f"{API}/posts/{post_id}", headers=cast.h("participant"))
        html: str = response.json()["body_html"]
        return html
