"""People's words are text in every format, never markup (hardening issue, item 8).

The Markdown report is rendered here by a Markdown tool that trusts its input (raw HTML
on, every link accepted), as whoever downloads it might: nothing executable may come out,
and every hostile value must still read as the person typed it.
"""

from __future__ import annotations

import io
import re
from typing import Any
from xml.etree.ElementTree import Element

import html5lib
import httpx
from docx import Document
from markdown_it import MarkdownIt

from dialogue.dialogues.models import Theme
from tests.factories import Factory
from tests.synthesis.builders import World
from tests.synthesis.scene import all_formats, text_of

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "[x](javascript:alert(3))",
    '<a href="javascript:alert(4)">four</a>',
    "&lt;script&gt;alert(5)&lt;/script&gt;",
    "&#60;svg onload=alert(6)&#62;",
    "`<iframe src=javascript:alert(7)>`",
    "<javascript:alert(8)>",
    "![nine](javascript:alert(9))",
    "# heading ten",
    "> quote eleven",
    "- item twelve",
    "1. item thirteen",
    "<!-- fourteen",
)
# Markdown written on purpose: emphasis and a real link must survive, nothing else.
NARRATIVE = (
    "**Strong finding** and [a safe link](https://example.org/a?b=1&c=2)\n\n"
    + "\n\n".join(PAYLOADS)
    + "\n\n[bad](jav&#97;script:alert(15)) <http://ok.example/16>"
)
SAFE_SCHEMES = ("http://", "https://", "mailto:")
MARKDOWN_TAGS = {
    "html", "head", "body", "p", "br", "hr", "em", "strong", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip


def trusting_renderer() -> MarkdownIt:
    """A Markdown tool that passes raw HTML and accepts every link, as many do."""
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def parse(page: str) -> Element:
    return html5lib.parse(page, namespaceHTMLElements=False)  # type: ignore[no-any-return]


def dangers(root: Element, tags: set[str] | None) -> list[str]:
    """Everything in the page that could run: unknown elements, handlers, script links."""
    found = []
    for element in root.iter():  # comments too: their tag is not a string
        if element.tag == "script" or (tags is not None and element.tag not in tags):
            found.append(str(element.tag))
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"{element.tag} {name}")
            cleaned = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if name in {"href", "src"} and not cleaned.startswith(SAFE_SCHEMES):
                found.append(f"{element.tag} {name}={value}")
    return found


def words(root: Element) -> str:
    return re.sub(r"\s+", " ", "".join(root.itertext()))


async def hostile_dialogue(factory: Factory, client: httpx.AsyncClient) -> dict[str, Any]:
    """A dialogue whose every field people write carries a hostile value."""
    world = World(factory)
    owner = await factory.user(is_admin=True)
    dialogue = await factory.dialogue(
        owner=owner, title=f"{PAYLOADS[0]} dialogue", summary=NARRATIVE
    )
    themes: list[Theme] = [
        await factory.theme(
            dialogue,
            title=f"{PAYLOADS[n]} theme",
            guiding_questions="\n".join(PAYLOADS),
            summary=NARRATIVE,
        )
        for n in (1, 9)
    ]
    organizer = await factory.member(
        dialogue, "organizer", organization=f"{PAYLOADS[10]} organisers", quote_consent="named"
    )
    codes = [await world.code(dialogue, f"{PAYLOADS[n]} code") for n in (11, 12, 2)]
    plain: list[str] = [
        f"{PAYLOADS[0]} dialogue",
        *(theme.title for theme in themes),
        *PAYLOADS[:11],  # the guiding questions (list markers are taken off them)
        "item twelve",
        "item thirteen",
        organizer.organization,
        *(code.name for code in codes),
        f"{PAYLOADS[9]} group",
    ]
    for n, payload in enumerate(PAYLOADS[:6]):
        person = await factory.member(
            dialogue,
            "participant",
            display_name=f"{PAYLOADS[(n + 3) % len(PAYLOADS)]} person",
            organization=f"{payload} Org",
            constituency=f"{PAYLOADS[9]} group",  # six people: the group is shown
            country="KE",
            quote_consent="named",
        )
        _thread, post = await world.thread(
            dialogue,
            themes[0],
            person,
            f"{payload} thread",
            "\n\n".join(PAYLOADS),
            highlighted=True,
        )
        await world.apply(post, codes[n % len(codes)])
        plain += [person.display_name, person.organization]
    headers = await factory.auth(organizer)
    response = await client.put(
        f"/api/v1/dialogues/{dialogue.slug}/report/narrative",
        json={
            "executive_summary": NARRATIVE,
            "recommendations": NARRATIVE,
            "theme_summaries": {str(themes[0].id): NARRATIVE},
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return {"slug": dialogue.slug, "headers": headers, "plain": plain}


async def report(client: httpx.AsyncClient, case: dict[str, Any], fmt: str) -> bytes:
    response = await client.get(
        f"/api/v1/dialogues/{case['slug']}/report", params={"format": fmt}, headers=case["headers"]
    )
    assert response.status_code == 200, (fmt, response.text)
    return response.content


class TestHostileValues:
    async def test_markdown_report_runs_nothing_in_a_trusting_renderer(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        case = await hostile_dialogue(factory, client)
        source = (await report(client, case, "md")).decode("utf-8")
        root = parse(trusting_renderer().render(source))
        assert dangers(root, MARKDOWN_TAGS) == []
        shown = words(root)
        for value in case["plain"]:
            assert value in shown, value
        # The narratives stay Markdown: their emphasis and their safe link.
        strong = [e for e in root.iter("strong") if e.text == "Strong finding"]
        # The purpose, the executive summary, both moderators' summaries, the theme
        # summary and the recommendations.
        assert len(strong) == 6
        links = {e.get("href") for e in root.iter("a")}
        assert "https://example.org/a?b=1&c=2" in links
        assert "http://ok.example/16" in links
        assert "<script>alert(1)</script>" in shown

    async def test_html_report_escapes_every_value(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        case = await hostile_dialogue(factory, client)
        root = parse((await report(client, case, "html")).decode("utf-8"))
        assert dangers(root, None) == []
        shown = words(root)
        for value in case["plain"]:
            assert value in shown, value

    async def test_docx_report_keeps_every_value_as_text(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        case = await hostile_dialogue(factory, client)
        body = await report(client, case, "docx")
        shown = re.sub(r"\s+", " ", text_of("docx", body))
        for value in case["plain"]:
            assert value in shown, value
        links = [link for p in Document(io.BytesIO(body)).paragraphs for link in p.hyperlinks]
        assert links and all(link.url.startswith(SAFE_SCHEMES) for link in links)


class TestControlCharacters:
    async def test_a_control_character_in_a_value_fails_no_format(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        world = World(factory)
        dialogue = await factory.dialogue(title="Bell\x07 dialogue")
        theme = await factory.theme(dialogue, title="Vertical\x0btab theme")
        organizer = await factory.member(dialogue, "organizer")
        person = await factory.member(
            dialogue,
            "participant",
            display_name="Escape\x1b person",
            organization="Form\x0cfeed Org",
            quote_consent="named",
        )
        _thread, post = await world.thread(
            dialogue, theme, person, "Back\x08space", "Words\x0b and more.", highlighted=True
        )
        await world.apply(post, await world.code(dialogue, "Unit\x1fseparator"))
        outputs = await all_formats(client, dialogue.slug, await factory.auth(organizer))
        shown = text_of("docx", outputs["docx"])
        for value in ("Verticaltab theme", "Escape person, Formfeed Org", "Unitseparator"):
            assert value in shown, value
