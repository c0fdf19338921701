"""Reading pages in tests: their visible text, and the parts a test points at."""

from __future__ import annotations

import re
from html import unescape

_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def text(html: str) -> str:
    """What a reader sees of a page (or part of it): tags dropped, spaces collapsed."""
    return _SPACE.sub(" ", unescape(_TAGS.sub(" ", html))).strip()


def main(html: str) -> str:
    """The page's <main>, without the site header and footer."""
    start, end = html.index("<main"), html.index("</main>")
    return html[start:end]


def post_html(html: str, post_id: int) -> str:
    """One post's <article> (its replies excluded)."""
    start = html.index(f'id="post-{post_id}"')
    begin = html.index("<article", start)
    return html[begin : html.index("</article>", begin)]


def section(html: str, heading_id: str) -> str:
    """The <section> labelled by the heading with this id."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]
