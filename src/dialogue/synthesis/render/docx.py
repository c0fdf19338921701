"""DOCX: a document organizers can keep editing in a word processor.

Real styles (Title, Heading 1-4, Quote, List Bullet, Table Grid) rather than direct
formatting, so the navigation pane, table of contents and restyling all work; charts are
PNG images drawn from the same SVG as the HTML. References to posts are real hyperlinks
(styled "Hyperlink") to the thread page that starts at each post, as in the HTML.
"""

from __future__ import annotations

import io
import re
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.text.run import CT_R
from docx.shared import Cm, Inches, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from dialogue.i18n import gettext as _
from dialogue.synthesis.charts import all_charts, alt_texts, to_png
from dialogue.synthesis.methodology import status_words
from dialogue.synthesis.render.common import (
    RenderOptions,
    content_warning,
    dimension_heading,
    distinctive_line,
    figure_value,
    group_heading,
    in_language,
    key_messages_title,
    not_quoted,
    organised_by,
    period,
    post_label,
    post_url,
    quoted_above,
    shown_sources,
    sources_words,
    split_at,
    state_label,
    subtheme_heading,
    suppressed_line,
    tally_line,
    tally_note,
    theme_heading,
    thread_of,
)

# Characters XML 1.0 cannot hold: python-docx refuses a string with any of them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_INLINE = re.compile(r"(\*\*[^*]+\*\*|\*[^*]+\*|_[^_]+_)")
_LIST = re.compile(r"^\s*(?:[-*+]|(\d+)[.)])\s+(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def _runs(paragraph: Any, text: str) -> None:
    """Bold and italic from Markdown emphasis; everything else as typed."""
    for part in _INLINE.split(text):
        if part.startswith("**") and part.endswith("**") and len(part) > 4:
            paragraph.add_run(part[2:-2]).bold = True
        elif len(part) > 2 and part[0] == part[-1] and part[0] in "*_":
            paragraph.add_run(part[1:-1]).italic = True
        elif part:
            paragraph.add_run(part)


def markdown_blocks(doc: DocumentObject, text: str, base_level: int) -> None:
    """The narrative's Markdown as paragraphs, headings and lists in the document's styles."""
    for block in re.split(r"\n\s*\n", text.strip()):
        for line in block.splitlines() if _LIST.match(block) else [" ".join(block.split("\n"))]:
            heading = _HEADING.match(line)
            item = _LIST.match(line)
            if heading:
                level = min(base_level + len(heading.group(1)), 4)
                doc.add_heading(heading.group(2).strip(), level=level)
            elif item:
                style = "List Number" if item.group(1) else "List Bullet"
                _runs(doc.add_paragraph(style=style), item.group(2))
            elif line.strip():
                _runs(doc.add_paragraph(), line.strip())


def xml_safe(value: Any) -> Any:
    """The document with every string fit for XML: a control character that a person's
    name, title or post carries is dropped rather than failing the whole report."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, dict):
        return {key: xml_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [xml_safe(item) for item in value]
    return value


def hyperlink(paragraph: Paragraph, url: str, text: str) -> Run:
    """A run inside a `w:hyperlink` to an outside address (python-docx has no API to add one)."""
    target = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink", attrs={qn("r:id"): target})
    element = OxmlElement("w:r")
    assert isinstance(element, CT_R)
    run = Run(element, paragraph)
    run.text = text
    run.style = "Hyperlink"
    link.append(element)
    paragraph._p.append(link)
    return run


def field(paragraph: Paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (page number, table of contents), computed by the word processor."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar", attrs={qn("w:fldCharType"): "begin"})
    code = OxmlElement("w:instrText", attrs={qn("xml:space"): "preserve"})
    code.text = instruction
    separate = OxmlElement("w:fldChar", attrs={qn("w:fldCharType"): "separate"})
    run._r.extend([begin, code, separate])
    paragraph.add_run(placeholder)
    end = paragraph.add_run()
    end._r.append(OxmlElement("w:fldChar", attrs={qn("w:fldCharType"): "end"}))


def _left_bar(style: Any) -> None:
    """A bar down the left of a paragraph style, as the HTML's blockquote has."""
    ppr = style.element.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    borders.append(
        OxmlElement(
            "w:left",
            attrs={qn("w:val"): "single", qn("w:sz"): "18", qn("w:space"): "8",
                   qn("w:color"): "6B4F8C"},
        )
    )  # fmt: skip
    ppr.append(borders)


class DocxWriter:
    def __init__(self, document: dict[str, Any], options: RenderOptions) -> None:
        self.d = xml_safe(document)
        self.options = options
        self.threads = thread_of(document)
        self.doc = Document()
        style = self.doc.styles["Normal"]
        style.font.name = "DejaVu Sans"
        style.font.size = Pt(10.5)
        link_style = self.doc.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
        link_style.font.color.rgb = RGBColor(0x1A, 0x4F, 0x9C)
        link_style.font.underline = True
        self.page()
        quote = self.doc.styles["Quote"]
        quote.font.italic = True
        quote.font.color.rgb = RGBColor(0x22, 0x22, 0x22)
        quote.paragraph_format.left_indent = Cm(1)
        quote.paragraph_format.space_after = Pt(2)
        _left_bar(quote)
        source = self.doc.styles.add_style("Quote Attribution", WD_STYLE_TYPE.PARAGRAPH)
        source.base_style = self.doc.styles["Normal"]
        source.font.size = Pt(9)
        source.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
        source.paragraph_format.left_indent = Cm(1)
        source.paragraph_format.space_after = Pt(10)
        source.paragraph_format.keep_together = True
        _left_bar(source)

    def page(self) -> None:
        """A4 like the PDF, page numbers in the footer, and title and author metadata."""
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(18)
        section.top_margin, section.bottom_margin = Mm(20), Mm(22)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        field(footer, "PAGE", "1")
        properties = self.doc.core_properties
        properties.title = self.d["dialogue"]["title"][:250]
        properties.subject = _("Synthesis report")
        properties.author = (", ".join(self.d["dialogue"]["organizers"]) or "dialogue")[:250]
        properties.keywords = _("synthesis report; e-dialogue")
        properties.language = str(self.d.get("report", {}).get("language") or "en")
        # Ask the word processor to compute the fields (the contents) when the file opens.
        settings = self.doc.settings.element
        settings.append(OxmlElement("w:updateFields", attrs={qn("w:val"): "true"}))

    def contents(self) -> None:
        self.doc.add_paragraph(_("Contents"), style="TOC Heading")
        field(
            self.doc.add_paragraph(),
            'TOC \\o "1-3" \\h \\z \\u',
            _(
                "The table of contents is filled in when the document is opened "
                "(or: right-click, Update field)."
            ),
        )

    def ref(self, paragraph: Paragraph, post_id: int, label: str | None = None) -> Run:
        """`#id` linked to the post's page, or plain text where readers may not open it."""
        text = label or f"#{post_id}"
        url = post_url(self.options, self.d["dialogue"]["slug"], self.threads.get(post_id), post_id)
        return hyperlink(paragraph, url, text) if url else paragraph.add_run(text)

    def quote(self, q: dict[str, Any]) -> None:
        if q.get("content_warning"):  # a document cannot fold: the warning comes first
            warning = self.doc.add_paragraph(style="Quote")
            warning.add_run(content_warning(q["content_warning"])).bold = True
        for paragraph in (p for p in q["text"].split("\n\n") if p.strip()):
            self.doc.add_paragraph(paragraph.strip(), style="Quote")
        line = self.doc.add_paragraph(
            f"— {q['attribution']}, {q['date']} (", style="Quote Attribution"
        )
        self.ref(line, q["post_id"], post_label(q["post_id"]))
        line.add_run(")")

    def sources(self, post_ids: list[int]) -> None:
        shown, more = shown_sources(post_ids)
        if not shown:
            return
        paragraph = self.doc.add_paragraph()
        before, after = sources_words(more)
        runs = [paragraph.add_run(before)]
        for n, post_id in enumerate(shown):
            if n:
                runs.append(paragraph.add_run(", "))
            runs.append(self.ref(paragraph, post_id))
        if after:
            runs.append(paragraph.add_run(after))
        for run in runs:
            run.font.size = Pt(8)

    def table(self, header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = text
            cell.paragraphs[0].runs[0].bold = True
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = str(value)
        # A paragraph after each table: two tables in a row would be read as one.
        self.doc.add_paragraph().paragraph_format.space_after = Pt(4)

    def chart(self, svg: str, alt: str) -> None:
        shape = self.doc.add_picture(io.BytesIO(to_png(svg)), width=Inches(6.2))
        shape._inline.docPr.set("descr", alt)

    def write(self) -> bytes:
        self.cover()
        self.contents()
        self.glance()
        for index, theme in enumerate(self.d["themes"], 1):
            self.theme(index, theme)
        self.agreement()
        self.recommendations()
        self.appendix()
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()

    def cover(self) -> None:
        d = self.d["dialogue"]
        self.doc.add_paragraph(_("Synthesis report"), style="Subtitle")
        self.doc.add_heading(d["title"], level=0)
        if d["start"]:
            self.doc.add_paragraph(period(d["start"], d["end"]))
        state = state_label(self.d["report"]["state"])
        self.doc.add_paragraph(_("Status: %(state)s") % {"state": state})
        if d["organizers"]:
            self.doc.add_paragraph(organised_by(d["organizers"]))
        if d["purpose"]:
            markdown_blocks(self.doc, d["purpose"], 1)
        if self.d["report"]["note"]:
            self.doc.add_paragraph(self.d["report"]["note"], style="Intense Quote")
        if self.d["executive_summary"]:
            self.doc.add_heading(_("Executive summary"), level=1)
            markdown_blocks(self.doc, self.d["executive_summary"], 1)
        if self.d.get("introduction"):  # absent from reports frozen before it existed
            self.doc.add_heading(_("Introduction"), level=1)
            markdown_blocks(self.doc, self.d["introduction"], 1)

    def glance(self) -> None:
        glance = self.d["at_a_glance"]
        self.doc.add_heading(_("At a glance"), level=1)
        self.table((_("Figure"), _("Value")), [(f["label"], f["value"]) for f in glance["figures"]])
        self.table(
            (_("Theme"), _("Posts"), _("Participants (own name)"), _("Threads")),
            [
                (
                    t["title"],
                    *(figure_value(t["figures"], k) for k in ("posts", "participants", "threads")),
                )
                for t in glance["themes"]
            ],
        )
        alts = alt_texts(self.d)
        for name, svg in all_charts(self.d).items():
            self.chart(svg, alts[name])
        self.doc.add_heading(_("Who spoke"), level=2)
        for dimension, data in self.d["who_spoke"].items():
            self.doc.add_heading(dimension_heading(dimension), level=3)
            if data["groups"]:
                self.table(
                    (_("Group"), _("People"), _("Share of posts")),
                    [(g["group"], g["people"], f"{g['share']:.0%}") for g in data["groups"]],
                )
            else:
                self.doc.add_paragraph(_("No group is large enough to show."))
            if data["suppressed_people"]:
                self.doc.add_paragraph(
                    suppressed_line(data["suppressed_people"], data["min_group"])
                )

    def theme(self, index: int, t: dict[str, Any]) -> None:
        self.doc.add_heading(theme_heading(index, t["title"]), level=1)
        if t["guiding_questions"]:
            self.doc.add_heading(_("Guiding questions"), level=2)
            for q in t["guiding_questions"]:
                self.doc.add_paragraph(q, style="List Bullet")
        if t["moderator_summary"]:
            self.doc.add_heading(_("Moderators' summary"), level=2)
            markdown_blocks(self.doc, t["moderator_summary"], 2)
        if t["narrative"]:
            self.doc.add_heading(_("Summary"), level=2)
            markdown_blocks(self.doc, t["narrative"], 2)
        drafted = t.get("key_messages", {})
        if drafted.get("items"):
            self.doc.add_heading(key_messages_title(), level=2)
            self.excerpts(drafted)
        self.doc.add_heading(_("Sub-themes"), level=2)
        if not t["subthemes"]["found"]:
            self.doc.add_paragraph(t["subthemes"]["note"])
        for s in t["subthemes"]["items"]:
            self.doc.add_heading(subtheme_heading(s["label"], s["size"]), level=3)
            self.sources(s["post_ids"])
            for q in s["quotes"]:
                self.quote(q)
        if t["highlights"]:
            self.doc.add_heading(_("Highlighted quotes"), level=2)
            for q in t["highlights"]:
                self.quote(q)
        if t["codes"]:
            self.doc.add_heading(_("Codes"), level=2)
            self.table((_("Code"), _("Posts")), [(c["code"], c["count"]) for c in t["codes"]])

    def excerpts(self, drafted: dict[str, Any]) -> None:
        """A drafted list of participants' sentences, under its draft mark."""
        self.doc.add_paragraph().add_run(drafted["note"]).italic = True
        for m in drafted["items"]:
            line = self.doc.add_paragraph(f"{m['text']} (", style="List Bullet")
            self.ref(line, m["post_id"])
            line.add_run(")")

    def agreement(self) -> None:
        a = self.d["agreement"]
        self.doc.add_heading(_("Agreement and division"), level=1)
        for title, items, empty in (
            (_("Broad agreement"), a["consensus"], _("No post has broad agreement yet.")),
            (_("What divides"), a["division"], _("No post clearly divides participants.")),
        ):
            self.doc.add_heading(title, level=2)
            if not items:
                self.doc.add_paragraph(empty)
            for item in items:
                line = self.doc.add_paragraph()
                self.ref(line, item["post_id"], f"#{item['post_id']}")
                line.add_run(f": {tally_line(item)} {tally_note(item)}".rstrip())
                if item["quote"]:
                    self.quote(item["quote"])
        self.doc.add_heading(_("Opinion groups"), level=2)
        groups = a["groups"]
        if not groups["found"]:
            self.doc.add_paragraph(groups["note"])
        for n, g in enumerate(groups["items"], 1):
            self.doc.add_heading(group_heading(n, g["size"]), level=3)
            for x in g["distinctive"]:
                before, after = split_at(f"{distinctive_line(x)} {tally_note(x)}".rstrip(), "post")
                line = self.doc.add_paragraph(before)
                self.ref(line, x["post_id"], post_label(x["post_id"]))
                line.add_run(after)
                if x["quote"]:
                    self.quote(x["quote"])
        if groups["common_ground"]:
            self.doc.add_heading(_("Common ground across groups"), level=3)
            for c in groups["common_ground"]:
                if c["quote"]:
                    self.quote(c["quote"])
                else:
                    line = self.doc.add_paragraph()
                    self.ref(line, c["post_id"])
                    line.add_run(f" {tally_note(c)}".rstrip())

    def recommendations(self) -> None:
        r = self.d["recommendations"]
        self.doc.add_heading(_("Recommendations"), level=1)
        if r["narrative"]:
            markdown_blocks(self.doc, r["narrative"], 1)
        for g in r["groups"]:
            self.doc.add_heading(g["title"], level=2)
            if g.get("draft", {}).get("items"):
                self.excerpts(g["draft"])
            if g["items"]:
                self.doc.add_paragraph().add_run(_("Evidence: the coded posts")).italic = True
            for q in g["items"]:
                self.quote(q)
            if g.get("quoted_above"):
                line = self.doc.add_paragraph(quoted_above())
                for n, post_id in enumerate(g["quoted_above"]):
                    if n:
                        line.add_run(", ")
                    self.ref(line, post_id)
            if g["not_quoted"]:
                self.doc.add_paragraph(not_quoted(g["not_quoted"]))
        if not r["groups"] and not r["narrative"]:
            self.doc.add_paragraph(_("No post has been coded as a recommendation."))

    def appendix(self) -> None:
        m = self.d["methodology"]
        self.doc.add_page_break()  # type: ignore[no-untyped-call]
        self.doc.add_heading(_("Methodology"), level=1)
        for p in m["how_it_ran"]:
            self.doc.add_paragraph(p)
        mod = m["moderation"]
        self.doc.add_heading(_("Moderation"), level=2)
        self.table(
            (_("Posts"), _("Count")),
            [
                *((status_words(k), v) for k, v in mod["posts_by_status"].items()),
                (_("flags raised"), mod["flags"]),
            ],
        )
        if mod["actions"]:
            self.table((_("Moderation action"), _("Count")), list(mod["actions"].items()))
        self.doc.add_heading(_("How the analysis works"), level=2)
        for p in m["analysis"]:
            self.doc.add_paragraph(p)
        self.doc.add_heading(_("Limits"), level=2)
        for p in m["limits"]:
            self.doc.add_paragraph(p, style="List Bullet")
        self.doc.add_heading(_("Participating organisations"), level=1)
        if self.d["organisations"]:
            for o in self.d["organisations"]:
                self.doc.add_paragraph(o, style="List Bullet")
        else:
            self.doc.add_paragraph(
                _("None listed (organisations appear only with their members' consent).")
            )


def render(document: dict[str, Any], options: RenderOptions) -> bytes:
    with in_language(document, options.catalogues):
        return DocxWriter(document, options).write()
