"""People's words in the Markdown report: as text, or as the sanitised Markdown they wrote.

Whoever opens the Markdown report renders it with a Markdown tool of their own, and many
of those pass raw HTML and any link through. So nothing people wrote reaches the file as
they typed it:

- `text` (names, organisations, titles, questions, codes, quotes) escapes every character
  that Markdown reads as markup, writes `&`, `<` and `>` as character references (which
  every Markdown tool leaves as text), and defuses line starts that would open a heading,
  list, quote or code block. It is read as the same words by any CommonMark tool.
- `markdown` (summaries and narratives, Markdown by design) goes through the site's own
  renderer and sanitiser, as in the HTML report, and is written back as Markdown from that
  sanitised HTML: the same emphasis, lists, headings, tables and http(s)/mailto links,
  with every piece of text escaped as above and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from dialogue.markup import render_markdown

# Markdown's inline markup characters, backslash-escaped; &, < and > become references.
_INLINE = re.compile(r"[\\`*_\[\]#|~!&<>]")
_REFERENCES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# What opens a block at the start of a line, once the inline characters are escaped.
_LINE_START = re.compile(r"^([-+=])|^(\d+)([.)])")
_SPACE = re.compile(r"\s+")
_SAFE_LINK = re.compile(r"^(?:https?://|mailto:)", re.IGNORECASE)
_LINK_ESCAPES = {"(": "%28", ")": "%29", "<": "%3C", ">": "%3E", " ": "%20", "\\": "%5C"}
_BACKTICKS = re.compile(r"`+")


def _inline(value: str) -> str:
    return _INLINE.sub(lambda m: _REFERENCES.get(m.group(), "\\" + m.group()), value)


def _line(value: str) -> str:
    """One escaped line, with a block-opening start (`- `, `1. `, `===`) made plain."""
    return _LINE_START.sub(
        lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3),
        value.lstrip(),
    )


def text(value: str) -> str:
    """A single-line value (a name, a title) as Markdown text: line breaks become spaces."""
    return _line(_inline(_SPACE.sub(" ", value).strip()))


def lines(value: str) -> list[str]:
    """A multi-line value (a quoted post) as Markdown text, one escaped line per line."""
    return [_line(_inline(line.strip())) for line in value.split("\n")]


def link(label: str, url: str) -> str:
    """A link in Markdown, only to http(s) and mail addresses; anything else is its label."""
    if not _SAFE_LINK.match(url):
        return label
    target = "".join(_LINK_ESCAPES.get(c, c) for c in url).replace("&", "&amp;")
    return f"[{label}]({target})"


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Node | str] = field(default_factory=list)


_VOID = {"br", "hr"}


class _Tree(HTMLParser):
    """The sanitiser's output (well formed, a known set of tags) as a tree."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _code_span(content: str) -> str:
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(content)), default=0) + 1)
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def _phrasing(node: _Node | str) -> str:
    """Inline content, escaped; its line breaks stay newlines, for the block to place."""
    if isinstance(node, str):
        return _inline(node)
    inner = "".join(_phrasing(child) for child in node.children)
    wrap = {"strong": "**", "em": "*", "del": "~~", "s": "~~"}.get(node.tag)
    if wrap:
        return f"{wrap}{inner}{wrap}" if inner.strip() else inner
    if node.tag == "code":
        return _code_span(_plain(node))
    if node.tag == "a":
        return link(inner, node.attrs.get("href", ""))
    if node.tag == "br":
        return "\\\n"  # a hard line break: a backslash at the end of the line
    return inner


def _plain(node: _Node | str) -> str:
    return node if isinstance(node, str) else "".join(_plain(c) for c in node.children)


def _paragraph(node: _Node) -> list[str]:
    """The paragraph's lines, each line start made plain; never a blank line inside."""
    return [_line(part) for part in _phrasing(node).split("\n") if part.strip()]


def _table(node: _Node) -> list[str]:
    rows = [n for n in _descendants(node) if n.tag == "tr"]
    cells = [[_SPACE.sub(" ", _phrasing(c)).strip() for c in _elements(r)] for r in rows]
    if not cells:
        return []
    width = max(len(row) for row in cells)
    rendered = [f"| {' | '.join(row + [''] * (width - len(row)))} |" for row in cells]
    return [rendered[0], "|" + "---|" * width, *rendered[1:]]


def _elements(node: _Node) -> list[_Node]:
    return [c for c in node.children if isinstance(c, _Node)]


def _descendants(node: _Node) -> Iterator[_Node]:
    for child in _elements(node):
        yield child
        yield from _descendants(child)


_HEADINGS = {f"h{n}" for n in range(1, 7)}
_BLOCKS = {"p", "ul", "ol", "li", "blockquote", "pre", "hr", "table"} | _HEADINGS


def _blocks(node: _Node, heading_base: int) -> list[list[str]]:
    """The node's children as Markdown blocks (each a list of lines)."""
    blocks: list[list[str]] = []
    loose: list[_Node | str] = []  # inline content outside a paragraph (a tight list item)

    def flush() -> None:
        if any(_plain(n).strip() for n in loose):
            blocks.append(_paragraph(_Node("p", children=list(loose))))
        loose.clear()

    for child in node.children:
        if isinstance(child, str) or child.tag not in _BLOCKS:
            loose.append(child)
            continue
        flush()
        blocks.append(_block(child, heading_base))
    flush()
    return [b for b in blocks if b]


def _block(node: _Node, heading_base: int) -> list[str]:
    tag = node.tag
    if tag == "p":
        return _paragraph(node)
    if tag in _HEADINGS:
        level = min(int(tag[1]) + heading_base, 6)
        return ["#" * level + " " + _line(_SPACE.sub(" ", _phrasing(node)).strip())]
    if tag == "hr":
        return ["---"]
    if tag == "pre":
        # Indented, not fenced: every Markdown tool, the oldest included, reads it as code.
        return [("    " + line).rstrip() for line in _plain(node).rstrip("\n").split("\n")]
    if tag == "blockquote":
        return [f"> {line}".rstrip() for line in _join(_blocks(node, heading_base))]
    if tag == "table":
        return _table(node)
    if tag in {"ul", "ol"}:
        start = int(node.attrs.get("start", "1") or 1) if tag == "ol" else 1
        out: list[str] = []
        for n, item in enumerate(c for c in _elements(node) if c.tag == "li"):
            marker = f"{start + n}. " if tag == "ol" else "- "
            body = _join(_blocks(item, heading_base)) or [""]
            out.append(marker + body[0])
            out.extend((" " * len(marker) + line).rstrip() for line in body[1:])
        return out
    return _join(_blocks(node, heading_base))


def _join(blocks: list[list[str]]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if out:
            out.append("")
        out.extend(block)
    return out


def markdown(value: str, heading_base: int = 0) -> str:
    """Markdown written by people, as the site shows it: sanitised, then written back.

    Headings move down by `heading_base` levels, so a narrative's own headings sit below
    the report section they are in.
    """
    tree = _Tree()
    tree.feed(render_markdown(value))
    tree.close()
    return "\n".join(_join(_blocks(tree.root, heading_base)))
