"""The report formats: each one's name, media type, file extension and renderer.

The API, its report jobs and `dialogue export` look a format up here and nowhere else.
A renderer's module (named for its format) is imported only when asked: PDF and DOCX pull
in a lot (WeasyPrint, python-docx) that a server which never renders them need not load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Literal

from dialogue.synthesis.render.common import RenderOptions

Format = Literal["md", "html", "pdf", "docx", "json", "csv"]
OFFICE = "application/vnd.openxmlformats-officedocument"
Renderer = Callable[[dict[str, Any], RenderOptions], bytes]


@dataclass(frozen=True, slots=True)
class ReportFormat:
    name: Format
    media_type: str
    extension: str

    def render(self, document: dict[str, Any], options: RenderOptions) -> bytes:
        renderer: Renderer = import_module(f"dialogue.synthesis.render.{self.name}").render
        return renderer(document, options)


REPORT_FORMATS: dict[str, ReportFormat] = {
    report.name: report
    for report in (
        ReportFormat("md", "text/markdown; charset=utf-8", "md"),
        ReportFormat("html", "text/html; charset=utf-8", "html"),
        ReportFormat("pdf", "application/pdf", "pdf"),
        ReportFormat("docx", f"{OFFICE}.wordprocessingml.document", "docx"),
        ReportFormat("json", "application/json", "json"),
        ReportFormat("csv", "text/csv; charset=utf-8", "csv"),
    )
}
