"""HTML-only replies as Markdown, with the clients' quoted messages left out.

Only structure survives (paragraphs, line breaks, emphasis, links, lists, block quotes,
code); everything else is dropped, text included where it is not meant to be read
(scripts, styles). The Markdown goes through `dialogue.markup` like every post, so this is
about fidelity, not safety: nothing written here reaches a page as HTML.

The quoted message is recognised by the marks each client leaves in its HTML: Gmail's
`gmail_quote`, Apple Mail's and Thunderbird's `<blockquote type="cite">` and
`moz-cite-prefix`, Yahoo's `yahoo_quoted`; Outlook starts the quoted message with
`appendonsend` or `divRplyFwdMsg`, and everything after those is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote

_DROPPED_TAGS = {"script", "style", "head", "title", "template", "noscript", "object", "svg"}
_DROPPED_CLASSES = {
    "gmail_quote",
    "gmail_attr",
    "gmail_signature",
    "moz-cite-prefix",
    "moz-signature",
    "yahoo_quoted",
}
_STOP_IDS = {"appendonsend", "divrplyfwdmsg", "mail-editor-reference-message-container"}
_VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "base", "source"}
_BLOCKS = {
    "p", "div", "section", "article", "header", "footer", "table", "tr", "center",
    "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "address", "figure",
}  # fmt: skip
_EMPHASIS = {"b": "**", "strong": "**", "i": "*", "em": "*", "code": "`", "tt": "`"}
_LINK_SCHEMES = ("http://", "https://", "mailto:")
_ESCAPED = re.compile(r"([\\`*_\[\]])")


@dataclass
class _Box:
    """The output of one element that frames its content (the body, a list item, a quote)."""

    tag: str
    blocks: list[str] = field(default_factory=list)
    line: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # a list's finished items

    def end_block(self) -> None:
        text = "\n".join(" ".join(part.split()) for part in "".join(self.line).split("\n"))
        if text.strip():
            self.blocks.append(text.strip("\n"))
        self.line = []

    def text(self) -> str:
        self.end_block()
        return "\n\n".join(self.blocks)


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.boxes = [_Box("body")]
        self.open: list[str] = []  # open non-void tags, to find where a skipped one ends
        self.skip_at: int | None = None  # depth of the dropped element we are inside
        self.stopped = False  # the quoted message has begun: nothing more is the reply
        self.pre = 0
        self.links: list[tuple[str, int]] = []  # href, where its text starts in the line

    @property
    def box(self) -> _Box:
        return self.boxes[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.stopped:
            return
        values = {name: value or "" for name, value in attrs}
        if values.get("id", "").lower() in _STOP_IDS:
            self.stopped = True
            return
        if tag not in _VOID:
            self.open.append(tag)
        if self.skip_at is not None:
            return
        classes = set(values.get("class", "").split())
        cited = tag == "blockquote" and values.get("type", "").lower() == "cite"
        if tag in _DROPPED_TAGS or classes & _DROPPED_CLASSES or cited:
            self.skip_at = len(self.open) - 1
            return
        self._open(tag, values)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.stopped or tag not in self.open:
            return
        while self.open:
            closed = self.open.pop()
            if self.skip_at is not None:
                if len(self.open) <= self.skip_at:
                    self.skip_at = None
            else:
                self._close(closed)
            if closed == tag:
                return

    def handle_data(self, data: str) -> None:
        if self.stopped or self.skip_at is not None:
            return
        self.box.line.append(data if self.pre else _ESCAPED.sub(r"\\\1", data))

    def _open(self, tag: str, values: dict[str, str]) -> None:
        box = self.box
        if tag in _BLOCKS:
            box.end_block()
        elif tag == "br":
            box.line.append("\n")
        elif tag == "hr":
            box.end_block()
            box.blocks.append("---")
        elif tag in _EMPHASIS and not self.pre:
            box.line.append(_EMPHASIS[tag])
        elif tag == "a":
            self.links.append((values.get("href", "").strip(), len(box.line)))
        elif tag == "pre":
            box.end_block()
            self.pre += 1
            self.boxes.append(_Box(tag))
        elif tag in ("ul", "ol", "blockquote", "li"):
            box.end_block()
            self.boxes.append(_Box(tag))
        elif tag in ("td", "th"):
            box.line.append(" ")

    def _close(self, tag: str) -> None:
        box = self.box
        if tag in _BLOCKS:
            box.end_block()
        elif tag in _EMPHASIS and not self.pre:
            box.line.append(_EMPHASIS[tag])
        elif tag == "a" and self.links:
            self._close_link(box)
        elif tag in ("pre", "ul", "ol", "blockquote", "li") and box.tag == tag:
            self.boxes.pop()
            self._place(box, self.box)

    def _close_link(self, box: _Box) -> None:
        href, start = self.links.pop()
        words = "".join(box.line[start:]).strip()
        if words and href.lower().startswith(_LINK_SCHEMES):
            target = quote(href, safe=":/?#@!$&'*+,;=%~-._")
            box.line[start:] = [f"[{words}]({target})"]

    def _place(self, inner: _Box, outer: _Box) -> None:
        if inner.tag == "pre":
            self.pre -= 1
            code = "".join(inner.line).strip("\n")
            if code.strip():
                outer.blocks.append(f"```\n{code}\n```")
        elif inner.tag == "li":
            outer.items.append(inner.text())
        elif inner.tag in ("ul", "ol"):
            inner.end_block()
            items = [*inner.items, *inner.blocks]
            outer.blocks.append(
                "\n".join(_item(n, text, inner.tag) for n, text in enumerate(items))
            )
        else:  # a quote the writer made themselves (not a client's citation)
            quoted = inner.text()
            if quoted:
                outer.blocks.append("\n".join(f"> {line}".rstrip() for line in quoted.split("\n")))


def _item(index: int, text: str, kind: str) -> str:
    marker = f"{index + 1}. " if kind == "ol" else "- "
    lines = text.split("\n")
    rest = [f"{' ' * len(marker)}{line}" if line else "" for line in lines[1:]]
    return "\n".join([marker + lines[0], *rest])


def html_to_markdown(html: str) -> str:
    """The reply part of an HTML message, as Markdown."""
    converter = _Converter()
    converter.feed(html)
    converter.close()
    while len(converter.boxes) > 1:  # elements the sender never closed
        inner = converter.boxes.pop()
        converter._place(inner, converter.box)
    return converter.box.text()
