"""Markdown in, sanitised HTML out: the only way user text becomes HTML."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

# Raw HTML in Markdown is kept as text, never passed through; nh3 then removes anything
# the Markdown renderer itself could be tricked into producing (javascript: links, events).
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> str:
    return sanitise_html(_md.render(text))


def sanitise_html(html: str) -> str:
    """Only the tags and attributes a post may have; also run on what a translation engine
    returns from a post's HTML, which passed through a program we do not control."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


def plain_text(text: str) -> str:
    """The words of a Markdown text without markup, for snippets and search."""
    return nh3.clean(_md.render(text), tags=set()).strip()
