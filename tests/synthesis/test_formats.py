"""Each format read back by its readers' tools: pypdf, python-docx, jsonschema, csv, html5lib."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import Any, get_args

import html5lib
import httpx
import jsonschema
from docx import Document

from dialogue.config import PROJECT_ROOT
from dialogue.synthesis.render.common import RenderOptions
from dialogue.synthesis.render.registry import REPORT_FORMATS
from dialogue.synthesis.schemas import Format
from dialogue.threads.models import Post
from tests.conftest import error_of
from tests.factories import Factory
from tests.synthesis.builders import World
from tests.synthesis.scene import Scene, build_scene, csv_rows, text_of

POST_LINK = r"http://[^/]+/d/[^/]+/threads/\d+\?after_id=\d+#post-(\d+)"
NO_LINKS = RenderOptions(link_posts=False)
SCHEMA = json.loads((PROJECT_ROOT / "docs" / "report-schema.json").read_text(encoding="utf-8"))


async def fetch(client: httpx.AsyncClient, factory: Factory, scene: Scene, fmt: str) -> bytes:
    response = await client.get(
        f"/api/v1/dialogues/{scene.dialogue.slug}/report",
        params={"format": fmt},
        headers=await factory.auth(scene.organizer),
    )
    assert response.status_code == 200, response.text
    return response.content


class TestPdf:
    async def test_pdf_text_has_theme_titles_and_a_highlighted_quote(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        body = await fetch(client, factory, scene, "pdf")
        assert body.startswith(b"%PDF-")
        text = text_of("pdf", body)
        assert scene.theme.title in text
        assert scene.second.title in text
        assert "NAMEDQUOTE accountability means listening." in text


class TestDocx:
    async def test_docx_has_real_heading_and_quote_styles(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        doc = Document(io.BytesIO(await fetch(client, factory, scene, "docx")))
        by_style: dict[str, list[str]] = {}
        for paragraph in doc.paragraphs:
            by_style.setdefault(paragraph.style.name if paragraph.style else "", []).append(
                paragraph.text
            )
        assert by_style["Title"] == [scene.dialogue.title]
        assert by_style["Heading 1"][:2] == ["At a glance", f"Theme 1: {scene.theme.title}"]
        assert f"Theme 2: {scene.second.title}" in by_style["Heading 1"]
        assert {"Methodology", "Recommendations", "Agreement and division"} <= set(
            by_style["Heading 1"]
        )
        assert "Sub-themes" in by_style["Heading 2"]
        assert any("NAMEDQUOTE" in text for text in by_style["Quote"])
        assert len(doc.inline_shapes) == 3  # the three charts, as images


def linked_post(url: str) -> int:
    """The post a report link opens at; anything else fails the test."""
    found = re.fullmatch(POST_LINK, url)
    assert found is not None, url
    return int(found.group(1))


class TestDocxLinks:
    async def test_post_references_are_hyperlinks_to_the_thread_pages(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        doc = Document(io.BytesIO(await fetch(client, factory, scene, "docx")))
        links = [link for p in doc.paragraphs for link in p.hyperlinks]
        amina = scene.posts["amina"]
        page = f"http://testserver/d/{scene.dialogue.slug}/threads/{amina.thread_id}"
        assert amina.id is not None
        assert (f"{page}?after_id={amina.id - 1}#post-{amina.id}", f"post #{amina.id}") in {
            (link.url, link.text) for link in links
        }
        hidden = {scene.posts[s].id for s in ("hidden", "pending")}
        for link in links:
            assert link.text.endswith(f"#{linked_post(link.url)}")
            assert linked_post(link.url) not in hidden
            assert {run.style.name for run in link.runs if run.style} == {"Hyperlink"}

    async def test_sources_link_each_post_or_stay_plain_text_without_links(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        document = json.loads(await fetch(client, factory, scene, "json"))
        ids = [row["id"] for row in document["posts"]][:2]
        document["themes"][0]["subthemes"]["items"] = [
            {"label": "SUBTHEME", "size": 2, "post_ids": ids, "quotes": []}
        ]
        for options, linked in ((RenderOptions(base_url="http://x.org"), ids), (NO_LINKS, [])):
            doc = Document(io.BytesIO(REPORT_FORMATS["docx"].render(document, options)))
            sources = next(p for p in doc.paragraphs if p.text.startswith("Posts: "))
            assert sources.text == "Posts: " + ", ".join(f"#{i}" for i in ids)
            assert [linked_post(h.url) for h in sources.hyperlinks] == linked
            assert all(h.url.startswith("http://x.org/d/") for h in sources.hyperlinks)


class TestJson:
    async def test_json_validates_against_the_documented_schema(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        document = json.loads(await fetch(client, factory, scene, "json"))
        jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
        assert [t["title"] for t in document["themes"]] == [scene.theme.title, scene.second.title]


class TestHtml:
    async def test_html_parses_strictly_and_links_each_source_to_its_post(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        page = (await fetch(client, factory, scene, "html")).decode("utf-8")
        html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
        assert "<script" not in page and "<link" not in page  # standalone, no outside files
        assert page.count("<svg") == 3
        amina = scene.posts["amina"]
        slug = scene.dialogue.slug
        link = f"http://testserver/d/{slug}/threads/{amina.thread_id}?after_id={amina.id - 1}"
        assert f'href="{link}#post-{amina.id}"' in page
        for thread_id, post_id in re.findall(r"/threads/(\d+)\?after_id=\d+#post-(\d+)", page):
            assert int(post_id) not in {scene.posts[s].id for s in ("hidden", "pending")}
            assert int(thread_id) > 0


class TestErrors:
    async def test_unknown_format_is_a_clear_422(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        response = await client.get(
            f"/api/v1/dialogues/{scene.dialogue.slug}/report",
            params={"format": "exe"},
            headers=await factory.auth(scene.organizer),
        )
        assert response.status_code == 422
        assert error_of(response)["code"] == "invalid"


class TestWhoMayRead:
    async def test_only_organizers_and_advisors_get_the_working_report(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        url = f"/api/v1/dialogues/{scene.dialogue.slug}/report?format=json"
        outsider = await factory.user()
        expected: list[tuple[Any, int]] = [
            (scene.organizer, 200),
            (scene.advisor, 200),
            (scene.moderator, 403),
            (scene.participant, 403),
            (outsider, 404),
        ]
        for user, status in expected:
            response = await client.get(url, headers=await factory.auth(user))
            assert response.status_code == status, (user.display_name, response.text)
        assert (await client.get(url)).status_code == 404  # an invite dialogue stays hidden


class TestScripts:
    async def test_cjk_and_accented_quotes_survive_into_the_pdf(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        world = World(factory)
        await world.thread(
            scene.dialogue,
            scene.second,
            scene.people["amina"],
            "多语言",
            "问责制从倾听妇女运动开始。 La redevabilité envers les féministes.",
            highlighted=True,
        )
        text = text_of("pdf", await fetch(client, factory, scene, "pdf"))
        assert "问责制从倾听妇女运动开始" in text
        assert "redevabilité envers les féministes" in text


class TestRegistry:
    def test_every_format_the_api_accepts_has_a_renderer(self) -> None:
        assert tuple(REPORT_FORMATS) == get_args(Format)
        assert all(report.name == name for name, report in REPORT_FORMATS.items())


class TestContentWarnings:
    async def test_a_quoted_posts_warning_comes_first_and_folds_where_it_can(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        async with factory.session() as session:
            for name in ("amina", "carla"):  # Carla may not be quoted: nor may her warning
                post = await session.get(Post, scene.posts[name].id)
                assert post is not None
                post.content_warning = "describes violence" if name == "amina" else "NEVERWARN"
                session.add(post)
            await session.commit()
        document = json.loads(await fetch(client, factory, scene, "json"))
        jsonschema.validate(document, SCHEMA)
        warned = {row["id"]: row["content_warning"] for row in document["posts"]}
        assert warned.pop(scene.posts["amina"].id) == "describes violence"
        assert set(warned.values()) == {None}
        rows = csv_rows(await fetch(client, factory, scene, "csv"))
        header = list(rows[0])
        assert header.index("content_warning") == header.index("text") - 1  # read first
        by_id = {int(r["post_id"]): r["content_warning"] for r in rows}
        assert by_id.pop(scene.posts["amina"].id) == "describes violence"
        assert set(by_id.values()) == {""}
        page = (await fetch(client, factory, scene, "html")).decode()
        assert re.search(
            r'<details class="content-warning"><summary>Content warning: describes violence'
            r"</summary>\s*<blockquote>\s*<p>NAMEDQUOTE",
            page,
        )
        md = (await fetch(client, factory, scene, "md")).decode()
        assert "> **Content warning: describes violence**\n>\n> NAMEDQUOTE" in md
        for fmt in ("pdf", "docx"):
            text = text_of(fmt, await fetch(client, factory, scene, fmt))
            assert text.index("Content warning: describes violence") < text.index("NAMEDQUOTE")

    async def test_a_warning_is_redacted_like_the_quote_it_heads(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        """Bruno is quoted without his name: a name in his warning goes as in his words."""
        scene = await build_scene(factory)
        async with factory.session() as session:
            post = await session.get(Post, scene.posts["bruno"].id)
            assert post is not None
            post.content_warning = "what Amina Wanjiru went through"
            session.add(post)
            await session.commit()
        document = json.loads(await fetch(client, factory, scene, "json"))
        warnings = list(_warnings_of(document, scene.posts["bruno"].id))
        assert warnings, "the post's quote and row carry its warning"
        assert all("Amina" not in w and "[" in w for w in warnings), warnings


def _warnings_of(node: object, post_id: int | None) -> Iterator[str]:
    """Every `content_warning` the document gives for one post, wherever it is quoted."""
    if isinstance(node, dict):
        if node.get("content_warning") and post_id in (node.get("post_id"), node.get("id")):
            yield str(node["content_warning"])
        for value in node.values():
            yield from _warnings_of(value, post_id)
    elif isinstance(node, list):
        for value in node:
            yield from _warnings_of(value, post_id)
