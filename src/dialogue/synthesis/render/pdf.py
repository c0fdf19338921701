"""PDF: the HTML report laid out by WeasyPrint, charts and all, with page numbers."""

from __future__ import annotations

from typing import Any

from dialogue.synthesis.render.common import RenderOptions
from dialogue.synthesis.render.html import render_page


def render(document: dict[str, Any], options: RenderOptions) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_page(document, options), base_url=None).write_pdf()
    return pdf
