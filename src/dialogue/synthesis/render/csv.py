"""CSV: one row per published post, for qualitative-analysis tools and spreadsheets.

A post whose author did not consent to be quoted keeps its row (it counts), but without
its words or its author. A post behind a content warning has it in `content_warning`, the
column before its text, so that whoever reads the file sees the warning first.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from dialogue.spreadsheet import safe_cell
from dialogue.synthesis.render.common import RenderOptions

COLUMNS = (
    "post_id",
    "theme",
    "thread_id",
    "thread",
    "parent_id",
    "date",
    "author",
    "quoted",
    "content_warning",
    "text",
    "highlighted",
    "codes",
    "agree",
    "disagree",
    "pass",
)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return safe_cell(str(value))


def render(document: dict[str, Any], options: RenderOptions) -> bytes:
    themes = {t["id"]: t["title"] for t in document["themes"]}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    # An imported Pol.is conversation keeps each statement's own id beside the post's.
    polis = any(row.get("polis_statement_id") for row in document["posts"])
    writer.writerow((*COLUMNS, "polis_statement_id") if polis else COLUMNS)
    for row in document["posts"]:
        writer.writerow(
            [
                cell(row["id"]),
                cell(themes.get(row["theme_id"], "")),
                cell(row["thread_id"]),
                cell(row["thread"]),
                cell(row["parent_id"]),
                cell(row["date"]),
                cell(row["author"]),
                cell(row["quoted"]),
                cell(row["content_warning"]),
                cell(row["text"]),
                cell(row["highlighted"]),
                cell("; ".join(row["codes"])),
                cell(row["reactions"]["agree"]),
                cell(row["reactions"]["disagree"]),
                cell(row["reactions"]["pass"]),
            ]
            + ([cell(row.get("polis_statement_id"))] if polis else [])
        )
    # A byte-order mark so spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
