"""A Markdown XSS corpus through every output: nothing executable survives (issue 19, item 1).

Each payload is posted as a thread's opening post and as a reply, and read back from the
API (`body_html`), the thread page, the live event (as `GET .../events` and the socket
send it: `body_html` and the post's fragment), the published search page, and the report
in all six formats. The HTML is parsed as a browser would (html5lib) and every element
and attribute is checked; PDF and DOCX are checked for active content and links.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import html5lib
import httpx
import pytest
from docx import Document

from dialogue.config import Settings
from dialogue.live.fragments import DialogueContext, EventFrames, PostFragments, ReaderClass
from dialogue.policy import Role
from dialogue.web.templating import create_templates
from tests.dialogues.cast import API, make_cast, new_post, new_thread
from tests.factories import Factory
from tests.synthesis.scene import all_formats
from tests.synthesis.test_hostile_values import trusting_renderer
from tests.web.clients import visitor
from tests.web.html import main

pytestmark = pytest.mark.sqlite_only  # the renderers do not depend on the database

CORPUS = (
    # script tags, plain and broken
    "<script>alert(1)</script>",
    "<scr<script>ipt>alert(2)</script>",
    "<script/src=//evil.example/x.js></script>",
    "<<script>script>alert(3)//<</script>/script>",
    # event handlers
    "<img src=x onerror=alert(4)>",
    '<body onload="alert(5)">',
    "<div onmouseover='alert(6)'>hover</div>",
    # links: javascript, data, vbscript, encoded and spaced
    "[a](javascript:alert(7))",
    "[b](JaVaScRiPt:alert(8))",
    "[c](data:text/html;base64,PHNjcmlwdD5hbGVydCg5KTwvc2NyaXB0Pg==)",
    "[d](vbscript:msgbox(10))",
    "[e](jav&#x09;ascript:alert(11))",
    "[f](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(12))",
    "[g](%6A%61%76%61%73%63%72%69%70%74:alert(13))",
    "[h]( javascript:alert(14))",
    "<a href='javascript:alert(15)'>raw</a>",
    "![i](javascript:alert(16))",
    '![j](x" onerror="alert(17))',
    "<javascript:alert(18)>",
    # reference-style links
    "[ref][k]\n\n[k]: javascript:alert(19)",
    '[ref2][l]\n\n[l]: data:text/html,<script>alert(20)</script> "title"',
    # SVG and MathML
    "<svg onload=alert(21)><script>alert(22)</script></svg>",
    "<svg><a xlink:href='javascript:alert(23)'><text>x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(24)>",
    '<math href="javascript:alert(25)">x</math>',
    # nested and mixed encodings
    "&lt;script&gt;alert(26)&lt;/script&gt;",
    "&#60;img src=x onerror=alert(27)&#62;",
    "\\<script\\>alert(28)\\</script\\>",
    "`<iframe src=javascript:alert(29)>`",
    "```html\n<script>alert(30)</script>\n```",
    # CSS
    "<style>body{background:url(javascript:alert(31))}</style>",
    '<p style="background:url(javascript:alert(32))">styled</p>',
    "<link rel=stylesheet href=//evil.example/x.css>",
    # other active elements
    "<iframe src=//evil.example></iframe>",
    "<object data=javascript:alert(33)></object>",
    "<embed src=javascript:alert(34)>",
    "<form action=javascript:alert(35)><button>go</button></form>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(36)'>",
    "<base href=javascript:alert(37)//>",
    "<!--<img src=x onerror=alert(38)>-->",
    "<details open ontoggle=alert(39)>",
    '<a href="https://ok.example/" onclick=alert(40)>ok</a>',
)
BODY = "\n\n".join(CORPUS)
NAME = "<img src=x onerror=alert(41)>"  # a display name: shown as text everywhere
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "background"}
ACTIVE = {
    "script", "iframe", "object", "embed", "svg", "math", "style", "link", "meta", "base",
    "form", "frame", "frameset", "applet",
}  # fmt: skip


# The only style a Markdown renderer writes itself: a table column's alignment.
ALIGNMENT = re.compile(r"^text-align:\s*(left|right|center);?$")


def safe_url(value: str) -> bool:
    """A URL with no scheme (relative: it stays on the site) or a web or mail one.

    The scheme is read as browsers do (WHATWG URL): tabs and line breaks anywhere are
    dropped, spaces and controls at the ends; `jav%09ascript:` has no scheme at all."""
    cleaned = re.sub(r"[\t\n\r]", "", value).strip("".join(map(chr, range(33))))
    scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return scheme is None or scheme.group(1).lower() in ("http", "https", "mailto")


def executable(fragment: str, *, page: bool = False) -> list[str]:
    """What in this HTML could run script, restyle the page or load something foreign.

    On a whole page the site's own head (its scripts and styles) and its own forms are
    allowed; everything in the body is judged as if people wrote it."""
    root = html5lib.parse(fragment, namespaceHTMLElements=False)
    head = root.find("head")
    own_head = {id(e) for e in head.iter()} if page and head is not None else set()
    found = []
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        attrs = {str(k).rsplit("}", 1)[-1]: str(v) for k, v in element.attrib.items()}
        own = id(element) in own_head or (
            page
            and (
                attrs.get("src", "").startswith("/static/")
                or (tag == "form" and attrs.get("action", "/").startswith("/"))
            )
        )
        if tag in ACTIVE and not own:
            found.append(f"<{tag} {attrs}>")
        for name, value in attrs.items():
            styled = name.lower() == "style" and not ALIGNMENT.match(value)
            if name.lower().startswith("on") or (styled and not own):
                found.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and not safe_url(value):
                found.append(f"<{tag} {name}={value!r}>")
    return found


@pytest.fixture
async def posted(client: httpx.AsyncClient, factory: Factory) -> dict[str, Any]:
    cast = await make_cast(factory, visibility="public", allow_anonymous=True)
    for who, profile in (
        ("expert", {"display_name": NAME, "organization": CORPUS[4]}),
        ("participant", {}),
    ):
        # Quoted by name, so that the report carries their words and names.
        changed = await client.patch(
            f"{API}/me", json={**profile, "quote_consent": "named"}, headers=cast.h(who)
        )
        assert changed.status_code == 200, changed.text
    thread = await new_thread(client, cast, "participant", title=CORPUS[0], body=BODY)
    reply = await new_post(client, cast, "expert", thread["id"], body=BODY)
    return {"cast": cast, "thread": thread, "reply": reply}


async def test_api_html_fields_run_nothing(
    db_kind: str, client: httpx.AsyncClient, posted: dict[str, Any]
) -> None:
    cast, thread = posted["cast"], posted["thread"]
    listed = await client.get(f"{API}/threads/{thread['id']}/posts", headers=cast.h("observer"))
    assert listed.status_code == 200
    htmls = [posted["reply"]["body_html"]] + [p["body_html"] for p in listed.json()["items"]]
    assert len(htmls) == 3 and all(htmls)
    for html in htmls:
        assert executable(html) == [], html
    # The words survive as text: a reader sees what was written, inert.
    assert "alert(1)" in htmls[0]


async def test_live_events_run_nothing(
    db_kind: str, client: httpx.AsyncClient, posted: dict[str, Any]
) -> None:
    """The events as the log keeps them, and each frame the socket sends every kind of reader
    (the post's fragment and its `body_html`)."""
    cast = posted["cast"]
    answer = await client.get(f"{API}/dialogues/{cast.slug}/events", headers=cast.h("moderator"))
    assert answer.status_code == 200
    posts = [e for e in answer.json()["events"] if e["kind"] == "post.created"]
    assert len(posts) == 2
    fragments = PostFragments(create_templates(Settings()).env)
    context = DialogueContext(slug=cast.slug, allow_anonymous=True)
    for event in posts:
        assert executable(event["data"]["body_html"]) == []
        frames = EventFrames(fragments, context, event["seq"], event["kind"], event["data"])
        for role in (None, *Role):
            reader = ReaderClass(role=role, language="en", timezone="UTC")
            for mine in (False, True):
                data = json.loads(frames.frame(reader, mine=mine).text)["data"]
                # The fragment is the site's own (its forms); the body is left to body_html.
                assert data["html"] and executable(data["html"], page=True) == [], data["html"]
                assert executable(data["body_html"]) == []


async def test_pages_run_nothing(
    db_kind: str, client: httpx.AsyncClient, posted: dict[str, Any], app: Any
) -> None:
    cast, thread = posted["cast"], posted["thread"]
    async with visitor(app, cast.users["moderator"]) as browser:
        for path in (
            f"/d/{cast.slug}/threads/{thread['id']}",
            f"/d/{cast.slug}/themes/{cast.theme.id}",
            f"/d/{cast.slug}/search?q=alert",
            f"/d/{cast.slug}/moderation",
        ):
            page = await browser.get(path)
            assert page.status_code == 200, (path, page.status_code)
            assert executable(page.text, page=True) == [], path
            assert "alert(" in main(page.text) or "search" in path or "moderation" in path


async def test_every_report_format_runs_nothing(
    db_kind: str, client: httpx.AsyncClient, posted: dict[str, Any]
) -> None:
    cast = posted["cast"]
    reports = await all_formats(client, cast.slug, cast.h("organizer"))
    assert executable(reports["html"].decode("utf-8"), page=True) == []
    # Markdown: rendered by a tool that trusts raw HTML and every link, as many do.
    assert executable(trusting_renderer().render(reports["md"].decode("utf-8"))) == []
    # PDF: no JavaScript, no launch or URI actions but http(s).
    pdf = reports["pdf"]
    for marker in (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile"):
        assert marker not in pdf, marker
    for uri in re.findall(rb"/URI\s*\(([^)]*)\)", pdf):
        assert uri.lower().startswith((b"http://", b"https://", b"mailto:")), uri
    # DOCX: links only to the web.
    document = Document(io.BytesIO(reports["docx"]))
    links = [link.url for p in document.paragraphs for link in p.hyperlinks]
    assert all(url.startswith(("http://", "https://", "mailto:")) for url in links), links

    # JSON: people's words are data (Markdown source as written); any HTML field runs nothing.
    def html_fields(value: Any, key: str = "") -> list[str]:
        if isinstance(value, dict):
            return [h for k, v in value.items() for h in html_fields(v, str(k))]
        if isinstance(value, list):
            return [h for v in value for h in html_fields(v, key)]
        return [value] if key.endswith("html") and isinstance(value, str) else []

    document_json = json.loads(reports["json"])
    assert all(executable(html) == [] for html in html_fields(document_json))
    assert "<script>alert(1)</script>" in json.dumps(document_json)  # kept as text
    assert "&lt;img src=x onerror=alert(4)&gt;" in reports["html"].decode()  # shown as text
    # CSV: text cells, none a formula (tests/test_spreadsheet.py checks every CSV output).
    assert b"alert(1)" in reports["csv"]
