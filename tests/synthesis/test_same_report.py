"""Every format says the same thing: the same sections and the same quotes, read back from
each file with its readers' tools (pypdf's outline, python-docx's styles, html5lib)."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import Counter
from dataclasses import replace
from functools import cache
from typing import Any

import html5lib
from docx import Document
from pypdf import PdfReader

from dialogue.synthesis.assembly import build_document
from dialogue.synthesis.render.common import RenderOptions, quoted_posts, sections
from dialogue.synthesis.render.registry import REPORT_FORMATS
from tests.synthesis.samples import sample
from tests.synthesis.scene import text_of

OPTIONS = RenderOptions(base_url="http://example.org")
# A quote's source line in every format: "— who, when (#N)" (the DOCX says "post #N").
QUOTE_SOURCE = re.compile(r"—[^—]{0,300}?\((?:post )?\[?#(\d+)", re.DOTALL)
_MD_HEADING = re.compile(r"^(#{1,6}) (.*)$", re.MULTILINE)
_MD_ESCAPE = re.compile(r"\\(.)")


@cache
def document() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(
        REPORT_FORMATS["json"].render(build_document(sample(n_posts=300)), OPTIONS)
    )
    return found


@cache
def rendered(fmt: str) -> bytes:
    return REPORT_FORMATS[fmt].render(document(), OPTIONS)


def md_sections(body: bytes) -> list[tuple[int, str]]:
    text = body.decode("utf-8")
    return [
        (len(m.group(1)), _MD_ESCAPE.sub(r"\1", m.group(2)).replace("&amp;", "&"))
        for m in _MD_HEADING.finditer(text)
    ]


def html_sections(body: bytes) -> list[tuple[int, str]]:
    tree = html5lib.parse(body.decode("utf-8"), namespaceHTMLElements=False)
    found = []
    for element in tree.iter():
        if isinstance(element.tag, str) and re.fullmatch(r"h[1-6]", element.tag):
            found.append((int(element.tag[1]), " ".join("".join(element.itertext()).split())))
    return found


def pdf_sections(body: bytes) -> list[tuple[int, str]]:
    """The PDF's bookmarks (WeasyPrint makes one per heading), with their depth."""
    found: list[tuple[int, str]] = []

    def walk(items: list[Any], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, " ".join(str(item.title).split())))

    walk(PdfReader(io.BytesIO(body)).outline, 1)
    return found


def docx_sections(body: bytes) -> list[tuple[int, str]]:
    found = []
    for paragraph in Document(io.BytesIO(body)).paragraphs:
        name = paragraph.style.name if paragraph.style else ""
        if name == "Title":
            found.append((1, paragraph.text))
        elif name.startswith("Heading "):
            found.append((int(name.split()[1]) + 1, paragraph.text))
    return found


def quotes_in(fmt: str, body: bytes) -> Counter[int]:
    if fmt == "json":
        return Counter(quoted_posts(json.loads(body)))
    if fmt == "html":
        tree = html5lib.parse(body.decode("utf-8"), namespaceHTMLElements=False)
        text = "".join(tree.itertext())
    else:
        text = text_of(fmt, body) if fmt != "md" else body.decode("utf-8")
    return Counter(int(n) for n in QUOTE_SOURCE.findall(text))


class TestSameSections:
    def test_the_sample_exercises_every_kind_of_section(self) -> None:
        names = {title for _level, title in sections(document())}
        assert {"Executive summary", "Highlighted quotes", "Codes"} <= names
        assert any(title.startswith("Group 1:") for title in names)
        assert "Common ground across groups" in names
        assert len(quoted_posts(document())) >= 20

    def test_md_html_pdf_and_docx_have_the_documents_sections(self) -> None:
        expected = sections(document())
        readers = {
            "md": md_sections,
            "html": html_sections,
            "pdf": pdf_sections,
            "docx": docx_sections,
        }
        for fmt, read in readers.items():
            assert read(rendered(fmt)) == expected, fmt


class TestSameQuotes:
    def test_every_format_quotes_the_same_posts_as_often(self) -> None:
        expected = Counter(quoted_posts(document()))
        for fmt in ("json", "md", "html", "pdf", "docx"):
            assert quotes_in(fmt, rendered(fmt)) == expected, fmt


class TestDocxLayout:
    def test_a4_page_numbers_contents_metadata_alt_text_and_quote_styles(self) -> None:
        body = rendered("docx")
        doc = Document(io.BytesIO(body))
        section = doc.sections[0]
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            xml = {n: archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml")}
        footers = "".join(v for k, v in xml.items() if k.startswith("word/footer"))
        assert "PAGE" in footers
        assert 'TOC \\o "1-3"' in xml["word/document.xml"]
        assert doc.core_properties.title == document()["dialogue"]["title"]
        assert doc.core_properties.author == "Org 0"
        alts = re.findall(r'<wp:docPr [^>]*descr="([^"]+)"', xml["word/document.xml"])
        assert len(alts) == 3 and all(len(a) > 20 for a in alts)
        assert alts[1].startswith("Participants by region")
        quote = doc.styles["Quote"]
        assert quote.font.italic and quote.paragraph_format.left_indent
        assert any(p.style and p.style.name == "Quote Attribution" for p in doc.paragraphs)


class TestPdfLayout:
    def test_headings_are_kept_with_what_follows(self) -> None:
        css = (OPTIONS.templates_dir / "reports" / "report.css").read_text(encoding="utf-8")
        assert re.search(r"h2, h3, h4 \{ break-after: avoid; \}", css)


@cache
def french_document() -> dict[str, Any]:
    """The sample built in French (the server's `default_language`)."""
    built: dict[str, Any] = json.loads(
        REPORT_FORMATS["json"].render(
            build_document(replace(sample(n_posts=300), language="fr")), OPTIONS
        )
    )
    return built


@cache
def french(fmt: str) -> bytes:
    return REPORT_FORMATS[fmt].render(french_document(), OPTIONS)


FRENCH = frozenset(
    {"En bref", "Qui s'est exprimé", "Sous-thèmes", "Recommandations", "Méthodologie"}
)
ENGLISH = frozenset({"At a glance", "Who spoke", "Sub-themes", "Recommendations", "Methodology"})


class TestInTheReportsLanguage:
    def test_headings_are_french_in_md_html_and_docx(self) -> None:
        expected = sections(french_document())
        names = {title for _level, title in expected}
        assert names >= FRENCH and not ENGLISH & names
        assert any(title.startswith("Thème 1 : ") for title in names)
        assert "Destinataires : funders" in names  # a recommendation's audience, as coded
        readers = {"md": md_sections, "html": html_sections, "docx": docx_sections}
        for fmt, read in readers.items():
            assert read(french(fmt)) == expected, fmt

    def test_labels_placeholders_and_methodology_are_french_csv_headers_stay(self) -> None:
        document = french_document()
        assert document["report"]["language"] == "fr"
        labels = {f["label"] for f in document["at_a_glance"]["figures"]}
        assert "Jours d'activité" in labels
        assert any("« #N »" in p for p in document["methodology"]["how_it_ran"])
        assert any("[nom]" in p for p in document["methodology"]["how_it_ran"])
        html = french("html").decode("utf-8")
        assert '<html lang="fr">' in html and "Messages par jour, par thème" in html
        assert "Brouillon" in french("md").decode("utf-8")
        docx = Document(io.BytesIO(french("docx")))
        assert docx.core_properties.language == "fr"
        header = french("csv").decode("utf-8-sig").splitlines()[0]
        assert header.startswith("post_id,theme,thread_id,thread,parent_id,date,author")
