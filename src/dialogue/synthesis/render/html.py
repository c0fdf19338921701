"""HTML: one standalone file, CSS and charts inline, ready to print; the base of the PDF."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from dialogue import i18n
from dialogue.markup import render_markdown
from dialogue.synthesis.charts import all_charts
from dialogue.synthesis.methodology import status_words
from dialogue.synthesis.render import common
from dialogue.synthesis.render.common import (
    RenderOptions,
    figure_value,
    in_language,
    post_url,
    report_language,
    shown_sources,
)


@lru_cache(maxsize=4)
def environment(templates_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir / "reports")),
        autoescape=select_autoescape(["html"]),
        trim_blocks=False,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    # The same translations as the site's pages, in the language `in_language` sets.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
    )
    return env


# The words `common` writes, by the names the templates call them.
WORDS = (
    "content_warning",
    "dimension_heading",
    "distinctive_line",
    "group_heading",
    "key_messages_title",
    "not_quoted",
    "organised_by",
    "period",
    "quoted_above",
    "split_at",
    "subtheme_heading",
    "suppressed_line",
    "tally_line",
    "tally_note",
    "theme_heading",
)


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()] or [text]


def _context(document: dict[str, Any], options: RenderOptions) -> dict[str, Any]:
    threads = common.thread_of(document)
    slug = document["dialogue"]["slug"]

    def ref(post_id: int) -> Markup:
        url = post_url(options, slug, threads.get(post_id), post_id)
        label = f"#{post_id}"
        if url is None:
            return Markup("<span>{}</span>").format(label)
        return Markup('<a href="{}">{}</a>').format(url, label)

    def sources(post_ids: list[int]) -> Markup:
        shown, more = shown_sources(post_ids)
        if not shown:
            return Markup("")
        links = Markup(", ").join(ref(pid) for pid in shown)
        before, after = common.sources_words(more)
        return escape(before) + links + escape(after)

    def md(text: str) -> Markup:
        return Markup(render_markdown(text))  # noqa: S704 - sanitised by nh3 in render_markdown

    css = (options.templates_dir / "reports" / "report.css").read_text(encoding="utf-8")
    return {
        "d": document,
        "language": report_language(document),
        "css": Markup(css),  # noqa: S704 - our own stylesheet, shipped with the templates
        "charts": all_charts(document),
        "state_label": common.state_label(document["report"]["state"]),
        "ref": ref,
        "sources": sources,
        "md": md,
        "paragraphs": paragraphs,
        "value": figure_value,
        "status_words": status_words,
        **{name: getattr(common, name) for name in WORDS},
    }


def render_page(document: dict[str, Any], options: RenderOptions) -> str:
    env = environment(options.templates_dir)
    with in_language(document, options.catalogues):
        return env.get_template("report.html").render(_context(document, options))


def render_body(document: dict[str, Any], options: RenderOptions) -> Markup:
    """The report without its page around it, to show inside one of the site's pages."""
    env = environment(options.templates_dir)
    with in_language(document, options.catalogues):
        # Escaped by the template's autoescape; narratives sanitised by `md`.
        return Markup(env.get_template("_report_body.html").render(_context(document, options)))  # noqa: S704


def render(document: dict[str, Any], options: RenderOptions) -> bytes:
    return render_page(document, options).encode("utf-8")
